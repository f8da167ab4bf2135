"""BN001/BN005: norm classes built directly, `nn.BatchNorm2d(64)`; local subclasses of them; BN008."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Optional, Sequence

import libcst as cst

from .. import layout
from ..arguments import UNKNOWN, find_slot, literal_value
from ..knowledge import TRACKING_KEYWORD, NormClass
from ..scopes import resolve
from . import Family

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor

LOCAL_CLASS_PREFIX = "<local>."


class Constructors(Family):
    def __init__(self, visitor: BatchNormVisitor) -> None:
        super().__init__(visitor)
        self._subclass_reports: dict[int, str] = {}  # id(ClassDef) -> parent class name

    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        norm_class = self.visitor.norm_classes.get(callee)
        if norm_class is None:
            return None
        return self.construct(original, updated, norm_class, updated.args, offset=0)

    def construct(
        self, original: cst.Call, updated: cst.Call, norm_class: NormClass, args: Sequence[cst.Arg], offset: int
    ) -> cst.Call:
        """BN001/BN005 for `Cls(...)`, and BN002 for `partial(Cls, ...)` where args start after Cls."""
        visitor = self.visitor
        code = "BN002" if offset else "BN001"
        positional_index = norm_class.positional_index if norm_class.positional_index >= 0 else None
        slot = find_slot(args[offset:], TRACKING_KEYWORD, positional_index)
        if slot.maybe:
            if norm_class.tracks_by_default:
                visitor.report(original, "BN005", f"{norm_class.name}: track_running_stats {slot.reason}")
            return updated
        if slot.absent:
            if not norm_class.tracks_by_default:
                return updated
            if not visitor.report(original, code, tracking_message(norm_class, code), fixable=True):
                return updated
            visitor.record(original, "add-keyword", "False")
            return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))
        index = slot.arg_index + offset
        value = literal_value(args[index].value)
        if value is UNKNOWN:
            visitor.report(
                original, "BN005", f"{norm_class.name}: track_running_stats is set to a value that is not a literal"
            )
            return updated
        if value is not True:
            return updated
        if not visitor.report(original, code, tracking_message(norm_class, code), fixable=True):
            return updated
        visitor.record(original, "set-positional" if slot.positional else "set-keyword", "False", index)
        new_args = list(updated.args)
        # Keep any parentheses around the literal: only the name changes.
        new_args[index] = new_args[index].with_changes(value=new_args[index].value.with_changes(value="False"))
        return updated.with_changes(args=new_args)

    def register_local_subclasses(self, module: cst.Module) -> None:
        """`class MyBN(nn.BatchNorm2d)` at module level: its calls are the parent's when it keeps
        the parent's signature (no __init__ of its own); otherwise its definition is reported."""
        visitor = self.visitor
        for statement in module.body:
            if not isinstance(statement, cst.ClassDef):
                continue
            parents = [visitor.norm_classes.get(resolve(base.value, visitor.scopes) or "") for base in statement.bases]
            parent = next((p for p in parents if p is not None), None)
            if parent is None or not parent.tracks_by_default:
                continue
            if _defines_init(statement):
                if not _passes_tracking_off(statement):
                    self._subclass_reports[id(statement)] = parent.name
                continue
            local_name = f"{LOCAL_CLASS_PREFIX}{statement.name.value}"
            visitor.scopes[0].bindings[statement.name.value] = local_name
            visitor.norm_classes[local_name] = dataclasses.replace(parent, name=statement.name.value)

    def leave_class(self, original: cst.ClassDef) -> None:
        """BN008: a subclass with its own __init__ that does not pass track_running_stats=False."""
        parent = self._subclass_reports.get(id(original))
        if parent:
            self.visitor.report(
                original.name,
                "BN008",
                f"{original.name.value} subclasses {parent} and defines its own __init__, so its calls "
                f"cannot be fixed: pass track_running_stats=False to {parent}.__init__",
            )


def tracking_message(norm_class: NormClass, code: str) -> str:
    if code == "BN002":
        return (
            f"{norm_class.name} used as a layer factory builds layers that track running stats, which "
            f"torch.func.vmap cannot update in place: use partial({norm_class.name}, track_running_stats=False)"
        )
    return (
        f"{norm_class.name} tracks running stats, which torch.func.vmap cannot update in place: "
        f"set track_running_stats=False"
    )


def _defines_init(node: cst.ClassDef) -> bool:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__" for s in body)


def _passes_tracking_off(node: cst.ClassDef) -> bool:
    """Whether the class's own code sets track_running_stats=False somewhere (e.g. in super().__init__)."""
    finder = _TrackingOffFinder()
    node.visit(finder)
    return finder.found


class _TrackingOffFinder(cst.CSTVisitor):
    """An argument `track_running_stats=False` (libcst.matchers would cost 0.3 s of import)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Arg(self, node: cst.Arg) -> bool:
        if (
            isinstance(node.keyword, cst.Name)
            and node.keyword.value == TRACKING_KEYWORD
            and isinstance(node.value, cst.Name)
            and node.value.value == "False"
        ):
            self.found = True
        return not self.found

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not self.found and super().on_visit(node)
