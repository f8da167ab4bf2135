"""Reads the [tool.bn-codemod] table on Python 3.9/3.10, which have no tomllib.

Only what that table holds is supported: strings, booleans, integers and (multi-line) arrays of
them. Other tables are skipped unread, so anything valid elsewhere in pyproject.toml is fine.
"""

from __future__ import annotations

import ast
import re

_HEADER = re.compile(r"^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^([A-Za-z0-9_-]+|\"[^\"]*\")\s*=\s*(.*)$", re.S)
_TABLE = ("tool", "bn-codemod")


def loads(text: str) -> dict:
    table: dict = {}
    in_table = False
    pending = ""
    for number, line in enumerate(text.splitlines(), 1):
        if pending:
            pending += "\n" + line
        else:
            stripped = line.strip()
            header = _HEADER.match(stripped)
            if header and not stripped.startswith("[["):
                in_table = tuple(part.strip().strip('"') for part in header.group(1).split(".")) == _TABLE
                continue
            if not in_table or not stripped or stripped.startswith("#"):
                continue
            pending = stripped
        if _brackets_open(pending):
            continue
        match = _KEY.match(pending)
        if not match:
            raise ValueError(f"line {number}: expected 'key = value'")
        table[match.group(1).strip('"')] = _value(match.group(2), number)
        pending = ""
    if pending:
        raise ValueError("unterminated array")
    return {"tool": {"bn-codemod": table}} if table else {}


def _brackets_open(text: str) -> bool:
    depth, quote = 0, ""
    for char in _without_comments(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth > 0


def _without_comments(text: str) -> str:
    lines = []
    for line in text.splitlines():
        quote, kept = "", []
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char == "#":
                break
            kept.append(char)
        lines.append("".join(kept))
    return "\n".join(lines)


def _value(source: str, number: int):
    text = _without_comments(source).strip()
    if text in ("true", "false"):
        return text == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"line {number}: unsupported value {source.strip()!r}") from None
