"""An independent check of every rewrite before it is written, like black's AST equivalence check.

The new source must compile with CPython, and its AST must equal the original's AST with the
recorded edits replayed on it: anything else the rewrite changed is a bug of ours, and the file is
then left alone. The replay uses only `ast` and the Edit records, never libcst or the visitor.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import Iterator, Optional, Sequence

from .findings import Edit

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # CPython's line ends; str.splitlines knows more
_CALL_ACTIONS = ("add-keyword", "set-keyword", "set-positional")
_TARGET_KINDS = (ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.ImportFrom, ast.arg)  # what an Edit can point at
_MAX_SHOWN = 80


class _Unverifiable(Exception):
    """The rewrite cannot be confirmed; str() is the one-line reason."""


def check_rewrite(old_source: str, new_source: str, edits: Sequence[Edit]) -> Optional[str]:
    """None when `new_source` is `old_source` with exactly `edits` applied; otherwise why not, in one line."""
    try:
        new_tree = _parse(new_source, "the rewrite")
        old_tree = _parse(old_source, "the original")
        expected = _replay(old_source, old_tree, edits)
        if ast.dump(expected, include_attributes=False) != ast.dump(new_tree, include_attributes=False):
            return _first_difference(expected, new_tree) or "the rewrite's AST differs from the replayed edits"
        _compile(new_tree, old_source)
    except _Unverifiable as problem:
        return str(problem)
    except RecursionError:
        return "cannot check the rewrite: too deeply nested"
    except MemoryError:
        return "cannot check the rewrite: out of memory"
    return None


def _parse(source: str, which: str) -> ast.Module:
    try:
        return _quiet_compile(source, ast.PyCF_ONLY_AST)
    except SyntaxError as error:
        raise _Unverifiable(f"{which} does not parse: {error.msg} (line {error.lineno})") from None
    except ValueError as error:  # NUL bytes, unencodable characters
        raise _Unverifiable(f"{which} does not parse: {error}") from None


def _compile(new_tree: ast.Module, old_source: str) -> None:
    """Errors past parsing (e.g. `return` outside a function) count only if the original had none."""
    try:
        _quiet_compile(new_tree)
    except SyntaxError as error:
        try:
            _quiet_compile(old_source)
        except (SyntaxError, ValueError):
            return
        raise _Unverifiable(f"the rewrite does not compile: {error.msg} (line {error.lineno})") from None


def _quiet_compile(source, flags: int = 0):
    """compile() without printing the user's SyntaxWarnings, and immune to `-W error`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # dont_inherit: this module's own __future__ imports must not change how user code compiles.
        return compile(source, "<source>", "exec", flags=flags, dont_inherit=True)


# Replaying the edits.
def _replay(old_source: str, tree: ast.Module, edits: Sequence[Edit]) -> ast.Module:
    nodes = _NodesByPosition(tree)
    lines = _LINE_BREAK.split(old_source)
    changes: dict[int, list[tuple[Edit, ast.AST]]] = {}
    added: list[tuple[int, list[ast.stmt]]] = []  # (top-level statement to go before, statements)
    after_import: dict[int, tuple[ast.ImportFrom, list[ast.stmt]]] = {}
    for edit in edits:
        if edit.action == "add-import":
            added.append((edit.index, _parse_statements(edit)))
        elif edit.action == "split-import":
            target = _target(edit, nodes, lines)
            after_import.setdefault(id(target), (target, []))[1].extend(_parse_statements(edit))
        else:
            target = _target(edit, nodes, lines)
            changes.setdefault(id(target), []).append((edit, _parse_value(edit)))
    tree = _EditReplayer(changes).visit(tree)
    inserted: set[int] = set()
    for statement, statements in after_import.values():
        _insert_after_line_of(statement, nodes.block_of(statement), statements)
        inserted.update(id(new) for new in statements)
    # Like the codemod, which adds its imports last: their indices count the split ones.
    lines = list(_logical_lines(tree.body, inserted))
    after_leading_imports = _insertion_index(tree, old_source, inserted)
    body: list[ast.stmt] = []
    for number in range(len(lines) + 1):
        for index, statements in added:
            if index == number or (index == -1 and len(body) == after_leading_imports):
                body.extend(statements)
        if number < len(lines):
            body.extend(lines[number])
    tree.body = body
    return tree


def _insert_after_line_of(statement: ast.stmt, block: list[ast.stmt], statements: list[ast.stmt]) -> None:
    """Insert after `statement` and whatever shares its line through `;`, in its own block."""
    index = next(i for i, candidate in enumerate(block) if candidate is statement)
    while index + 1 < len(block) and getattr(block[index + 1], "lineno", None) == block[index].end_lineno:
        index += 1
    block[index + 1 : index + 1] = statements


class _EditReplayer(ast.NodeTransformer):
    """Applies each edit to the node it was resolved to (by identity), children first."""

    def __init__(self, changes: dict[int, list[tuple[Edit, ast.AST]]]):
        self._changes = changes

    def generic_visit(self, node: ast.AST) -> ast.AST:
        pending = self._changes.pop(id(node), ())
        node = super().generic_visit(node)
        for edit, value in pending:
            node = _apply(edit, node, value)
        return node


def _apply(edit: Edit, node: ast.AST, value: Optional[ast.expr]) -> ast.AST:
    where = f"edit {edit.action} at {edit.line}:{edit.column}"
    if edit.action == "add-keyword":
        if any(keyword.arg == edit.keyword for keyword in node.keywords):
            raise _Unverifiable(f"{where}: the call already has {edit.keyword}=")
        node.keywords.append(ast.keyword(arg=edit.keyword, value=value))
    elif edit.action == "set-keyword":
        matching = [keyword for keyword in node.keywords if keyword.arg == edit.keyword]
        if not matching:
            raise _Unverifiable(f"{where}: the call has no {edit.keyword}=")
        matching[0].value = value
    elif edit.action == "set-positional":
        leading = [arg for arg in node.args[: edit.index + 1] if not isinstance(arg, ast.Starred)]
        if edit.index < 0 or len(leading) != edit.index + 1:
            raise _Unverifiable(f"{where}: the call has no positional argument {edit.index}")
        node.args[edit.index] = value
    elif edit.action == "wrap-partial":
        keyword = ast.keyword(arg=edit.keyword or "track_running_stats", value=ast.Constant(value=False))
        return ast.Call(func=value, args=[node], keywords=[keyword])
    elif edit.action == "replace-attribute":
        return value
    elif edit.action == "set-default":
        positional = [*node.posonlyargs, *node.args]
        names = [arg.arg for arg in positional]
        if edit.keyword in names:
            index = names.index(edit.keyword) - (len(positional) - len(node.defaults))
            if index < 0:
                raise _Unverifiable(f"{where}: parameter {edit.keyword} has no default")
            node.defaults[index] = value
        else:
            keyword_only = [arg.arg for arg in node.kwonlyargs]
            if edit.keyword not in keyword_only or node.kw_defaults[keyword_only.index(edit.keyword)] is None:
                raise _Unverifiable(f"{where}: parameter {edit.keyword} has no default")
            node.kw_defaults[keyword_only.index(edit.keyword)] = value
    elif edit.action == "replace-import":
        moved = [alias for alias in node.names if alias.name == "replace_all_batch_norm_modules_"]
        if not moved or node.level:
            raise _Unverifiable(f"{where}: the import has no replace_all_batch_norm_modules_ to move")
        if len(moved) == len(node.names):
            node.module = edit.value
        else:
            # The moved names come back through their own split-import edits.
            node.names = [alias for alias in node.names if alias not in moved]
    return node


def _parse_value(edit: Edit) -> Optional[ast.expr]:
    if edit.action == "replace-import":
        return None
    try:
        return ast.parse(edit.value, mode="eval").body
    except (SyntaxError, ValueError):
        raise _Unverifiable(f"edit {edit.action} at {edit.line}:{edit.column}: value {edit.value!r} does not parse") from None


def _parse_statements(edit: Edit) -> list[ast.stmt]:
    try:
        return ast.parse(edit.value).body
    except (SyntaxError, ValueError):
        raise _Unverifiable(f"edit {edit.action}: {edit.value!r} does not parse") from None


class _NodesByPosition:
    """The original's nodes by (line, UTF-8 byte column), each with its depth in the tree."""

    def __init__(self, tree: ast.Module):
        self._at: dict[tuple[int, int], list[tuple[int, ast.AST]]] = {}
        self._blocks: dict[int, list[ast.stmt]] = {}  # id(import) -> the statement list holding it
        self._arguments: dict[int, ast.arguments] = {}  # id(parameter) -> the arguments holding it
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, _TARGET_KINDS):
                self._at.setdefault((node.lineno, node.col_offset), []).append((depth, node))
            for _, value in ast.iter_fields(node):
                children = value if isinstance(value, list) else [value]
                for child in children:
                    if isinstance(child, ast.AST):
                        stack.append((child, depth + 1))
                        if isinstance(child, ast.ImportFrom):
                            self._blocks[id(child)] = value
                        elif isinstance(child, ast.arg) and isinstance(node, ast.arguments):
                            self._arguments[id(child)] = node

    def block_of(self, statement: ast.stmt) -> list[ast.stmt]:
        return self._blocks[id(statement)]

    def arguments_of(self, parameter: ast.arg) -> ast.arguments:
        return self._arguments[id(parameter)]

    def at(self, line: int, byte_column: int, kinds: tuple[type, ...]) -> list[tuple[int, ast.AST]]:
        return sorted(
            ((depth, node) for depth, node in self._at.get((line, byte_column), ()) if isinstance(node, kinds)),
            key=lambda item: item[0],
        )


def _target(edit: Edit, nodes: _NodesByPosition, lines: list[str]) -> ast.AST:
    """The node an edit names.

    libcst's PositionProvider, like ast, leaves a node's own parentheses out, so both agree on the
    start; ast counts UTF-8 bytes where an Edit counts characters (1-based). (Python 3.9 misplaces
    nodes inside multi-line f-strings: an edit there is refused, never waved through.)
    """
    if not 1 <= edit.line <= len(lines) or edit.column < 1:
        raise _Unverifiable(f"edit {edit.action} at {edit.line}:{edit.column} is outside the original")
    byte_column = len(lines[edit.line - 1][: edit.column - 1].encode("utf-8", "surrogatepass"))
    where = f"edit {edit.action} at {edit.line}:{edit.column}"
    if edit.action in _CALL_ACTIONS:
        # `nn.BatchNorm2d(8).cuda()` has two calls here; the constructor is the innermost. In
        # `super().__init__(c)` the innermost is `super()`, which no edit ever names.
        found = [
            item
            for item in nodes.at(edit.line, byte_column, (ast.Call,))
            if not (isinstance(item[1].func, ast.Name) and item[1].func.id == "super")
        ]
        if found:
            return found[-1][1]
        raise _Unverifiable(f"{where}: no call starts there")
    if edit.action == "wrap-partial":
        # The whole dotted name: `nn.BatchNorm2d`, not its `nn`; or MONAI's whole `Norm[Norm.BATCH, 2]`.
        found = nodes.at(edit.line, byte_column, (ast.Name, ast.Attribute, ast.Subscript))
        if found:
            return found[0][1]
        raise _Unverifiable(f"{where}: no name starts there")
    if edit.action == "replace-attribute":
        # The attribute ending in the name being replaced: in `a.b.c.__doc__` that is `a.b.c`.
        last = edit.value.rsplit(".", 1)[-1]
        found = [node for _, node in nodes.at(edit.line, byte_column, (ast.Attribute,)) if node.attr == last]
        if found:
            return found[-1]
        raise _Unverifiable(f"{where}: no attribute .{last} starts there")
    if edit.action == "set-default":
        # A parameter's default: the edit names the parameter; its `arguments` holds the default.
        found = [node for _, node in nodes.at(edit.line, byte_column, (ast.arg,)) if node.arg == edit.keyword]
        if found:
            return nodes.arguments_of(found[0])
        raise _Unverifiable(f"{where}: no parameter {edit.keyword} starts there")
    if edit.action in ("replace-import", "split-import"):
        found = nodes.at(edit.line, byte_column, (ast.ImportFrom,))
        if found:
            return found[0][1]
        raise _Unverifiable(f"{where}: no from-import starts there")
    raise _Unverifiable(f"unknown edit action {edit.action!r}")


# Where added imports go: the same place as bn_codemod.imports._insertion_index puts them.
def _insertion_index(tree: ast.Module, source: str, inserted: set[int]) -> int:
    """After the leading run of import lines (a docstring may come first), counted in ast statements.

    A line is one logical line: statements joined by `;` share it, and it counts as an import line
    only if all of them are imports. Statements in `inserted` (ids) have lines of their own.
    """
    position = 0
    for number, line in enumerate(_logical_lines(tree.body, inserted)):
        is_imports = all(isinstance(statement, (ast.Import, ast.ImportFrom)) for statement in line)
        if not (is_imports or (number == 0 and _is_docstring(line, source))):
            break
        position += len(line)
    return position


def _logical_lines(body: list[ast.stmt], inserted: set[int]) -> Iterator[list[ast.stmt]]:
    line: list[ast.stmt] = []
    for statement in body:
        joined = line and not {id(statement), id(line[-1])} & inserted and statement.lineno == line[-1].end_lineno
        if line and not joined:
            yield line
            line = []
        line.append(statement)
    if line:
        yield line


def _is_docstring(line: list[ast.stmt], source: str) -> bool:
    if len(line) != 1 or not isinstance(line[0], ast.Expr):
        return False
    value = line[0].value
    if isinstance(value, ast.Constant):
        return isinstance(value.value, (str, bytes))
    # libcst calls `"a" f"b"` a concatenated string (a docstring for it) but `f"b"` alone is not.
    return isinstance(value, ast.JoinedStr) and _string_pieces(ast.get_source_segment(source, value) or "") > 1


def _string_pieces(segment: str) -> int:
    """How many string literals are implicitly concatenated in `segment`."""
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    pieces = depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(f"({segment})").readline):
            if depth == 0 and token.type in (tokenize.STRING, fstring_start):
                pieces += 1
            if token.type == fstring_start:
                depth += 1
            elif token.type == fstring_end:
                depth -= 1
    except (tokenize.TokenError, SyntaxError):
        return 0
    return pieces


# Explaining a difference.
def _first_difference(expected: ast.AST, actual: ast.AST) -> Optional[str]:
    found = _compare(expected, actual, type(expected).__name__, None)
    if found is None:
        return None
    where, line, problem = found
    at_line = f" at line {line}" if line else ""
    return f"the rewrite changes more than its edits{at_line}: {where} {problem}"


def _compare(expected, actual, where: str, line: Optional[int]):
    """(construct, line in the rewrite, what differs) of the first difference, depth first."""
    if isinstance(expected, ast.AST) and isinstance(actual, ast.AST):
        line = getattr(actual, "lineno", line)
        if type(expected) is not type(actual):
            return where, line, f"is {_shown(actual)}, expected {_shown(expected)}"
        owner = type(expected).__name__
        for name in expected._fields:
            found = _compare(getattr(expected, name, None), getattr(actual, name, None), f"{owner}.{name}", line)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (want, got) in enumerate(zip(expected, actual)):
            found = _compare(want, got, f"{where}[{index}]", line)
            if found:
                return found
        if len(expected) != len(actual):
            if len(actual) > len(expected):
                extra = actual[len(expected)]
                return where, getattr(extra, "lineno", line), f"has an extra item {_shown(extra)}"
            return where, line, f"lacks {_shown(expected[len(actual)])}"
        return None
    if type(expected) is not type(actual) or expected != actual:
        return where, line, f"is {_shown(actual)}, expected {_shown(expected)}"
    return None


def _shown(value) -> str:
    try:
        text = ast.unparse(value) if isinstance(value, ast.AST) else repr(value)
    except Exception:  # only a message is at stake: name the construct instead
        text = type(value).__name__
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."
