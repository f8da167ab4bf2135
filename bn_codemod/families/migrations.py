"""BN006: functorch.experimental.replace_all_batch_norm_modules_ (deprecated) → torch.func's, in
imports and attribute references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from ..knowledge import DEPRECATED_RUNTIME_PATCHES
from ..scopes import dotted_name, resolve
from . import Family

if TYPE_CHECKING:
    from ..visitor import BatchNormVisitor


class FunctorchMigrations(Family):
    def __init__(self, visitor: BatchNormVisitor) -> None:
        super().__init__(visitor)
        self._imports_after_statement: list[str] = []  # statements to add after the current line

    def leave_attribute(self, original: cst.Attribute) -> Optional[cst.BaseExpression]:
        """`functorch.experimental.replace_all_batch_norm_modules_`: the new node, or None if not one."""
        if original.attr.value != "replace_all_batch_norm_modules_":
            return None
        visitor = self.visitor
        if resolve(original, visitor.scopes) not in DEPRECATED_RUNTIME_PATCHES:
            return None
        if not visitor.report(original, "BN006", _deprecated_message("functorch.experimental"), fixable=True):
            return original
        replacement = visitor.imports.torch_attribute(
            "func.replace_all_batch_norm_modules_", visitor.scopes, visitor.current_statement
        )
        visitor.record(original, "replace-attribute", replacement)
        return cst.parse_expression(replacement).with_changes(lpar=original.lpar, rpar=original.rpar)

    def leave_import_from(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        module = dotted_name(original_node.module) if original_node.module is not None else None
        if isinstance(original_node.names, cst.ImportStar) or original_node.relative or module is None:
            return updated_node
        deprecated = [
            alias for alias in updated_node.names if f"{module}.{dotted_name(alias.name)}" in DEPRECATED_RUNTIME_PATCHES
        ]
        if not deprecated:
            return updated_node
        visitor = self.visitor
        if not visitor.report(original_node, "BN006", _deprecated_message(module), fixable=True):
            return updated_node
        visitor.record(original_node, "replace-import", "torch.func")
        if len(deprecated) == len(updated_node.names):
            return updated_node.with_changes(module=cst.parse_expression("torch.func"))
        # Other names stay with functorch: the moved ones get a statement of their own right after
        # this one, in the same block (under the same try/except ImportError), keeping their comments.
        for alias in deprecated:
            as_name = f" as {alias.asname.name.value}" if alias.asname is not None else ""
            comment = _comment_after(alias)
            statement = f"from torch.func import {dotted_name(alias.name)}{as_name}"
            self._imports_after_statement.append(statement + (f"  {comment}" if comment else ""))
            visitor.record(original_node, "split-import", statement, keyword="")
        kept = [alias for alias in updated_node.names if alias not in deprecated]
        if updated_node.lpar is None:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # no trailing comma unparenthesized
        return updated_node.with_changes(names=kept)

    def leave_simple_statement_line(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ):
        if not self._imports_after_statement:
            return updated_node
        added = [cst.parse_statement(text) for text in self._imports_after_statement]
        self._imports_after_statement = []
        return cst.FlattenSentinel([updated_node, *added])

    def leave_simple_statement_suite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        """`if x: from functorch.experimental import a, replace_all_...`: the moved import joins the
        same one-line block, after a semicolon (a comment on the line stays at its end)."""
        if not self._imports_after_statement:
            return updated_node
        added = [
            cst.parse_statement(text.split("  #", 1)[0]).body[0] for text in self._imports_after_statement
        ]
        self._imports_after_statement = []
        body = list(updated_node.body)
        body[-1] = body[-1].with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated_node.with_changes(body=[*body, *added])


def _deprecated_message(module: str) -> str:
    return f"{module}.replace_all_batch_norm_modules_ is deprecated: use torch.func.replace_all_batch_norm_modules_"


def _comment_after(alias: cst.ImportAlias) -> str:
    """The comment on the line of `alias` (after its comma), if any."""
    comma = alias.comma
    if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace):
        comment = comma.whitespace_after.first_line.comment
        return comment.value if comment is not None else ""
    return ""
