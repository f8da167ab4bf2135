"""Which torch object a name in the source refers to, resolved from the file's own imports.

libcst's ScopeProvider/QualifiedNameProvider are exact but slow (88 s against 12 s of parsing on 369
real files). We only need to know what an imported name stands for, so each scope pre-scans its own
statements when the visitor enters it: imports, definitions and parameters that bind a name there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

import libcst as cst

from .knowledge import STAR_EXPORTS

# A name bound in the file to something that is not an import we can follow (a class or function
# defined here, a parameter, an assignment, two different imports): it never resolves.
LOCAL = ""


@dataclass
class Scope:
    is_class: bool = False
    bindings: dict[str, str] = field(default_factory=dict)  # name -> qualified name, or LOCAL
    star_modules: list[str] = field(default_factory=list)  # `from M import *`
    # Module scope: names bound by unconditional top-level imports -> the number (1-based) of that
    # top-level statement. A fix in a later statement may use such a name; a conditional or local
    # import might not have run. Statement order is line order, and needs no positions.
    import_statements: dict[str, int] = field(default_factory=dict)

    def bind(self, name: str, qualified_name: str) -> None:
        previous = self.bindings.get(name)
        self.bindings[name] = qualified_name if previous in (None, qualified_name) else LOCAL


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` as a string, or None when the expression is not a plain dotted name."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def scope_for_module(module: cst.Module) -> Scope:
    scope = Scope()
    _scan_statements(module.body, scope)
    return scope


def top_level_imports(module: cst.Module) -> list[tuple[cst.SimpleStatementLine, list[str]]]:
    """Each unconditional top-level import line, with the names it binds."""
    found = []
    for statement in module.body:
        if _is_import_line(statement):
            bound = Scope()
            _scan_statements([statement], bound)
            found.append((statement, list(bound.bindings)))
    return found


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def scope_for_class(node: cst.ClassDef) -> Scope:
    scope = Scope(is_class=True)
    _scan_block(node.body, scope)
    return scope


def scope_for_function(node: Union[cst.FunctionDef, cst.Lambda]) -> Scope:
    scope = Scope()
    params = node.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        scope.bind(param.name.value, LOCAL)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            scope.bind(star.name.value, LOCAL)
    if isinstance(node, cst.FunctionDef):
        _scan_block(node.body, scope)
    return scope


def resolve(node: cst.BaseExpression, scopes: list[Scope]) -> Optional[str]:
    """The qualified name `node` refers to, e.g. `nn.BatchNorm2d` -> `torch.nn.BatchNorm2d`."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    target = _lookup(head, scopes)
    if not target:
        return None
    return f"{target}.{rest}" if rest else target


def parent_init_offset(
    call: cst.Call, scopes: list[Scope], is_parent: Callable[[Optional[str]], bool]
) -> Optional[int]:
    """How many arguments come before the parent's own in a call of a parent's __init__ in a subclass: 0 for
    `super().__init__(...)`, 1 for `Parent.__init__(self, ...)` when `is_parent` accepts Parent's resolved name;
    None for any other call."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
        return None
    if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) and func.value.func.value == "super":
        return 0
    return 1 if is_parent(resolve(func.value, scopes)) else None


def binding_depth(name: str, scopes: list[Scope]) -> Optional[int]:
    """The index in `scopes` of the scope whose own binding of `name` a lookup finds; None if none."""
    innermost = len(scopes) - 1
    for depth in range(innermost, -1, -1):
        scope = scopes[depth]
        # A class body's names are not visible from the functions nested in it.
        if scope.is_class and depth != innermost:
            continue
        if name in scope.bindings:
            return depth
    return None


def _lookup(name: str, scopes: list[Scope]) -> Optional[str]:
    depth = binding_depth(name, scopes)
    if depth is not None:
        return scopes[depth].bindings[name]
    for depth in range(len(scopes) - 1, -1, -1):
        for module in scopes[depth].star_modules:
            if name in STAR_EXPORTS.get(module, ()):
                return f"{module}.{name}"
    return None


def _scan_block(block: cst.BaseSuite, scope: Scope) -> None:
    _scan_statements(block.body, scope)


def _scan_statements(statements: Iterable[cst.CSTNode], scope: Scope) -> None:
    for statement in statements:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                _scan_small_statement(small, scope)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            scope.bind(statement.name.value, LOCAL)
        elif isinstance(statement, cst.If):
            _scan_block(statement.body, scope)
            if statement.orelse is not None:
                _scan_statements([statement.orelse], scope)
        elif isinstance(statement, cst.Else):
            _scan_block(statement.body, scope)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            _scan_block(statement.body, scope)
            for handler in statement.handlers:
                _scan_block(handler.body, scope)
            for clause in (statement.orelse, statement.finalbody):
                if clause is not None:
                    _scan_block(clause.body, scope)
        elif isinstance(statement, (cst.For, cst.While, cst.With)):
            _scan_block(statement.body, scope)
            orelse = getattr(statement, "orelse", None)
            if orelse is not None:
                _scan_block(orelse.body, scope)


def _scan_small_statement(small: cst.BaseSmallStatement, scope: Scope) -> None:
    if isinstance(small, cst.Import):
        for alias in small.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None:
                scope.bind(_alias_target(alias), full)
            else:
                # `import torch.nn` binds `torch`.
                head = full.split(".", 1)[0]
                scope.bind(head, head)
    elif isinstance(small, cst.ImportFrom):
        module = dotted_name(small.module) if small.module is not None else None
        is_relative = bool(small.relative)
        if isinstance(small.names, cst.ImportStar):
            if module is not None and not is_relative:
                scope.star_modules.append(module)
            return
        for alias in small.names:
            name = _alias_target(alias)
            imported = dotted_name(alias.name) or ""
            scope.bind(name, LOCAL if is_relative or module is None else f"{module}.{imported}")
    elif isinstance(small, (cst.Assign, cst.AnnAssign)):
        # `X = None` in an `except ImportError:` fallback does not make X something else.
        if isinstance(small.value, cst.Name) and small.value.value == "None":
            return
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        if isinstance(small, cst.AnnAssign) and small.value is None:
            return
        for target in targets:
            if isinstance(target, cst.Name):
                scope.bind(target.value, LOCAL)


def _alias_target(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted_name(alias.name) or "").split(".", 1)[0]
