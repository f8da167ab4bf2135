"""BN001/BN002/BN005 for values that carry norm layers through a name: `**factory_kwargs` dicts and factory
tables of norm classes. visible_dicts.py reads what the names hold.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence, Union

import libcst as cst

from ..arguments import Slot, literal_value
from ..factory_tables import BUILDS, INSPECTS, loop_variable_use, loops_over, table_mentions
from ..knowledge import TRACKING_KEYWORD, NormClass
from ..scopes import binding_depth, resolve
from ..visible_dicts import visible_dict
from . import Family

_NOT_TRACKING = NormClass("", (), False, -1)
# Why it is not fixed (a class from it may reach isinstance/==, or its calls pass the flag or **kwargs) is in
# --explain BN002; the message says what to do.
ESCAPING_TABLE = (
    "{name} holds norm classes that build layers, and a class taken from it is also used other than by calling "
    "it, so it is not wrapped: pass track_running_stats=False where its layers are built, or call "
    "torch.func.replace_all_batch_norm_modules_(model)"
)
Table = Union[cst.Tuple, cst.List]


class FactoryValues(Family):
    def __init__(self, visitor) -> None:
        super().__init__(visitor)
        self._scope_nodes: list[cst.CSTNode] = []  # the node of each scope in visitor.scopes
        self._called: set[int] = set()  # ids of subscripts called right away: `types[i](c)`
        # (id(scope), name) -> its visible dict: timm unpacks one `dd` into every layer of a function.
        self._dicts: dict[tuple[int, str], Optional[dict[str, cst.BaseExpression]]] = {}

    # Dispatched by the visitor.
    def enter_scope(self, node: cst.CSTNode) -> None:
        self._scope_nodes.append(node)

    def leave_scope(self) -> None:
        self._scope_nodes.pop()

    @property
    def current_scope(self) -> cst.CSTNode:
        """The node of the innermost scope being visited (module, class, function or lambda)."""
        return self._scope_nodes[-1]

    def visit_call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Subscript):
            self._called.add(id(node.func))

    def visit_assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(node.value, (cst.Tuple, cst.List)) and isinstance(target, cst.Name):
            self._factory_table(node.value, target.value)

    def visit_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """`for cls in (nn.BatchNorm1d, nn.BatchNorm2d): layers.append(cls(c))`: a literal table iterated."""
        for variable, table in loops_over(target, iterable):
            if not isinstance(table, (cst.Tuple, cst.List)) or not self._norm_elements(table):
                continue
            self.visitor.factories.hold(table)  # decided here, not by the list rule
            scope = self._scope_nodes[-1]
            use = loop_variable_use(scope, variable)
            if use == BUILDS and not isinstance(scope, cst.ClassDef):
                self.visitor.factories.mark_all(element.value for element in table.elements)
            elif use != INSPECTS:
                self.visitor.report(table, "BN002", ESCAPING_TABLE.format(name=f"this {_kind(table)}"))

    def visit_subscript(self, node: cst.Subscript) -> None:
        """`(nn.BatchNorm1d, nn.BatchNorm2d)[dim - 1](c)`: a factory table literal, called right away."""
        if not isinstance(node.value, cst.Tuple) or not self._norm_elements(node.value):
            return
        if id(node) in self._called:
            self.visitor.factories.mark_all(element.value for element in node.value.elements)
        else:
            self.visitor.report(node.value, "BN002", ESCAPING_TABLE.format(name="this tuple"))

    def decide_double_stars(self, slot: Slot, args: Sequence[cst.Arg], positional_index: Optional[int]) -> Optional[Slot]:
        """For a `maybe` slot: absent when every `**name` is a visible dict without the flag, None when they set
        it to False (nothing to do), else the slot unchanged (BN005)."""
        if not slot.maybe or (positional_index is not None and any(arg.star == "*" for arg in args)):
            return slot
        carried: dict[str, cst.BaseExpression] = {}
        for arg in args:
            if arg.star != "**":
                continue
            scope = self._binding_scope(arg.value.value) if isinstance(arg.value, cst.Name) else None
            keys = self._visible_dict(scope, arg.value.value) if scope is not None else None  # type: ignore[union-attr]
            if keys is None:
                return slot
            carried.update(keys)
        if TRACKING_KEYWORD not in carried:
            return dataclasses.replace(slot, state="absent", reason="")
        return None if literal_value(carried[TRACKING_KEYWORD]) is False else slot

    # The rules.
    def _factory_table(self, table: Table, name: str) -> None:
        """`types = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)` only ever used as `types[dim - 1](c)`, or
        iterated by loops whose variable is only called (`for cls in types: cls(c)`): a table of layer factories
        whose elements BN002 fixes. Indexed or iterated and used any other way, it is reported: its classes may
        reach an isinstance, where a partial raises TypeError; so is a public module-level table, which other
        modules may import. A list neither indexed nor iterated is left to the list rule (visitor.visit_List)."""
        if not self._norm_elements(table):
            return
        scope = self._binding_scope(name)
        mentions = table_mentions(scope, name) if scope is not None else None  # type: ignore[arg-type]
        if mentions is None or not (mentions.subscripts or mentions.loops):
            return  # never indexed nor iterated: a tuple for isinstance
        self.visitor.factories.hold(table)
        loops = mentions.loops
        uses = {loop_variable_use(function, variable) for variable, function in loops}  # type: ignore[arg-type]
        if not mentions.subscripts and uses <= {INSPECTS}:
            return  # no layer is built from it: `for kind in types: if isinstance(m, kind)`
        # A public module-level table can be imported elsewhere, and used there as types.
        exported = isinstance(scope, cst.Module) and not name.startswith("_")
        if (
            not exported
            and not mentions.other
            and not mentions.double_stars
            and len(mentions.assignments) == 1
            and mentions.called_subscripts == mentions.subscripts
            and uses <= {BUILDS}
        ):
            self.visitor.factories.mark_all(element.value for element in table.elements)
            return
        self.visitor.report(table, "BN002", ESCAPING_TABLE.format(name=name))

    def _norm_elements(self, table: Table) -> list[cst.BaseElement]:
        visitor = self.visitor
        return [
            element
            for element in table.elements
            if (visitor.norm_classes.get(resolve(element.value, visitor.scopes) or "") or _NOT_TRACKING).tracks_by_default
        ]

    def _visible_dict(self, scope: cst.CSTNode, name: str) -> Optional[dict[str, cst.BaseExpression]]:
        key = (id(scope), name)
        if key not in self._dicts:
            self._dicts[key] = visible_dict(scope, name)  # type: ignore[arg-type]
        return self._dicts[key]

    def _binding_scope(self, name: str) -> Optional[cst.CSTNode]:
        """The node of the innermost function or module scope binding `name`, looked up as resolve() does."""
        depth = binding_depth(name, self.visitor.scopes)
        if depth is None or self.visitor.scopes[depth].is_class:
            return None
        return self._scope_nodes[depth]


def _kind(table: Table) -> str:
    return "tuple" if isinstance(table, cst.Tuple) else "list"
