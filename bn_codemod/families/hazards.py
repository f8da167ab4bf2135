"""BN009-BN011, hazards: code that relies on the running statistics the fix removes.

Report only, never fixed. The visitor calls these hooks in its one pass; they read the same scopes
and report through the same `report` as every other rule. Whether the findings are shown is decided
per run (runner.scope_hazards): only when some file of the run builds norm layers
(`BatchNormVisitor.builds_norm_layers`).

- BN009: reads and writes of `.running_mean`, `.running_var`, `.num_batches_tracked`, as attributes,
  through getattr/setattr with those literal names, or as state_dict keys (a string subscript or
  `.endswith(...)` argument ending with one). Not counted, because they handle None: a comparison
  with None, an argument of a functional norm (BN007's business), and `self.<stat>` inside a class
  that owns its statistics: a subclass of a norm class (its forward mirrors torch's), or a class
  that registers a buffer of that name itself (EvoNorm, FrozenBatchNorm, InplaceABN: the fix never
  touches them), and a plain copy `dst.running_mean = src.running_mean` (None to None once both
  layers are patched).
- BN010: calls of torch's fusion helpers (knowledge.FUSION_HELPERS).
- BN011: `<model>.load_state_dict(...)`, strict or not.
A function that writes running statistics keeps the norm layers it constructs: `keeps_constructor`
reports such a constructor instead of letting the constructor rule fix it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional, Sequence

import libcst as cst

from ..arguments import UNKNOWN, Slot, find_slot, literal_value
from ..knowledge import (
    FUNCTIONAL_NORM_BY_QUALNAME,
    FUSION_HELPER_BY_QUALNAME,
    HAZARD_TOKENS,
    LOAD_STATE_DICT,
    NOT_A_MODEL_HINTS,
    NOT_A_MODEL_NAMES,
    RUNNING_STAT_NAMES,
    NormClass,
)
from ..scopes import dotted_name, resolve
from . import Family

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor

FUSE_ADVICE = "fuse before patching, or keep a deploy copy built with running stats"
STRIP_ADVICE = "convert it with bn_codemod.strip_running_stats(state_dict, model)"
# Whether a file may write running statistics at all: only then are function bodies pre-scanned.
_WRITE_HINT = re.compile(
    r"\.\s*(running_mean|running_var|num_batches_tracked)\s*(\.\s*data\s*)?(\[[^\]]*\]\s*)?"
    r"(\.\s*\w+_\s*\(|(\*\*|//|>>|<<|[-+*/@%&|^])?=(?!=)|:)"
    r"|setattr\s*\([^)]*(running_mean|running_var|num_batches_tracked)"
)
# Whether a class may register its own running-stat buffers: only then are class bodies scanned.
_OWN_BUFFER_HINT = re.compile(r"register_buffer\s*\(\s*['\"](running_mean|running_var|num_batches_tracked)")
_DATA = "data"
_TOKENS = tuple(token.decode() for token in HAZARD_TOKENS)


class Hazards(Family):
    def __init__(self, visitor: BatchNormVisitor, source: str) -> None:
        super().__init__(visitor)
        # Without any hazard word in the file, every hook returns at once (most model files).
        self.active = any(token in source for token in _TOKENS)
        self._may_write = self.active and _WRITE_HINT.search(source) is not None
        self._may_own_buffers = self.active and _OWN_BUFFER_HINT.search(source) is not None
        self._writes: set[int] = set()  # ids of running-stat attributes that are written
        self._exempt: set[int] = set()  # ids of reads that handle None
        self._function_writes: list[bool] = []  # per enclosing function: does it write running stats?
        self._owns_statistics: list[bool] = []  # per enclosing class: are self.<stat> its own?

    # Context, entered before the children are visited (the visitor calls these only when `active`).
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        scopes, norm_classes = self.visitor.scopes, self.visitor.norm_classes
        owns = any((resolve(base.value, scopes) or "") in norm_classes for base in node.bases)
        if not owns and self._may_own_buffers:
            finder = _OwnBufferFinder()
            node.body.visit(finder)
            owns = finder.found
        self._owns_statistics.append(owns)

    def leave_ClassDef(self) -> None:
        self._owns_statistics.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        writes = False
        if self._may_write:
            finder = _WriteFinder()
            node.body.visit(finder)
            writes = finder.found
        self._function_writes.append(writes)

    def leave_FunctionDef(self) -> None:
        self._function_writes.pop()

    def keeps_constructor(self, node: cst.Call, norm_class: NormClass, args: Sequence[cst.Arg], slot: Slot) -> bool:
        """Report, instead of fixing, a tracking constructor in a function that writes running
        statistics: the layer is meant to carry them. True when the constructor is reported here."""
        if not self._function_writes or not self._function_writes[-1] or slot.maybe:
            return False
        tracks = norm_class.tracks_by_default if slot.absent else literal_value(args[slot.arg_index].value) is True
        if not tracks:
            return False
        self.visitor.report(
            node,
            "BN001",
            f"{norm_class.name} tracks running stats, which torch.func.vmap cannot update in place; not "
            f"fixed: this function writes running statistics (BN009), so the layer is meant to carry them. "
            f"If it runs under vmap, set track_running_stats=False and drop the copy",
        )
        return True

    def visit_Assign(self, node: cst.Assign) -> None:
        copied = _plain_copy(node)
        if copied is not None:
            self._exempt.update(id(attribute) for attribute in copied)
            return
        for target in node.targets:
            self._mark_written(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._mark_written(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._mark_written(node.target)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """`bn.running_mean is None`: a guard, not a use."""
        operands = [node.left, *(target.comparator for target in node.comparisons)]
        if any(isinstance(operand, cst.Name) and operand.value == "None" for operand in operands):
            self._exempt.update(id(operand) for operand in operands)

    def visit_Call(self, node: cst.Call, callee: Optional[str]) -> None:
        func = node.func
        if callee in FUNCTIONAL_NORM_BY_QUALNAME:  # takes None for both statistics
            self._exempt.update(id(arg.value) for arg in node.args)
        elif isinstance(func, cst.Attribute) and func.attr.value.endswith("_"):
            self._mark_written(func.value)  # bn.running_mean.copy_(...), bn.running_var.data.fill_(...)

    # Findings, when a node is left.
    def leave_Call(self, node: cst.Call, callee: Optional[str]) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("getattr", "setattr") and callee is None:
            self._attribute_by_name(node)
        elif isinstance(func, cst.Attribute) and func.attr.value == "endswith":
            for arg in node.args:
                self._state_dict_key(arg.value)
        elif isinstance(func, cst.Attribute) and func.attr.value == LOAD_STATE_DICT:
            self._load_state_dict(node, func.value)
        elif callee in FUSION_HELPER_BY_QUALNAME:
            helper = FUSION_HELPER_BY_QUALNAME[callee]
            short = callee.rpartition(".")[2]
            self.visitor.report(
                node,
                "BN010",
                f"{short} needs running statistics: on a layer built with track_running_stats=False "
                f"it {helper.after_the_fix}; {FUSE_ADVICE}",
            )

    def leave_Attribute(self, node: cst.Attribute) -> None:
        name = node.attr.value
        if name not in RUNNING_STAT_NAMES or id(node) in self._exempt:
            return
        if self._owns_statistics and self._owns_statistics[-1] and _is_self(node.value):
            return
        shown = _shown(node)
        if id(node) in self._writes:
            self.visitor.report(node, "BN009", _write_message(shown))
        else:
            self.visitor.report(node, "BN009", _read_message(shown))

    def leave_Subscript(self, node: cst.Subscript) -> None:
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                self._state_dict_key(element.slice.value)

    # Helpers.
    def _mark_written(self, target: cst.BaseExpression) -> None:
        stat = _running_stat_of(target)
        if stat is not None:
            self._writes.add(id(stat))

    def _attribute_by_name(self, node: cst.Call) -> None:
        if len(node.args) < 2 or node.args[0].keyword is not None or node.args[1].keyword is not None:
            return
        name = _string_value(node.args[1].value)
        if name not in RUNNING_STAT_NAMES:
            return
        function = dotted_name(node.func)
        shown = f"{function}(..., '{name}')"
        self.visitor.report(node, "BN009", _write_message(shown) if function == "setattr" else _read_message(shown))

    def _state_dict_key(self, expression: cst.BaseExpression) -> None:
        elements = expression.elements if isinstance(expression, cst.Tuple) else None
        for value in [element.value for element in elements] if elements is not None else [expression]:
            text = _string_value(value)
            name = next((n for n in RUNNING_STAT_NAMES if text is not None and text.endswith(n)), None)
            if name is not None:
                self.visitor.report(
                    value,
                    "BN009",
                    f"state_dict key '{text}': a model built with track_running_stats=False has no "
                    f"'{name}' keys; convert checkpoints with bn_codemod.strip_running_stats(state_dict, model)",
                )

    def _load_state_dict(self, node: cst.Call, receiver: cst.BaseExpression) -> None:
        if isinstance(receiver, cst.Call) and dotted_name(receiver.func) == "super":
            return  # an override forwarding its caller's choice; the caller is reported
        name = (dotted_name(receiver) or "").rpartition(".")[2].lower()
        if name in NOT_A_MODEL_NAMES or any(hint in name for hint in NOT_A_MODEL_HINTS):
            return
        slot = find_slot(node.args, "strict", 1)
        strict = True if slot.absent else UNKNOWN if slot.maybe else literal_value(node.args[slot.arg_index].value)
        if strict is True:
            message = (
                "load_state_dict: a checkpoint saved before the fix fails this strict load "
                f"(Unexpected key(s) in state_dict: '...running_mean'); {STRIP_ADVICE}"
            )
        elif strict is False:
            message = (
                "load_state_dict(strict=False): after the fix the running statistics of a checkpoint "
                "are silently dropped and eval outputs change; load it into a model built with running "
                "stats, or drop them knowingly with bn_codemod.strip_running_stats(state_dict, model)"
            )
        else:
            message = (
                "load_state_dict: strict is not a literal: a checkpoint saved before the fix either fails "
                f"to load or silently loses its running statistics; {STRIP_ADVICE}"
            )
        self.visitor.report(node, "BN011", message)


def _read_message(shown: str) -> str:
    return (
        f"{shown} reads running statistics: None once the layer is built with track_running_stats=False "
        f"(folding it into a conv then raises TypeError); {FUSE_ADVICE}"
    )


def _write_message(shown: str) -> str:
    return (
        f"{shown} writes running statistics: a layer built with track_running_stats=False has none (None, "
        "so the write raises); build that layer with track_running_stats=True on purpose, or drop the copy"
    )


def _plain_copy(node: cst.Assign) -> Optional[tuple[cst.Attribute, cst.Attribute]]:
    """`dst.running_mean = src.running_mean`: one layer's statistic handed to another, as converters
    (SyncBatchNorm, SplitBatchNorm) do for a layer built with the same track_running_stats. With
    both patched it copies None, which works: not a hazard."""
    if len(node.targets) != 1:
        return None
    target, value = node.targets[0].target, node.value
    if (
        isinstance(target, cst.Attribute)
        and isinstance(value, cst.Attribute)
        and target.attr.value in RUNNING_STAT_NAMES
        and value.attr.value == target.attr.value
    ):
        return target, value
    return None


def _shown(node: cst.Attribute) -> str:
    """The expression as written, shortened: `model._blocks[0]._bn1.running_mean`."""
    text = dotted_name(node) or cst.Module([]).code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= 60 else "..." + text[-57:]


def _running_stat_of(expression: cst.BaseExpression) -> Optional[cst.Attribute]:
    """`bn.running_mean` in `bn.running_mean`, `bn.running_mean.data`, `bn.running_mean[...]`."""
    while True:
        if isinstance(expression, cst.Subscript):
            expression = expression.value
        elif isinstance(expression, cst.Attribute) and expression.attr.value == _DATA:
            expression = expression.value
        else:
            break
    if isinstance(expression, cst.Attribute) and expression.attr.value in RUNNING_STAT_NAMES:
        return expression
    return None


def _is_self(expression: cst.BaseExpression) -> bool:
    return isinstance(expression, cst.Name) and expression.value == "self"


def _string_value(expression: cst.BaseExpression) -> Optional[str]:
    """A string literal's value; for an f-string or concatenation, its literal tail (enough for
    `endswith`: f"{name}.running_mean" ends with running_mean)."""
    if isinstance(expression, cst.SimpleString):
        value = expression.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expression, cst.ConcatenatedString):
        return _string_value(expression.right)
    if isinstance(expression, cst.FormattedString) and expression.parts:
        last = expression.parts[-1]
        return last.value if isinstance(last, cst.FormattedStringText) else None
    if isinstance(expression, cst.BinaryOperation) and isinstance(expression.operator, cst.Add):
        return _string_value(expression.right)
    return None


class _OwnBufferFinder(cst.CSTVisitor):
    """Whether a class body calls register_buffer("running_mean" | "running_var" | ..., ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "register_buffer" and node.args:
            self.found = self.found or _string_value(node.args[0].value) in RUNNING_STAT_NAMES

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not self.found and super().on_visit(node)


class _WriteFinder(cst.CSTVisitor):
    """Whether a function body writes running statistics (the visitor's own rules, run ahead)."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def _check(self, targets: Sequence[cst.BaseExpression]) -> None:
        self.found = self.found or any(_running_stat_of(target) is not None for target in targets)

    def visit_Assign(self, node: cst.Assign) -> None:
        if _plain_copy(node) is None:
            self._check([target.target for target in node.targets])

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._check([node.target])

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check([node.target])

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value.endswith("_"):
            self._check([func.value])
        elif isinstance(func, cst.Name) and func.value == "setattr" and len(node.args) >= 2:
            self.found = self.found or _string_value(node.args[1].value) in RUNNING_STAT_NAMES

    def on_visit(self, node: cst.CSTNode) -> bool:
        return not self.found and super().on_visit(node)
