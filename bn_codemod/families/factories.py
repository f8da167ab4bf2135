"""BN002: a norm class used as a value that builds layers: `norm_layer=nn.BatchNorm2d`, `partial(nn.BatchNorm2d, ...)`.

Where a value builds layers is a positive list, marked while the visitor goes down: keyword
arguments, assignments, returns, list elements, dict values, parameter defaults, and both branches
of `a if c else b` / `a or b` there. Stores, attribute parts, isinstance arguments, comparisons,
tuples, sets and dict keys are never touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

import libcst as cst

from ..factory_tables import only_called_in
from ..knowledge import PARTIAL, TRACKING_KEYWORD, NormClass
from ..scopes import resolve
from . import Family
from .constructors import tracking_message

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor

# Builtins that take a class to inspect it, not to build layers with it.
_TYPE_INSPECTING = frozenset({"isinstance", "issubclass", "type", "super", "id", "repr", "str", "print", "hash", "getattr", "hasattr", "setattr", "vars", "dir", "callable"})
_TIGHT_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


ESCAPING_CLASS = (
    "{cls} builds layers through {name}, which is also used other than by calling it (isinstance, stored, "
    "passed on), where partial(...) could raise TypeError: pass track_running_stats=False where its layers are "
    "built, or call torch.func.replace_all_batch_norm_modules_(model)"
)


class Factories(Family):
    def __init__(self, visitor: BatchNormVisitor) -> None:
        super().__init__(visitor)
        self._factory_positions: set[int] = set()  # ids of expressions where a class is a layer factory
        self._argument_positions: set[int] = set()  # ids of positional arguments to unknown callees
        self._held: set[int] = set()  # ids of lists whose elements a factory-table rule decides (factory_values)
        self._bound_to: dict[int, tuple[cst.CSTNode, str]] = {}  # id(value) -> (where its name is used, the name)

    # Marking, on the way down.
    def mark(self, value: Optional[cst.BaseExpression], name: str = "", used_in: Optional[cst.CSTNode] = None) -> None:
        """`value` builds layers if it is a norm class (an assigned, returned or default value); bound to `name`,
        whose mentions are in `used_in`, when it is assigned or a parameter's default."""
        if value is not None:
            self._factory_positions.add(id(value))
            if used_in is not None and isinstance(value, cst.Subscript):  # only MONAI's Norm[...] is checked
                self._bound_to[id(value)] = (used_in, name)

    def mark_all(self, values: Iterable[cst.BaseExpression]) -> None:
        self._factory_positions.update(id(value) for value in values)

    def mark_list(self, node: cst.List) -> None:
        """A list's elements build layers (`norm_layers=[nn.BatchNorm2d, ...]`), unless it is a factory table."""
        if id(node) not in self._held:
            self.mark_all(element.value for element in node.elements)

    def hold(self, table: cst.BaseExpression) -> None:
        """The elements of `table` are marked, or not, by the factory-table rule alone."""
        self._held.add(id(table))

    def mark_branches(self, node: cst.BaseExpression, *branches: cst.BaseExpression) -> None:
        """`a if c else b`, `a or b`: each branch is a factory where the whole is."""
        if id(node) in self._factory_positions:
            self._factory_positions.update(id(branch) for branch in branches)

    def mark_call_arguments(self, node: cst.Call, callee: Optional[str]) -> None:
        if callee is None and isinstance(node.func, cst.Name) and node.func.value in _TYPE_INSPECTING:
            return
        args = node.args[1:] if callee == PARTIAL else node.args
        for arg in args:
            if arg.keyword is not None:
                self._factory_positions.add(id(arg.value))
            elif not arg.star:
                self._argument_positions.add(id(arg.value))

    # Fixing, on the way up.
    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        """`partial(X, ...)`: X's own rule, on the arguments after X: a norm class's constructor rule, a library
        model class's (model_classes.py), a torchvision builder's (builders.py) or a norm-spec class's (norm_specs.py)."""
        if callee != PARTIAL:
            return None
        if not original.args or original.args[0].keyword is not None or original.args[0].star:
            return updated
        visitor = self.visitor
        target = resolve(original.args[0].value, visitor.scopes)
        norm_class = visitor.norm_classes.get(target) if target else visitor.norm_specs.monai_norm_class(original.args[0].value)
        if norm_class is not None:
            return visitor.constructors.construct(original, updated, norm_class, updated.args, offset=1)
        for family in (visitor.model_classes, visitor.builders, visitor.norm_specs):
            result = family.partial(original, updated, target) if target else None
            if result is not None:
                return result
        return updated

    def reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        """A norm class used as a value, e.g. norm_layer=nn.BatchNorm2d."""
        if not self.in_position(original):
            return updated
        qualified_name = resolve(original, self.visitor.scopes)
        norm_class = self.visitor.norm_classes.get(qualified_name) if qualified_name else None
        if norm_class is None:
            if qualified_name and id(original) in self._factory_positions:
                # `model_cls = ResNet`, `model_fn = torchvision.models.resnet50`: reported where named, never rewritten.
                for family in (self.visitor.model_classes, self.visitor.builders, self.visitor.norm_specs):
                    if family.reference(original, qualified_name):
                        break
            return updated
        return self.reference_class(original, updated, norm_class)

    def in_position(self, node: cst.BaseExpression) -> bool:
        return id(node) in self._factory_positions or id(node) in self._argument_positions

    def reference_class(
        self, original: cst.BaseExpression, updated: cst.BaseExpression, norm_class: NormClass, only_called: bool = False
    ) -> cst.BaseExpression:
        """`original` is the norm class `norm_class` (a name, or an expression such as MONAI's Norm[...]). With
        `only_called`, a name it is bound to must be only ever called to be fixed, as factory tables must."""
        if not self.in_position(original) or not norm_class.tracks_by_default:
            return updated
        visitor = self.visitor
        in_factory_position = id(original) in self._factory_positions
        bound = self._bound_to.get(id(original)) if only_called and in_factory_position else None
        if bound is not None and not only_called_in(*bound):
            # `norm_type = Norm[Norm.BATCH, 2]` ... `isinstance(m, norm_type)`: a partial there raises TypeError.
            visitor.report(original, "BN002", ESCAPING_CLASS.format(cls=norm_class.name, name=bound[1]))
            return updated
        if not in_factory_position:
            # A positional argument: the callee may build layers with it or only compare with it.
            visitor.report(
                original,
                "BN002",
                f"{norm_class.name} passed as a value: if it is used to build layers, pass "
                f"partial({norm_class.name}, track_running_stats=False)",
            )
            return updated
        if not visitor.report(original, "BN002", tracking_message(norm_class, "BN002"), fixable=True):
            return updated
        partial_source = visitor.imports.partial(visitor.scopes, visitor.current_statement)
        visitor.record(original, "wrap-partial", partial_source)
        partial = cst.parse_expression(partial_source)
        return cst.Call(
            func=partial,
            args=[
                cst.Arg(value=updated.with_changes(lpar=(), rpar=())),
                cst.Arg(keyword=cst.Name(TRACKING_KEYWORD), value=cst.Name("False"), equal=_TIGHT_EQUAL),
            ],
            lpar=updated.lpar,
            rpar=updated.rpar,
        )
