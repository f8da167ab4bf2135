"""BN008: what a subclass of a norm class does with `track_running_stats`, decided from its own code.

`class BatchNormAct2d(nn.BatchNorm2d)` with `def __init__(self, num_features, ..., track_running_stats=True)`
forwarding the flag to `super().__init__` is fixed at its parameter's default, and its construction sites
are then read like the parent's, with the subclass's own slot. A subclass that passes a literal, or nothing,
to `super().__init__` is fixed at that call. One that forwards `**kwargs` to it takes the flag by keyword.
Anything else is reported, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .. import layout
from ..arguments import UNKNOWN, find_slot, literal_value
from ..knowledge import TRACKING_KEYWORD, NormClass
from ..scopes import parent_init_offset, resolve
from . import Family
from .constructors import LOCAL_CLASS_PREFIX

# How a subclass's __init__ treats the flag.
SAME_SIGNATURE = "same-signature"  # no __init__: its calls are the parent's
FORWARDS_PARAMETER = "forwards-parameter"  # super().__init__(..., track_running_stats=track_running_stats)
FORWARDS_KWARGS = "forwards-kwargs"  # super().__init__(..., **kwargs) with the __init__'s own **kwargs
FIX_PARENT_CALL = "fix-parent-call"  # super().__init__(...) with a literal True, or without the flag
TRACKING_OFF = "off"  # super().__init__(..., track_running_stats=False)
UNDECIDABLE = "undecidable"


@dataclass(frozen=True)
class Subclass:
    kind: str
    norm_class: Optional[NormClass] = None  # how its construction sites are read (None: not a norm class any more)
    parameter: Optional[cst.Param] = None  # FORWARDS_PARAMETER: the parameter whose default flips to False
    parent_calls: tuple[cst.Call, ...] = ()  # FIX_PARENT_CALL: the calls to fix
    reason: str = ""  # UNDECIDABLE: why, for the message


def classify(node: cst.ClassDef, parent: NormClass, scopes: list) -> Subclass:
    name = node.name.value
    init = _init(node)
    if init is None:
        return Subclass(
            SAME_SIGNATURE,
            NormClass(name, (), parent.tracks_by_default, parent.positional_index, parent.needs_tracking),
        )
    calls = _parent_init_calls(init, parent, scopes)
    if not calls:
        return Subclass(UNDECIDABLE, reason="its __init__ does not call the parent's __init__ where bn-codemod can see it")
    # Several calls (timm's BatchNormAct2d tries one with device/dtype, then one without): each must be
    # read the same way.
    decisions = [_classify_call(name, init, parent, call, offset) for call, offset in calls]
    first = decisions[0]
    if any(d.kind != first.kind or d.parameter is not first.parameter for d in decisions[1:]):
        return Subclass(UNDECIDABLE, reason="its calls of the parent's __init__ pass track_running_stats differently")
    if first.kind == FIX_PARENT_CALL:
        return Subclass(FIX_PARENT_CALL, parent_calls=tuple(call for d in decisions for call in d.parent_calls))
    return first


def _classify_call(name: str, init: cst.FunctionDef, parent: NormClass, call: cst.Call, offset: int) -> Subclass:
    args = call.args[offset:]
    index = parent.positional_index if parent.positional_index >= 0 else None
    slot = find_slot(args, TRACKING_KEYWORD, index)
    if slot.maybe:
        star_kwarg = init.params.star_kwarg
        forwarded = isinstance(star_kwarg, cst.Param) and any(
            arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == star_kwarg.name.value
            for arg in args
        )
        if forwarded and not any(arg.star == "*" for arg in args) and not _has_parameter(init, TRACKING_KEYWORD):
            return Subclass(FORWARDS_KWARGS, NormClass(name, (), parent.tracks_by_default, -1))
        return Subclass(UNDECIDABLE, reason=f"track_running_stats {slot.reason} in its call of the parent's __init__")
    if slot.absent:
        if not parent.tracks_by_default:
            return Subclass(TRACKING_OFF)
        return Subclass(FIX_PARENT_CALL, parent_calls=(call,))
    value = args[slot.arg_index].value
    literal = literal_value(value)
    if literal is True:
        return Subclass(FIX_PARENT_CALL, parent_calls=(call,))
    if literal is not UNKNOWN:
        return Subclass(TRACKING_OFF)  # False or None
    parameter = _parameter(init, value)
    if parameter is None or parameter.name.value != TRACKING_KEYWORD:
        return Subclass(UNDECIDABLE, reason="it passes the parent a track_running_stats that is not a literal")
    default = literal_value(parameter.default) if parameter.default is not None else None
    if parameter.default is not None and default is UNKNOWN:
        return Subclass(UNDECIDABLE, reason="its track_running_stats parameter defaults to a value that is not a literal")
    position = _positional_index(init, parameter)
    # Its default is False once fixed (or already); a required flag is always given at the call.
    return Subclass(FORWARDS_PARAMETER, NormClass(name, (), False, position), parameter=parameter)


def _init(node: cst.ClassDef) -> Optional[cst.FunctionDef]:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    inits = [s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"]
    return inits[-1] if inits else None


def _parent_init_calls(init: cst.FunctionDef, parent: NormClass, scopes: list) -> list[tuple[cst.Call, int]]:
    """`super().__init__(...)` (offset 0) and `Parent.__init__(self, ...)` (offset 1) calls in `init`."""
    finder = _ParentInitFinder(parent, scopes)
    init.body.visit(finder)
    return finder.calls


class _ParentInitFinder(cst.CSTVisitor):
    def __init__(self, parent: NormClass, scopes: list) -> None:
        super().__init__()
        self._parent = parent
        self._scopes = scopes
        self.calls: list[tuple[cst.Call, int]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function's super() is not this __init__'s

    def visit_Call(self, node: cst.Call) -> None:
        # Parent.__init__(self, ...) of a class named like the norm parent is assumed to be it.
        offset = parent_init_offset(node, self._scopes, lambda name: (name or "").endswith("." + self._parent.name))
        if offset is not None:
            self.calls.append((node, offset))


def _parameter(init: cst.FunctionDef, value: cst.BaseExpression) -> Optional[cst.Param]:
    if not isinstance(value, cst.Name):
        return None
    params = init.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == value.value:
            return param
    return None


def _has_parameter(init: cst.FunctionDef, name: str) -> bool:
    params = init.params
    return any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _positional_index(init: cst.FunctionDef, parameter: cst.Param) -> int:
    """Index of `parameter` among the positional parameters after self, or -1 when keyword-only."""
    positional = [*init.params.posonly_params, *init.params.params][1:]
    return next((index for index, param in enumerate(positional) if param is parameter), -1)


class NormSubclasses(Family):
    """Module-level subclasses of norm classes, read by classify()."""

    def __init__(self, visitor) -> None:
        super().__init__(visitor)
        self._reports: dict[int, tuple[str, str]] = {}  # id(ClassDef) -> (parent, why it is undecidable)
        self._fixes: dict[int, tuple[str, NormClass]] = {}  # id(Param or Call) -> (class name, parent)

    def visit_module(self, module: cst.Module) -> None:
        """Before any call is visited: bind each subclass that is read like a norm class, note what to fix."""
        visitor = self.visitor
        for statement in module.body:
            if not isinstance(statement, cst.ClassDef):
                continue
            parents = [visitor.norm_classes.get(resolve(base.value, visitor.scopes) or "") for base in statement.bases]
            parent = next((p for p in parents if p is not None), None)
            if parent is None:
                continue
            subclass = classify(statement, parent, visitor.scopes)
            name = statement.name.value
            if subclass.norm_class is not None:
                local_name = f"{LOCAL_CLASS_PREFIX}{name}"
                visitor.scopes[0].bindings[name] = local_name
                visitor.norm_classes[local_name] = subclass.norm_class
            if subclass.kind == UNDECIDABLE and parent.tracks_by_default:
                self._reports[id(statement)] = (parent.name, subclass.reason)
            elif subclass.kind == FORWARDS_PARAMETER and subclass.parameter is not None:
                if subclass.parameter.default is not None and literal_value(subclass.parameter.default) is True:
                    self._fixes[id(subclass.parameter)] = (name, parent)
            elif subclass.kind == FIX_PARENT_CALL:
                for call in subclass.parent_calls:
                    self._fixes[id(call)] = (name, parent)

    def leave_class(self, node: cst.ClassDef) -> None:
        report = self._reports.get(id(node))
        if report is not None:
            parent, reason = report
            self.visitor.report(
                node.name,
                "BN008",
                f"{node.name.value} subclasses {parent}, but {reason}, so bn-codemod cannot fix it: pass "
                f"track_running_stats=False to {parent}.__init__",
            )

    def leave_param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        fix = self._fixes.get(id(original))
        if fix is None or updated.default is None:
            return updated
        name, parent = fix
        message = (
            f"{name} forwards its track_running_stats, which defaults to True, to {parent.name}: its instances "
            f"track running stats, which torch.func.vmap cannot update in place; default it to False"
        )
        if not self.visitor.report(original, "BN008", message, fixable=True):
            return updated
        self.visitor.record(original, "set-default", "False", keyword=original.name.value)
        return updated.with_changes(default=updated.default.with_changes(value="False"))

    def leave_call(self, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        """The fixed parent call, when `original` is one this family fixes; else None."""
        fix = self._fixes.get(id(original))
        if fix is None:
            return None
        name, parent = fix
        message = (
            f"{name} builds its {parent.name} with running stats, which torch.func.vmap cannot update in place: "
            f"pass track_running_stats=False to {parent.name}.__init__"
        )
        if not self.visitor.report(original, "BN008", message, fixable=True):
            return updated
        super_call = isinstance(original.func, cst.Attribute) and isinstance(original.func.value, cst.Call)
        offset = 0 if super_call else 1  # Parent.__init__(self, ...) passes self first
        index = parent.positional_index if parent.positional_index >= 0 else None
        slot = find_slot(original.args[offset:], TRACKING_KEYWORD, index)
        if slot.absent:
            self.visitor.record(original, "add-keyword", "False")
            return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))
        position = slot.arg_index + offset
        self.visitor.record(original, "set-positional" if slot.positional else "set-keyword", "False", position)
        new_args = list(updated.args)
        new_args[position] = new_args[position].with_changes(value=new_args[position].value.with_changes(value="False"))
        return updated.with_changes(args=new_args)
