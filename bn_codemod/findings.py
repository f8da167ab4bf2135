"""What the visitor reports and what it changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


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
    cell: Optional[int] = None  # 1-based notebook cell; line and column are then within the cell


@dataclass(frozen=True)
class Edit:
    """One change the visitor made, in terms an independent check can replay on the old AST.

    Positions are of the node in the original source (1-based line, 1-based character column):
    - "add-keyword": the call at line:column gets `keyword=value` appended.
    - "set-keyword": the call's `keyword` argument gets `value` (source text) as its value.
    - "set-positional": the call's positional argument `index` becomes `value`.
    - "wrap-partial": the expression at line:column becomes `value(expression, track_running_stats=False)`,
      `value` being the partial function's source text.
    - "replace-import": the `from functorch.experimental import ...` at line:column imports
      replace_all_batch_norm_modules_ from `value` (torch.func) instead. When it imports other names
      too, those stay and each moved name gets a "split-import" edit: the statement `value` is
      added right after that import, in the same block.
    - "replace-attribute": the attribute expression at line:column becomes `value`.
    - "set-default": the default of the parameter `keyword` starting at line:column becomes `value`.
    - "add-import": the statement `value` is added at module level (line and column are 0), before
      the top-level statement number `index` (0-based, counted after the edits above: a line of
      `;`-joined statements counts once) or, for -1, after the leading imports.
    """

    line: int
    column: int
    action: str
    keyword: str
    value: str
    index: int = -1
