"""How a table of norm classes is used: `types[dim - 1](c)`, `for cls in types: cls(c)`, or as types.

A tuple or list of norm classes is a factory table when layers are built from it: an element called right
away (`types[i](c)`), or a loop over it whose variable is called (`for cls in NORMS: layers.append(cls(c))`,
`[norm(c) for norm in NORMS]`, `enumerate(NORMS)`, `zip(NORMS, channels)`). Its elements can become
`partial(cls, track_running_stats=False)` only when no class taken from it can reach a type check
(`isinstance(m, cls)`, `m.__class__ is cls`, a caller): a partial is not a class. Conservative on purpose:
a loop variable must be mentioned only where it is bound by such a loop or called with arguments a partial
cannot clash with; any other mention anywhere in its function counts as a use as a type.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from .knowledge import TRACKING_KEYWORD
from .visible_dicts import ScopeNode, _Mentions

# Positional arguments a norm class takes before track_running_stats (num_features, eps, momentum, affine):
# a call with more would clash with the partial's keyword.
_POSITIONAL_BEFORE_TRACKING = 4
BUILDS, INSPECTS, MIXED = "builds", "inspects", "mixed"


def iterated_table(
    target: cst.BaseExpression, iterable: cst.BaseExpression
) -> Optional[tuple[str, cst.BaseExpression]]:
    """(loop variable, table expression) when `for target in iterable` binds a plain name to each element of one
    table: `for v in T`, `for i, v in enumerate(T)`, `for v in reversed(T)` (zip: see zipped_tables)."""
    if isinstance(target, cst.Name):
        if isinstance(iterable, cst.Call) and _builtin(iterable, "reversed") and _positional(iterable, 1):
            return target.value, iterable.args[0].value
        if isinstance(iterable, cst.Call):
            return None
        return target.value, iterable
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(iterable, cst.Call):
        return None
    names = [element.value for element in target.elements]
    if not all(isinstance(name, cst.Name) and not isinstance(element, cst.StarredElement)
               for name, element in zip(names, target.elements)):
        return None
    enumerated = _builtin(iterable, "enumerate") and iterable.args and _positional(iterable, len(iterable.args))
    if enumerated and len(names) == 2:
        return names[1].value, iterable.args[0].value  # type: ignore[attr-defined]
    return None


def zipped_tables(target: cst.BaseExpression, iterable: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """`for v, c in zip(T, cs)`: (loop variable, argument) for each position of zip."""
    if not (isinstance(target, (cst.Tuple, cst.List)) and isinstance(iterable, cst.Call) and _builtin(iterable, "zip")):
        return []
    names = [element.value for element in target.elements]
    if not all(isinstance(name, cst.Name) for name in names) or not _positional(iterable, len(names)):
        return []
    return [(name.value, arg.value) for name, arg in zip(names, iterable.args)]  # type: ignore[attr-defined]


def loops_over(target: cst.BaseExpression, iterable: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression]]:
    """Every (loop variable, expression whose elements it takes) of `for target in iterable`."""
    single = iterated_table(target, iterable)
    return [single] if single is not None else zipped_tables(target, iterable)


def plain_call(call: cst.Call) -> bool:
    """A call that `partial(cls, track_running_stats=False)` answers like the class: no track_running_stats
    keyword, no unpacking, and fewer positional arguments than reach it."""
    positional = 0
    for arg in call.args:
        if arg.star or (arg.keyword is not None and arg.keyword.value == TRACKING_KEYWORD):
            return False
        positional += arg.keyword is None
    return positional <= _POSITIONAL_BEFORE_TRACKING


def loop_variable_use(scope: Union[ScopeNode, cst.ClassDef], name: str) -> str:
    """BUILDS when every mention of `name` in `scope` binds it as a loop target or calls it plainly (at least
    once), INSPECTS when it is never called, MIXED otherwise (called, and used another way)."""
    finder = _NameUses(name)
    scope.visit(finder)
    if finder.calls == 0:
        return INSPECTS
    return BUILDS if finder.mentions == finder.plain_calls + finder.loop_targets else MIXED


def only_called_in(scope: cst.CSTNode, name: str) -> bool:
    """Whether every mention of `name` in `scope` calls it or binds it (an assignment target, a parameter)."""
    finder = _NameUses(name)
    scope.visit(finder)
    return finder.mentions == finder.calls + finder.bindings


class TableMentions(_Mentions):
    """A table's mentions (see visible_dicts._Mentions), with the loops over it apart: `loops` holds, for each,
    its variable and the innermost function (or module) node, where that variable's mentions are read."""

    def __init__(self, name: str, scope: ScopeNode) -> None:
        super().__init__(name)
        self.loops: list[tuple[str, cst.CSTNode]] = []
        self._functions: list[cst.CSTNode] = [scope]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._functions.append(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._functions.pop()

    def visit_Call(self, node: cst.Call) -> Optional[bool]:
        func = node.func
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name) and func.value.value == self._name:
            self.called_subscripts += plain_call(node)
        elif _builtin(node, "len") and _positional(node, 1):
            argument = node.args[0].value
            if isinstance(argument, cst.Name) and argument.value == self._name:
                return False  # `range(len(types))`: no class leaves the table
        return None

    def visit_For(self, node: cst.For) -> Optional[bool]:
        if not self._loop(node.target, node.iter):
            return super().visit_For(node)
        for part in (node.body, node.orelse):
            if part is not None:
                part.visit(self)
        return False

    def visit_CompFor(self, node: cst.CompFor) -> Optional[bool]:
        if not self._loop(node.target, node.iter):
            return super().visit_CompFor(node)
        for part in (*node.ifs, node.inner_for_in):
            if part is not None:
                part.visit(self)
        return False

    def _loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> bool:
        """Records a loop over the table; False when this loop is not one (its mentions count as usual)."""
        loops = loops_over(target, iterable)
        ours = [variable for variable, table in loops if isinstance(table, cst.Name) and table.value == self._name]
        if not ours:
            return False
        self.loops.extend((variable, self._functions[-1]) for variable in ours)
        for variable, table in loops:  # zip's other arguments, enumerate's start: read as usual
            if not (isinstance(table, cst.Name) and table.value == self._name):
                table.visit(self)
        if isinstance(iterable, cst.Call):
            for arg in iterable.args[len(loops) if _builtin(iterable, "zip") else 1:]:
                arg.value.visit(self)
        return True


def table_mentions(scope: ScopeNode, name: str) -> TableMentions:
    finder = TableMentions(name, scope)
    scope.visit(finder)
    return finder


class _NameUses(cst.CSTVisitor):
    """Mentions of one plain name (not an attribute's or a keyword's): all of them, those that call it (plainly),
    those bound by a `for`, and those bound by an assignment or as a parameter."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self.mentions = 0
        self.calls = 0
        self.plain_calls = 0
        self.loop_targets = 0
        self.bindings = 0

    def visit_Name(self, node: cst.Name) -> None:
        self.mentions += node.value == self._name

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == self._name:
            self.calls += 1
            self.plain_calls += plain_call(node)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def _targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.loop_targets += target.value == self._name
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.bindings += isinstance(node.target, cst.Name) and node.target.value == self._name

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.bindings += isinstance(node.target, cst.Name) and node.target.value == self._name

    def visit_Param(self, node: cst.Param) -> None:
        self.bindings += node.name.value == self._name

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        node.value.visit(self)  # `self.cls` is not the name cls
        return False

    def visit_Arg(self, node: cst.Arg) -> Optional[bool]:
        node.value.visit(self)  # nor is the keyword `cls=`
        return False


def _builtin(call: cst.Call, name: str) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == name


def _positional(call: cst.Call, count: int) -> bool:
    """Exactly `count` positional arguments, no keywords, no unpacking."""
    return len(call.args) == count and all(arg.keyword is None and not arg.star for arg in call.args)
