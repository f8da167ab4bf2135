"""Blank the bodies of functions and classes that cannot hold a finding, before libcst parses the file.

Parsing is most of a run's time (60% on timm), and in a model file most code never names a norm
layer. This is the byte prefilter one level down: a `def` or `class` whose header and body do not
contain one recognised name keeps its header, and its body becomes `pass` followed by blank lines.
Every line keeps its number and every kept line its bytes, so findings keep their exact positions.

Why no finding can be lost:
- A finding's node names what it reports: a norm class, functional, builder, factory or runtime
  patch, or an alias of one bound by an import or a subclass definition. Those names, and every
  alias and subclass name found in the file, are the recognised names (as substrings, so the test
  errs towards keeping).
- What the visitor reads besides the node is its enclosing scopes. A body that is blanked holds no
  reported node, and its bindings are visible only inside it: a def or class binds just its own
  name in the enclosing scope, and the header that binds it is kept. Bodies of if/try/for/with/while
  are never blanked (their bindings belong to the enclosing scope); only defs and classes within
  them are.
- A class whose header names a recognised name is kept whole: BN008 reads its __init__.
tests/test_reduction.py checks that findings are the same with and without it.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, Optional, Sequence

from .knowledge import (
    DEPRECATED_RUNTIME_PATCHES,
    FUNCTIONAL_NORMS,
    NORM_ACTIVATION_BLOCKS,
    NORM_CLASSES,
    PREFILTER_TOKENS,
    RUNTIME_PATCH,
    TIMM_FACTORIES,
    TORCHVISION_GET_MODEL,
)
from .torchvision_builders import BUILDERS

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what CPython and libcst count as a line break


def blank_inert_bodies(source: str, tree: ast.Module, extra_classes: Sequence[str] = ()) -> str:
    """`source` with what cannot hold a finding blanked: bodies of defs and classes, and the inner
    lines of long literals and calls."""
    lines = _split_lines(source)
    hit_lines = _hit_lines(source, tree, lines, extra_classes)
    bodies: list[tuple[int, int]] = []  # (first, last) 1-based lines of a body to replace by `pass`
    interiors: list[tuple[int, int]] = []  # (first, last) 1-based lines inside brackets to empty

    def has_hit(first: int, last: int) -> bool:
        index = bisect_left(hit_lines, first)
        return index < len(hit_lines) and hit_lines[index] <= last

    def visit(statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                header = _header_lines(statement)
                body_first, last = _first_line(statement.body[0]), statement.end_lineno or statement.lineno
                if header is None:
                    continue  # a one-line definition
                if isinstance(statement, ast.ClassDef) and has_hit(*header):
                    continue  # a subclass of a recognised class: kept whole, BN008 reads all of it
                if has_hit(body_first, last):
                    visit(statement.body)
                else:
                    bodies.append((body_first, last))
            elif isinstance(statement, _VALUE_STATEMENTS):
                interior = _interior(statement.value)
                if interior is not None and not has_hit(_first_line(statement), statement.end_lineno or 0):
                    interiors.append(interior)
            else:
                for block in _blocks(statement):
                    visit(block)

    visit(tree.body)
    if not bodies and not interiors:
        return source
    for first, last in bodies:
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip())]
        lines[first - 1] = indent + "pass" + _ending(line)
        for number in range(first + 1, last + 1):
            lines[number - 1] = _ending(lines[number - 1])
    for first, last in interiors:
        for number in range(first, last + 1):
            lines[number - 1] = _ending(lines[number - 1])
    return "".join(lines)


# `x = {...}`, `f(...)`: their value is blanked inside its brackets; the targets stay, so do the bindings.
_VALUE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return)
# Containers that stay containers with any lines between their brackets removed: never a bare name,
# so never the `X = None` a scope treats differently. Not tuples: `(None\n, 2\n)` would become `(None)`.
_BRACKETED = (ast.Call, ast.List, ast.Set, ast.Dict)


def _interior(value: Optional[ast.expr]) -> Optional[tuple[int, int]]:
    """The lines strictly inside a multi-line container that can be emptied, or None.

    Every node that crosses the edge of those lines must itself be such a container, opened above
    and closed below them: then only whole elements go, and no string, comment or bracket is cut.
    """
    if not isinstance(value, _BRACKETED) or value.end_lineno is None or value.end_lineno - value.lineno < 2:
        return None
    first, last = value.lineno + 1, value.end_lineno - 1
    return (first, last) if _cut_cleanly(value, first, last) else None


def _cut_cleanly(node: ast.AST, first: int, last: int) -> bool:
    for child in ast.iter_child_nodes(node):
        start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
        if start is None or end is None:
            if not _cut_cleanly(child, first, last):
                return False
        elif end < first or start > last or (first <= start and end <= last):
            continue  # wholly outside or wholly inside
        elif not (isinstance(child, _BRACKETED) and start < first and end > last and _cut_cleanly(child, first, last)):
            return False
    return True


def _hit_lines(source: str, tree: ast.Module, lines: list[str], extra_classes: Sequence[str]) -> list[int]:
    """Sorted numbers of the lines that contain a recognised name, or an alias or subclass of one
    that this file defines."""
    recognised = _pattern(_recognised_names(tuple(extra_classes), torchvision="torchvision" in source))
    aliases: list[tuple[str, str]] = []  # (imported name, bound name) of `import x as y`
    classes: list[ast.ClassDef] = []
    _collect(tree.body, aliases, classes)
    defined: set[str] = set()

    def names_one(text: str) -> bool:
        return recognised.search(text) is not None or any(name in text for name in defined)

    while True:  # until no new alias or subclass: a subclass of a subclass names only its parent
        found = {bound for imported, bound in aliases if names_one(imported)}
        for node in classes:
            first, last = _header_lines(node) or (node.lineno, node.lineno)
            if names_one("".join(lines[first - 1 : last])):
                found.add(node.name)
        if found <= defined:
            break
        defined |= found
    starts = list(accumulate((len(line) for line in lines[:-1]), initial=0))
    offsets = [match.start() for match in recognised.finditer(source)]
    for name in defined:
        offset = source.find(name)
        while offset != -1:
            offsets.append(offset)
            offset = source.find(name, offset + 1)
    return sorted({bisect_right(starts, offset) for offset in offsets})


def _collect(statements: Iterable[ast.stmt], aliases: list[tuple[str, str]], classes: list[ast.ClassDef]) -> None:
    """Import aliases and class definitions at any depth (statements only: both are statements)."""
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            aliases += [(alias.name, alias.asname) for alias in statement.names if alias.asname]
        elif isinstance(statement, ast.ClassDef):
            classes.append(statement)
            _collect(statement.body, aliases, classes)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _collect(statement.body, aliases, classes)
        else:
            for block in _blocks(statement):
                _collect(block, aliases, classes)


@lru_cache(maxsize=16)
def _recognised_names(extra_classes: tuple[str, ...], torchvision: bool) -> frozenset[str]:
    """The last part of every qualified name the visitor recognises, and the prefilter's tokens.
    torchvision's builders and blocks only in a file that names torchvision: without that import
    a `resnet50` cannot be torchvision's, and timm defines its own `resnet50`."""
    qualified = [
        *(cls.name for cls in NORM_CLASSES),
        *(name for functional in FUNCTIONAL_NORMS for name in functional.qualified_names),
        RUNTIME_PATCH,
        *DEPRECATED_RUNTIME_PATCHES,
        *TIMM_FACTORIES,
        *extra_classes,
    ]
    if torchvision:
        qualified += [*NORM_ACTIVATION_BLOCKS, *TORCHVISION_GET_MODEL, *(builder.name for builder in BUILDERS)]
    return frozenset({name.rsplit(".", 1)[-1] for name in qualified} | {token.decode() for token in PREFILTER_TOKENS})


@lru_cache(maxsize=64)
def _pattern(names: frozenset) -> "re.Pattern[str]":
    return re.compile("|".join(re.escape(name) for name in sorted(names, key=lambda n: (-len(n), n))))


def _header_lines(definition: ast.stmt) -> Optional[tuple[int, int]]:
    """First decorator line to the line before the body; None when the body starts on the header's line."""
    body_first = _first_line(definition.body[0])  # type: ignore[attr-defined]
    if body_first <= definition.lineno:
        return None
    return _first_line(definition), body_first - 1


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts: a decorated definition at its first decorator."""
    return min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", ()))])


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    """Statement lists nested in a compound statement other than def and class."""
    blocks = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(statement, field, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            blocks.append(value)
    for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        blocks.append(clause.body)
    return blocks


def _split_lines(source: str) -> list[str]:
    lines, start = [], 0
    for match in _NEWLINE.finditer(source):
        lines.append(source[start : match.end()])
        start = match.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


def _ending(line: str) -> str:
    match = _NEWLINE.search(line, len(line.rstrip("\r\n")))
    return match.group() if match else ""
