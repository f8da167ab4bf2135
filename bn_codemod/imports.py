"""Names the fixes need (`partial`, `nn.BatchNorm2d`, `torch.func`) and the imports that bind them.

A fix reuses what the file already imports; otherwise it adds one import, choosing a name that no
scope of the file uses, so it never shadows a user name.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional

import libcst as cst

from .scopes import Scope, _is_docstring, _is_import_line, resolve

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


def insert_imports(module: cst.Module, statements: list[str]) -> cst.Module:
    """Add `statements` after the module's leading imports (after its docstring and __future__ imports)."""
    if not statements:
        return module
    body = list(module.body)
    position = _insertion_index(body)
    new_lines = [cst.parse_statement(s + module.default_newline, config=module.config_for_parsing) for s in statements]
    following = body[position:]
    if following and not _is_import_line(following[0]) and not following[0].leading_lines:
        # Separate the import block from the code after it, as PEP 8 does.
        blank_lines = 2 if isinstance(following[0], (cst.FunctionDef, cst.ClassDef)) else 1
        following[0] = following[0].with_changes(leading_lines=[cst.EmptyLine()] * blank_lines)
    return module.with_changes(body=[*body[:position], *new_lines, *following])


def _insertion_index(body: list[cst.BaseStatement]) -> int:
    """After the leading run of imports: a module-level use of the new name always comes later."""
    position = 0
    for index, statement in enumerate(body):
        if not (_is_import_line(statement) or (index == 0 and _is_docstring(statement))):
            break
        position = index + 1
    return position


