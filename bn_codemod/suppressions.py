"""`# noqa` comments and `# bn-codemod: skip-file`: what the user told us to leave alone."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional

SKIP_FILE_MARKER = "bn-codemod: skip-file"
SKIP_FILE_LINES = 20  # the marker counts in the first lines only, as a file-level pragma should
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)

# line -> the codes suppressed there, or None for a bare `# noqa` (everything)
NoqaMap = dict[int, Optional[frozenset[str]]]


def skips_file(source: str) -> bool:
    head = source[: 200 * SKIP_FILE_LINES].splitlines()[:SKIP_FILE_LINES]
    return any(SKIP_FILE_MARKER in line and "#" in line for line in head)


def noqa_lines(source: str) -> NoqaMap:
    """The `# noqa` comments of `source`, read from real comment tokens (never from strings)."""
    if "noqa" not in source.lower():
        return {}
    found: NoqaMap = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                match = _NOQA.search(token.string)
                if match:
                    codes = match.group("codes")
                    found[token.start[0]] = (
                        frozenset(c.upper() for c in re.split(r"[\s,]+", codes) if c) if codes else None
                    )
    except (tokenize.TokenError, SyntaxError):
        pass  # what was read so far still counts; libcst decides whether the file parses
    return found


def is_suppressed(noqa: NoqaMap, code: str, lines: tuple[int, ...]) -> bool:
    for line in lines:
        if line in noqa:
            codes = noqa[line]
            if codes is None or code in codes:
                return True
    return False
