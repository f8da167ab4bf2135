"""What the visitor reports and what it changed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    code: str
    line: int  # 1-based
    column: int  # 1-based, like ruff and flake8
    end_line: int
    end_column: int
    message: str
    fixable: bool
    fixed: bool = False


@dataclass(frozen=True)
class Edit:
    """One change the visitor made, in terms an independent check can replay on the old AST."""

    line: int  # position of the edited call in the original source
    column: int
    action: str  # "set-keyword" | "set-positional" | "add-keyword"
    keyword: str
    value: str  # source text of the new value
    index: int = -1  # the positional index, for "set-positional"
