"""Blank what cannot hold a finding before libcst parses a file.

Parsing is most of a run's time (60% on timm), and in a model file most code never names a norm
layer. This is the byte prefilter one level down, on the CPython tree analysis.py builds anyway:
- the body of a def or class that contains no recognised name becomes `pass` (the header stays);
- a statement that contains no recognised name and binds no name becomes `pass`;
- the lines inside the brackets of a long literal or call that contains none are emptied.
Every line keeps its number and every kept line its bytes, so findings keep their exact positions.

Why no finding can be lost:
- A finding's node names what it reports: a norm class, functional, builder, factory or runtime
  patch, or an alias of one bound by an import or a subclass definition. Those names, and every
  alias and subclass name found in the file, are the recognised names (as substrings, so the test
  errs towards keeping).
- Besides the node, the visitor reads the bindings of its enclosing scopes (scopes.py). Nothing
  blanked binds a name there: a def or class keeps the header that binds its name, the bindings of
  a blanked body are visible only inside it, a blanked statement binds nothing, and an emptied
  literal keeps its targets and stays a container (never the `X = None` scopes.py ignores).
- A class whose header names a recognised name is kept whole: BN008 reads its __init__.
- Hazards (BN009-BN011, hazards.py): a running-stat name, load_state_dict and the fusion helpers
  are recognised names too. What else they read stays: a comparison with None or a functional
  norm call holding the statistic is in the same statement; `self.<stat>` is exempt in a class
  whose header names a norm class (kept whole) or whose body registers the buffer (a hit line);
  a function that writes statistics keeps its write lines and its norm constructors.
tests/test_reduction.py checks findings and fixes are the same with and without it.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Callable, Iterable, Optional, Sequence

from .knowledge import (
    DEPRECATED_RUNTIME_PATCHES,
    FUNCTIONAL_NORMS,
    FUSION_HELPER_BY_QUALNAME,
    HAZARD_TOKENS,
    NORM_ACTIVATION_BLOCKS,
    NORM_CLASSES,
    PREFILTER_TOKENS,
    RUNTIME_PATCH,
    TIMM_FACTORIES,
    TORCHVISION_GET_MODEL,
)
from .model_classes import BATCHNORM_SWITCHES, MODEL_CLASSES, MODEL_LIBRARIES
from .norm_factories import NAMES_BY_LIBRARY
from .torchvision_builders import BUILDERS

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what CPython and libcst count as a line break


def blank_inert_bodies(source: str, tree: ast.Module, extra_classes: Sequence[str] = ()) -> str:
    """`source` with what cannot hold a finding blanked: bodies of defs and classes, statements that
    bind no name, and the inner lines of long literals and calls."""
    lines = _split_lines(source)
    hit_lines = _hit_lines(source, tree, lines, extra_classes)
    to_pass: list[tuple[int, int]] = []  # (first, last) 1-based lines to replace by one `pass`
    interiors: list[tuple[int, int]] = []  # (first, last) 1-based lines inside brackets to empty

    def has_hit(first: int, last: int) -> bool:
        index = bisect_left(hit_lines, first)
        return index < len(hit_lines) and hit_lines[index] <= last

    def visit(statements: list[ast.stmt]) -> None:
        for group in _line_groups(statements):
            statement = group[0]
            first, last = _first_line(statement), group[-1].end_lineno or statement.lineno
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                header = _header_lines(statement)
                if header is None:
                    continue  # a one-line definition
                if isinstance(statement, ast.ClassDef) and has_hit(*header):
                    continue  # a subclass of a recognised class: kept whole, BN008 reads all of it
                body_first = _first_line(statement.body[0])
                if has_hit(body_first, last):
                    visit(statement.body)
                else:
                    to_pass.append((body_first, last))
            elif has_hit(first, last):
                for member in group:
                    for block in _blocks(member):
                        visit(block)
            elif _starts_its_line(lines[first - 1], statement) and not any(map(_binds_a_name, group)):
                to_pass.append((first, last))
            elif len(group) == 1 and isinstance(statement, _VALUE_STATEMENTS):
                interior = _interior(statement.value)
                if interior is not None:
                    interiors.append(interior)
            else:
                for member in group:
                    for block in _blocks(member):
                        visit(block)

    visit(tree.body)
    if not to_pass and not interiors:
        return source
    for first, last in to_pass:
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip())]
        lines[first - 1] = indent + "pass" + _ending(line)
        for number in range(first + 1, last + 1):
            lines[number - 1] = _ending(lines[number - 1])
    for first, last in interiors:
        for number in range(first, last + 1):
            lines[number - 1] = _ending(lines[number - 1])
    return "".join(lines)


def statement_lines(tree: ast.Module) -> list[int]:
    """The first line of each top-level statement as libcst sees them (`a; b` is one statement)."""
    return [_first_line(group[0]) for group in _line_groups(tree.body)]


def _line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements that share a line (`a = 1; b = 2`) go together: lines are blanked whole."""
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if groups and _first_line(statement) <= (groups[-1][-1].end_lineno or 0):
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups


def _starts_its_line(line: str, statement: ast.stmt) -> bool:
    """Not the body of `if x: y` on its header's line; col_offset counts UTF-8 bytes."""
    return not line.encode("utf-8", "surrogatepass")[: statement.col_offset].strip()


# What scopes.py treats as a binding is narrower (imports, defs, classes, assignments to a name);
# anything that might bind counts here, except comprehension targets, which bind in their own scope.
_BINDING_STATEMENTS = (
    ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal,
)


def _binds_a_name(statement: ast.stmt) -> bool:
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, _BINDING_STATEMENTS):
            return True
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            return True
        if getattr(node, "name", None) or getattr(node, "rest", None):  # except ... as e, match captures
            return True
        if isinstance(node, ast.comprehension):
            stack.append(node.iter)
            stack.extend(node.ifs)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


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
    libraries = tuple(sorted(library for library in MODEL_LIBRARIES if _imports(library).search(source)))
    libraries += tuple(library for library in NAMES_BY_LIBRARY if library in source)
    recognised = _pattern(
        _recognised_names(
            tuple(extra_classes), "torchvision" in source, libraries, fx_fuse="fx.experimental" in source
        )
    )
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
    hits = {bisect_right(starts, offset) for offset in offsets}
    # A factory table (`types = (nn.BatchNorm1d, nn.BatchNorm2d)`) or a dict unpacked into a norm layer
    # (`nn.BatchNorm2d(c, **dd)`) is read through its other mentions: `isinstance(m, types)`, `dd["k"] = v`.
    # Those mentions are kept: within the function that binds the name, else anywhere in the file.
    # A `**dd` elsewhere cannot change what visible_dicts.py reads, so only dicts' other mentions count.
    simple: list[tuple[ast.stmt, Optional[ast.AST]]] = []
    compound: list[tuple[ast.stmt, Optional[ast.AST]]] = []
    _simple_statements(tree.body, None, simple, compound)
    local_names: dict[int, set[str]] = {}  # id(function) -> its parameters and assigned names
    followed: set[tuple[str, bool, int, int]] = set()  # (name, unpacked, first line, last line)
    # Likewise a name bound to a subscript (MONAI's `norm_type = Norm[Norm.BATCH, 2]`, or a parameter with
    # that default): norm_specs.py fixes it only when every other mention is a call, `norm_type(c)`.
    pending = _subscript_parameters(tree, hits) if "monai.networks" in libraries else set()  # only MONAI's Norm

    def may_be_a_table(iterable: ast.expr) -> bool:
        """Whether a loop's iterable names a norm class or a followed tuple/list: only then is it a table."""
        tables = {name for name, unpacked, _, _ in followed if not unpacked}
        return any(
            (isinstance(node, ast.Name) and (node.id in tables or names_one(node.id)))
            or (isinstance(node, ast.Attribute) and names_one(node.attr))
            for node in ast.walk(iterable)
        )

    while True:
        found, pending = pending, set()
        # A loop over a table (`for cls in types:`, `[n(c) for n in types]`) is read through every mention of
        # its variable in the function (factory_tables.py): kept too.
        for statement, function in compound:
            first, last = _first_line(statement), _first_line(_blocks(statement)[0][0]) - 1  # the header's lines
            if any(line in hits for line in range(first, max(first, last) + 1)):
                scope = (_first_line(function), function.end_lineno or 0) if function is not None else (1, len(lines))
                found.update((name, False, *scope) for name in _loop_targets(statement, may_be_a_table))
        for statement, function in simple:
            first, last = _first_line(statement), statement.end_lineno or statement.lineno
            if not any(line in hits for line in range(first, last + 1)):
                continue
            text = "".join(lines[first - 1 : last])
            names = {(name, True) for name in _UNPACKED.findall(text)}
            if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Tuple, ast.List, ast.Subscript)):
                names.update((target.id, False) for target in statement.targets if isinstance(target, ast.Name))
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.value, ast.Subscript):
                names.update((target.id, False) for target in (statement.target,) if isinstance(target, ast.Name))
            if "for" in text:
                scope = (_first_line(function), function.end_lineno or 0) if function is not None else (1, len(lines))
                found.update((name, False, *scope) for name in _loop_targets(statement, may_be_a_table))
            for name, unpacked in names:
                if function is not None and id(function) not in local_names:
                    local_names[id(function)] = _local_names(function)
                if function is not None and name in local_names[id(function)]:
                    found.add((name, unpacked, _first_line(function), function.end_lineno or 0))
                else:
                    found.add((name, unpacked, 1, len(lines)))
        found -= followed
        if not found:
            break
        followed |= found
        for name, unpacked, first, last in found:
            start, end = starts[first - 1], starts[last] if last < len(starts) else len(source)
            pattern = rf"(?<!\*\*)(?<!\*\* )\b{re.escape(name)}\b" if unpacked else rf"\b{re.escape(name)}\b"
            for match in re.compile(pattern).finditer(source, start, end):
                hits.add(bisect_right(starts, match.start()))
    return sorted(hits)


_UNPACKED = re.compile(r"\*\*[ \t]*([A-Za-z_]\w*)")


def _subscript_parameters(tree: ast.Module, hits: set[int]) -> set[tuple[str, bool, int, int]]:
    """Parameters whose default is a subscript, in a def whose header holds a hit: (name, False, the def's lines)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            header = _header_lines(node) or (node.lineno, node.lineno)
            if not any(line in hits for line in range(header[0], header[1] + 1)):
                continue
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            pairs = [*zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults)]
            pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
            found.update(
                (arg.arg, False, _first_line(node), node.end_lineno or node.lineno)
                for arg, default in pairs
                if isinstance(default, ast.Subscript)
            )
    return found


def _simple_statements(
    statements: Iterable[ast.stmt],
    function: Optional[ast.AST],
    found: list[tuple[ast.stmt, Optional[ast.AST]]],
    compound: Optional[list[tuple[ast.stmt, Optional[ast.AST]]]] = None,
) -> None:
    """Every statement that holds no other statement, at any depth, with its innermost enclosing function; and
    into `compound`, every other statement but def and class."""
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _simple_statements(statement.body, statement, found, compound)
        elif isinstance(statement, ast.ClassDef):
            _simple_statements(statement.body, function, found, compound)
        elif _blocks(statement):
            if compound is not None:
                compound.append((statement, function))
            for block in _blocks(statement):
                _simple_statements(block, function, found, compound)
        else:
            found.append((statement, function))


def _loop_targets(statement: ast.stmt, may_be_a_table: Callable[[ast.expr], bool]) -> set[str]:
    """Names bound by a `for` statement's target and by the comprehensions in a statement (in a compound
    statement, in its header only), where the loop's iterable may be a table."""
    names: set[str] = set()
    parts: list[ast.AST] = [statement]
    if _blocks(statement):
        fields = ast.iter_fields(statement)
        parts = [value for field, value in fields if field not in _BLOCK_FIELDS and isinstance(value, ast.AST)]
        parts += getattr(statement, "items", [])  # with
        if isinstance(statement, (ast.For, ast.AsyncFor)) and may_be_a_table(statement.iter):
            names.update(node.id for node in ast.walk(statement.target) if isinstance(node, ast.Name))
    for part in parts:
        for node in ast.walk(part):
            if isinstance(node, ast.comprehension) and may_be_a_table(node.iter):
                names.update(name.id for name in ast.walk(node.target) if isinstance(name, ast.Name))
    return names


_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases", "items"})


def _local_names(function: ast.AST) -> set[str]:
    """Parameters and names assigned in `function` (not in the functions nested in it)."""
    arguments = function.args  # type: ignore[attr-defined]
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    names.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
    statements: list[tuple[ast.stmt, Optional[ast.AST]]] = []
    _simple_statements(function.body, function, statements)  # type: ignore[attr-defined]
    for statement, owner in statements:
        if owner is function and isinstance(statement, ast.Assign):
            names.update(target.id for target in statement.targets if isinstance(target, ast.Name))
    return names


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




@lru_cache(maxsize=None)
def _imports(library: str) -> "re.Pattern[str]":
    """What a file must contain for a name to resolve into `library` ("timm.models"): the dotted path
    itself, `from timm import ... models`, or `import timm as t` (then `t.models`). timm's own files
    import timm.layers absolutely, but not timm.models."""
    root, _, rest = library.partition(".")
    patterns = [re.escape(library), rf"import[ \t]+{root}[ \t]+as\b"]
    if rest:
        patterns.append(rf"from[ \t]+{root}[ \t]+import\b[^\n]*\b{rest}\b")
    return re.compile("|".join(patterns))


@lru_cache(maxsize=16)
def _recognised_names(
    extra_classes: tuple[str, ...], torchvision: bool, libraries: tuple[str, ...], fx_fuse: bool = False
) -> frozenset[str]:
    """The last part of every qualified name the visitor recognises, and the prefilter's tokens.
    torchvision's builders and blocks only in a file that names torchvision: without that import
    a `resnet50` cannot be torchvision's, and timm defines its own `resnet50`. Likewise a library's
    model classes (ResNet, EfficientNet…) only in a file that names that library (`libraries`), and
    the fusion helper `fuse` only where torch.fx.experimental is named ("fused" is everywhere in timm)."""
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
        qualified += list(BATCHNORM_SWITCHES)
    qualified += [model.name.split(".")[0] for model in MODEL_CLASSES if model.modules[0].startswith(libraries)]
    qualified += [name for library in libraries for name in NAMES_BY_LIBRARY.get(library, ())]
    qualified += [name for name in FUSION_HELPER_BY_QUALNAME if fx_fuse or not name.endswith(".fuse")]
    tokens = {token.decode() for token in (*PREFILTER_TOKENS, *HAZARD_TOKENS)}
    return frozenset({name.rsplit(".", 1)[-1] for name in qualified} | tokens)


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
