"""The single libcst visitor: finds every finding and makes every fix, in one pass.

`--check`, `--diff`, fix mode and the pre-commit hooks all run this visitor; check mode simply does not
write what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import libcst as cst
from libcst.metadata import PositionProvider

from . import layout
from .findings import Edit, Finding
from .knowledge import NORM_CLASS_BY_QUALNAME, TRACKING_KEYWORD, NormClass
from .scopes import Scope, resolve, scope_for_class, scope_for_function, scope_for_module


@dataclass(frozen=True)
class _SlotState:
    """How a constructor call sets track_running_stats."""

    tracks: Optional[bool]  # True, False, or None when it cannot be decided
    arg_index: int = -1  # index into call.args of the argument that sets it, -1 when absent
    positional: bool = False
    reason: str = ""  # why it cannot be decided


class BatchNormVisitor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[Scope] = []
        self.findings: list[Finding] = []
        self.edits: list[Edit] = []

    # Scopes: each is scanned for its bindings when the visitor enters it.
    def visit_Module(self, node: cst.Module) -> None:
        self.scopes.append(scope_for_module(node))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append(scope_for_class(node))

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.scopes.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(scope_for_function(node))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.scopes.pop()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append(scope_for_function(node))

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self.scopes.pop()
        return updated_node

    # Candidates.
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        qualified_name = resolve(original_node.func, self.scopes)
        norm_class = NORM_CLASS_BY_QUALNAME.get(qualified_name) if qualified_name else None
        if norm_class is None:
            return updated_node
        state = _tracking_state(original_node.args, norm_class)
        if state.tracks is False:
            return updated_node
        if state.tracks is None:
            self._report(original_node, "BN005", f"{norm_class.name}: track_running_stats {state.reason}")
            return updated_node
        return self._fix_tracking(original_node, updated_node, norm_class, state)

    def _fix_tracking(
        self, original: cst.Call, updated: cst.Call, norm_class: NormClass, state: _SlotState
    ) -> cst.Call:
        start = self._report(
            original,
            "BN001",
            f"{norm_class.name} tracks running stats, which torch.func.vmap cannot update in place: "
            f"set track_running_stats=False",
            fixable=True,
        )
        if state.arg_index >= 0:
            args = list(updated.args)
            old = args[state.arg_index]
            # Keep any parentheses around the literal: only the name changes.
            args[state.arg_index] = old.with_changes(value=old.value.with_changes(value="False"))
            self.edits.append(
                Edit(
                    start.line,
                    start.column + 1,
                    "set-positional" if state.positional else "set-keyword",
                    TRACKING_KEYWORD,
                    "False",
                    state.arg_index if state.positional else -1,
                )
            )
            return updated.with_changes(args=args)
        self.edits.append(Edit(start.line, start.column + 1, "add-keyword", TRACKING_KEYWORD, "False"))
        return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))

    def _report(self, node: cst.CSTNode, code: str, message: str, fixable: bool = False):
        position = self.get_metadata(PositionProvider, node)
        self.findings.append(
            Finding(
                code=code,
                line=position.start.line,
                column=position.start.column + 1,
                end_line=position.end.line,
                end_column=position.end.column + 1,
                message=message,
                fixable=fixable,
            )
        )
        return position.start


def _literal_truth(expression: cst.BaseExpression) -> Union[bool, None, str]:
    """True/False for the literals True/False/None; "unknown" for anything else."""
    if isinstance(expression, cst.Name) and expression.value in ("True", "False", "None"):
        return expression.value == "True"
    return "unknown"


def _tracking_state(args: Sequence[cst.Arg], norm_class: NormClass) -> _SlotState:
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == TRACKING_KEYWORD:
            return _state_of_value(arg.value, index, positional=False)

    leading_positionals = 0
    for arg in args:
        if arg.keyword is not None or arg.star:
            break
        leading_positionals += 1
    if leading_positionals > norm_class.positional_index:
        return _state_of_value(args[norm_class.positional_index].value, norm_class.positional_index, True)

    if any(arg.star == "*" for arg in args):
        return _unknown_unless_default_off(norm_class, "may be set positionally by *args")
    if any(arg.star == "**" for arg in args):
        return _unknown_unless_default_off(norm_class, "may be set by **kwargs")
    return _SlotState(tracks=norm_class.tracks_by_default)


def _state_of_value(value: cst.BaseExpression, index: int, positional: bool) -> _SlotState:
    truth = _literal_truth(value)
    if truth == "unknown":
        return _SlotState(None, reason="is set to a value that is not a literal True or False")
    return _SlotState(bool(truth), index, positional)


def _unknown_unless_default_off(norm_class: NormClass, reason: str) -> _SlotState:
    # InstanceNorm is only reported when tracking is switched on explicitly.
    if not norm_class.tracks_by_default:
        return _SlotState(False)
    return _SlotState(None, reason=reason)
