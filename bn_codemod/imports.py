"""Names the fixes need (`partial`, `nn.BatchNorm2d`, `torch.func`) and the imports that bind them.

A fix reuses what the file already imports; otherwise it adds one import, choosing a name that no
scope of the file uses, so it never shadows a user name.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tokenize
from typing import Optional, Union

import libcst as cst

from .scopes import Scope, _is_docstring, _is_import_line, dotted_name, resolve

_FALLBACK_PREFIX = "bn_codemod_"


class ImportPlanner:
    def __init__(self, source: str):
        self._source = source
        self._used_names: dict[str, bool] = {}
        self._identifier_cache: Optional[set[str]] = None
        self.added: list[str] = []  # import statements to insert, in order

    def partial(self, scopes: list[Scope], statement: int) -> str:
        """An expression for functools.partial, for a fix in top-level statement number `statement`."""
        found = self._visible("functools.partial", scopes, statement) or self._visible_module(
            "functools", scopes, statement, "partial"
        )
        if found:
            return found
        return self._add("partial", "from functools import partial", "functools.partial", scopes)

    def torch_nn_class(self, class_name: str, scopes: list[Scope], statement: int) -> str:
        """An expression for torch.nn.<class_name>, e.g. `nn.BatchNorm2d`."""
        found = (
            self._visible_module("torch.nn", scopes, statement, class_name)
            or self._visible(f"torch.nn.{class_name}", scopes, statement)
            or self._visible_module("torch", scopes, statement, f"nn.{class_name}")
        )
        if found:
            return found
        return self._add("torch", "import torch", "torch", scopes) + f".nn.{class_name}"

    def torch_attribute(self, dotted: str, scopes: list[Scope], statement: int) -> str:
        """An expression for torch.<dotted>, e.g. `torch.func.replace_all_batch_norm_modules_`."""
        found = self._visible_module("torch", scopes, statement, dotted)
        if found:
            return found
        return self._add("torch", "import torch", "torch", scopes) + f".{dotted}"

    def _visible(self, qualified_name: str, scopes: list[Scope], statement: int) -> Optional[str]:
        """A name for `qualified_name` surely bound where the fix lands: from an unconditional
        top-level import in an earlier top-level statement, and not shadowed here. A conditional import, or a local one,
        might not have run yet."""
        module_scope = scopes[0]
        for name, import_statement in sorted(module_scope.import_statements.items()):
            if (
                import_statement < statement
                and module_scope.bindings.get(name) == qualified_name
                and resolve(cst.Name(name), scopes) == qualified_name
            ):
                return name
        return None

    def _visible_module(self, module: str, scopes: list[Scope], statement: int, attribute: str) -> Optional[str]:
        name = self._visible(module, scopes, statement)
        return f"{name}.{attribute}" if name else None

    def _add(self, name: str, statement: str, qualified_name: str, scopes: list[Scope]) -> str:
        if self._name_is_used(name):
            name = f"{_FALLBACK_PREFIX}{name}"
            target = qualified_name.rsplit(".", 1)
            statement = (
                f"from {target[0]} import {target[1]} as {name}" if len(target) == 2 else f"import {target[0]} as {name}"
            )
        if statement not in self.added:
            self.added.append(statement)
        # Later fixes in this file see the new binding.
        scopes[0].bindings[name] = qualified_name
        scopes[0].import_statements[name] = 0  # inserted above every fix
        self._used_names[name] = True
        return name

    def _name_is_used(self, name: str) -> bool:
        if name not in self._used_names:
            self._used_names[name] = name in self._identifiers()
        return self._used_names[name]

    def _identifiers(self) -> set[str]:
        """Every identifier in the file (not words in strings or comments)."""
        if self._identifier_cache is None:
            try:
                tokens = tokenize.generate_tokens(io.StringIO(self._source).readline)
                self._identifier_cache = {token.string for token in tokens if token.type == tokenize.NAME}
            except (tokenize.TokenError, SyntaxError):
                self._identifier_cache = set(re.findall(r"\w+", self._source))
        return self._identifier_cache


def insert_imports(module: cst.Module, statements: list[str]) -> tuple[cst.Module, list[tuple[str, int]]]:
    """Add `statements` where isort (ruff's I001) would put them.

    In the module's leading imports (after its docstring), each goes to its section (__future__,
    standard library, third party, local; a section is a blank-line-separated group of the block)
    at its sorted place: `import x` lines first, then `from x import y`, each by module name,
    case-insensitively, as isort's and ruff's defaults. A section the block lacks is opened between
    its neighbours, one blank line apart. A file that was isort-clean stays clean.

    Also returns each statement, in the order they now appear, with the index of the top-level
    statement of `module` it stands before (len(module.body): after the last), for the safety net.
    """
    if not statements:
        return module, []
    body = list(module.body)
    block_start = 1 if body and _is_docstring(body[0]) else 0
    block_end = _insertion_index(body)
    # The block as groups of statements; each group's blank lines above it are its separator.
    groups: list[list[Union[int, cst.SimpleStatementLine]]] = []  # original indices or new statements
    separators: list[list[cst.EmptyLine]] = []
    own_lines: dict[int, list[cst.EmptyLine]] = {}  # original index -> its comment lines (and below)
    for index in range(block_start, block_end):
        blank, kept = _split_leading_blank_lines(body[index].leading_lines)
        if groups and not blank:
            groups[-1].append(index)
            own_lines[index] = list(body[index].leading_lines)
        else:
            groups.append([index])
            separators.append(blank)
            own_lines[index] = kept
    texts: dict[int, str] = {}
    for text in statements:
        new = cst.parse_statement(text + module.default_newline, config=module.config_for_parsing)
        assert isinstance(new, cst.SimpleStatementLine)
        texts[id(new)] = text
        _place(new, body, groups, separators)

    new_block: list[cst.BaseStatement] = []
    placed: list[tuple[str, int]] = []
    waiting: list[str] = []  # added statements that have not met the next original one yet
    for group, separator in zip(groups, separators):
        for position, item in enumerate(group):
            above = separator if position == 0 else []
            if isinstance(item, int):
                new_block.append(body[item].with_changes(leading_lines=[*above, *own_lines[item]]))
                placed.extend((text, item) for text in waiting)
                waiting = []
            else:
                new_block.append(item.with_changes(leading_lines=above))
                waiting.append(texts[id(item)])
    placed.extend((text, block_end) for text in waiting)
    following_code = body[block_end:]
    if following_code and not following_code[0].leading_lines:
        # Separate the import block from the code after it, as PEP 8 does.
        blank_lines = 2 if isinstance(following_code[0], (cst.FunctionDef, cst.ClassDef)) else 1
        following_code[0] = following_code[0].with_changes(leading_lines=[cst.EmptyLine()] * blank_lines)
    return module.with_changes(body=[*body[:block_start], *new_block, *following_code]), placed


def _place(
    new: cst.SimpleStatementLine,
    body: list[cst.BaseStatement],
    groups: list[list[Union[int, cst.SimpleStatementLine]]],
    separators: list[list[cst.EmptyLine]],
) -> None:
    """Put `new` into its section's group at its sorted place, or open a group for it."""
    def statement(item):
        return body[item] if isinstance(item, int) else item

    rank = _section_rank(new)
    same_section = [group for group in groups if _section_rank(statement(group[0])) == rank]
    if rank == _SECTION_THIRD_PARTY and len(same_section) > 1:
        # First party looks like third party here; a torch import goes with the torch family.
        family = [group for group in same_section if any(_root(statement(item)) in _TORCH_FAMILY for item in group)]
        same_section = family or same_section[:1]
    if same_section:
        group = same_section[0]
        key = _sort_key(new)
        position = next((i for i, item in enumerate(group) if _sort_key(statement(item)) > key), len(group))
        group.insert(position, new)
        return
    position = next((i for i, group in enumerate(groups) if _section_rank(statement(group[0])) > rank), len(groups))
    groups.insert(position, [new])
    if position == 0:
        # The new group opens the block: it takes the block's blank lines, the old first group gets one.
        separators.insert(0, separators[0] if separators else [])
        if len(separators) > 1:
            separators[1] = [cst.EmptyLine()]
    else:
        separators.insert(position, [cst.EmptyLine()])


_SECTION_FUTURE, _SECTION_STDLIB, _SECTION_THIRD_PARTY, _SECTION_LOCAL = range(4)
# The libraries whose section a torch import shares, when the file has several third-party-looking groups.
_TORCH_FAMILY = ("torch", "torchvision", "functorch", "timm", "torchaudio", "torchtext")


def _split_leading_blank_lines(lines) -> tuple[list, list]:
    """The blank lines before the first comment line, and the rest."""
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return list(lines[:count]), list(lines[count:])


def _first_import(statement: cst.BaseStatement):
    return statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None


def _module_name(statement: cst.BaseStatement) -> str:
    small = _first_import(statement)
    if isinstance(small, cst.Import):
        return dotted_name(small.names[0].name)
    if isinstance(small, cst.ImportFrom):
        dots = "." * len(small.relative)
        return dots + (dotted_name(small.module) if small.module is not None else "")
    return ""


def _root(statement: cst.BaseStatement) -> str:
    return _module_name(statement).split(".", 1)[0]


def _section_rank(statement: cst.BaseStatement) -> int:
    name = _module_name(statement)
    if name.startswith("."):
        return _SECTION_LOCAL
    if name == "__future__":
        return _SECTION_FUTURE
    return _SECTION_STDLIB if _root(statement) in _stdlib_modules() else _SECTION_THIRD_PARTY


def _sort_key(statement: cst.BaseStatement) -> tuple[bool, str, str]:
    """isort's and ruff's default order in a section: `import x` before `from x import y`, then by
    module, ignoring case."""
    name = _module_name(statement)
    return isinstance(_first_import(statement), cst.ImportFrom), name.lower(), name


_STDLIB: Optional[frozenset[str]] = None


def _stdlib_modules() -> frozenset[str]:
    global _STDLIB
    if _STDLIB is None:
        names = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
        if names is None:  # 3.9: what the standard library directory holds
            import sysconfig

            directory = sysconfig.get_paths()["stdlib"]
            names = {entry.split(".", 1)[0] for entry in os.listdir(directory)} | set(sys.builtin_module_names)
        _STDLIB = frozenset(names)
    return _STDLIB


def _insertion_index(body: list[cst.BaseStatement]) -> int:
    """After the leading run of imports: a module-level use of the new name always comes later."""
    position = 0
    for index, statement in enumerate(body):
        if not (_is_import_line(statement) or (index == 0 and _is_docstring(statement))):
            break
        position = index + 1
    return position


