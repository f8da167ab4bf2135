"""What a name bound once in a scope holds, when nothing in that scope can change it.

`dd = {"device": device, "dtype": dtype}` … `nn.BatchNorm2d(c, **dd)`: which keys a `**name` can carry.

Modern PyTorch code passes device/dtype to every layer through one dict. When the dict is visible and
nothing can change it, the keys it carries are known, so the call is as decidable as one without it.
Conservative on purpose: the name must be bound exactly once in its scope, by `name = {...}` with string
keys and no `**` inside, or `name = dict(key=value, ...)`; and every other mention of the name anywhere in
that scope, nested functions included, must be a `**name` argument. Any other mention (a subscript store,
`.update`, `del`, passing it to a function, `global`, a parameter of that name) could change or replace it.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from .arguments import dict_call_entries, dict_literal_entries

ScopeNode = Union[cst.Module, cst.FunctionDef, cst.Lambda]


def visible_dict(scope: ScopeNode, name: str) -> Optional[dict[str, cst.BaseExpression]]:
    """key -> value expression of the dict `name` is bound to in `scope`, or None when unknown."""
    mentions = mentions_of(scope, name)
    if mentions.other or mentions.subscripts or len(mentions.assignments) != 1:
        return None
    return _literal_dict(mentions.assignments[0])


def only_subscripted(scope: ScopeNode, name: str) -> bool:
    """Whether `name` is bound once in `scope` and otherwise only read as `name[...](...)`: a factory table
    `types = (nn.BatchNorm1d, nn.BatchNorm2d)` … `types[dim - 1](c)` whose classes never leave it, so no
    `isinstance(m, types)` nor `isinstance(m, types[1])` can see them."""
    mentions = mentions_of(scope, name)
    return (
        not mentions.other
        and not mentions.double_stars
        and len(mentions.assignments) == 1
        and mentions.subscripts > 0
        and mentions.called_subscripts == mentions.subscripts
    )


def mentions_of(scope: ScopeNode, name: str) -> "_Mentions":
    finder = _Mentions(name)
    scope.visit(finder)
    return finder


def _literal_dict(value: cst.BaseExpression) -> Optional[dict[str, cst.BaseExpression]]:
    if isinstance(value, cst.Dict):
        entries = dict_literal_entries(value)
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        entries = dict_call_entries(value)
    else:
        return None
    if entries is None or entries[1]:
        return None  # a key that is not a plain string, a positional argument, or ** (keys out of sight)
    return entries[0]


class _Mentions(cst.CSTVisitor):
    """Every mention of one name: single-target assignments of it, `**name` arguments, `name[...]`
    reads, and whether there is any other."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name
        self.assignments: list[cst.BaseExpression] = []
        self.double_stars = 0
        self.subscripts = 0
        self.called_subscripts = 0  # `name[...](...)`: the element is called right away
        self.other = False

    def visit_Assign(self, node: cst.Assign) -> Optional[bool]:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if node.targets[0].target.value == self._name:
                self.assignments.append(node.value)
                node.value.visit(self)
                return False
        return None

    def visit_Arg(self, node: cst.Arg) -> Optional[bool]:
        if node.star == "**" and isinstance(node.value, cst.Name) and node.value.value == self._name:
            self.double_stars += 1
            return False  # the use we can read
        node.value.visit(self)  # not the keyword's own name
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name) and func.value.value == self._name:
            self.called_subscripts += 1

    def visit_Subscript(self, node: cst.Subscript) -> Optional[bool]:
        if isinstance(node.value, cst.Name) and node.value.value == self._name:
            self.subscripts += 1  # a read or a store: stores are assignments to a Subscript, seen below
            for element in node.slice:
                element.visit(self)
            return False
        return None

    # Stores into `name[...]` change it: every statement that can store into a subscript.
    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._store(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._store(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._store(node.name)

    def _store(self, target: cst.CSTNode) -> None:
        stores = [target]
        while stores:
            node = stores.pop()
            if isinstance(node, (cst.Tuple, cst.List)):
                stores.extend(element.value for element in node.elements)
            elif isinstance(node, cst.StarredElement):
                stores.append(node.value)
            elif isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == self._name:
                self.other = True

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        node.value.visit(self)  # `self.dd` is not the name dd
        return False

    def visit_Name(self, node: cst.Name) -> Optional[bool]:
        if node.value == self._name:
            self.other = True
        return False
