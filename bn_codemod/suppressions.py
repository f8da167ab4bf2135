"""`# noqa` comments and `# bn-codemod: skip-file`: what the user told us to leave alone.

A `# noqa` comment is read exactly as ruff reads it (ruff_linter/src/noqa.rs), so one comment means
the same to both tools: `# noqa` (or `# noqa` followed by a space and any text) suppresses every
finding on its line; `# noqa: BN001, BN005` (commas and/or spaces) only those codes, matched exactly.
A malformed directive (`# noqa: BN`, `# noqa:`, `# noqa: bn001`, `# noqa-BN001`, `# noqa: BN001x`)
suppresses nothing and is reported as a warning, never taken for a blanket `# noqa`.
"""

from __future__ import annotations

import functools
import io
import tokenize
from dataclasses import dataclass
from typing import Optional, Union

SKIP_FILE_MARKER = "bn-codemod: skip-file"
SKIP_FILE_LINES = 20  # the marker counts in the first lines only, as a file-level pragma should

# line -> the codes suppressed there, or None for a bare `# noqa` (everything)
NoqaMap = dict[int, Optional[frozenset[str]]]

_EXAMPLE = "(e.g., `# noqa: BN001, BN005`)"
MISSING_CODES = f"invalid noqa directive: expected a comma-separated list of codes {_EXAMPLE}"
INVALID_SUFFIX = f"invalid noqa directive: expected `:` followed by a comma-separated list of codes {_EXAMPLE}"
INVALID_CODE = "invalid noqa directive: expected a code of uppercase letters followed by digits only (e.g. `BN001`)"
MISSING_ITEM = "noqa directive: missing rule code between commas"
MISSING_DELIMITER = "noqa directive: expected a comma or space between codes"


@dataclass(frozen=True)
class NoqaProblem:
    """A `# noqa` comment that is malformed (`suppresses` False) or only sloppy (`suppresses` True)."""

    line: int
    message: str
    suppresses: bool
    cell: Optional[int] = None  # 1-based notebook cell; `line` is then within the cell


class _Invalid(Exception):
    pass


def skips_file(source: str) -> bool:
    head = source[: 200 * SKIP_FILE_LINES].splitlines()[:SKIP_FILE_LINES]
    return any(SKIP_FILE_MARKER in line and "#" in line for line in head)


def noqa_lines(source: str) -> NoqaMap:
    """The `# noqa` comments of `source`, read from real comment tokens (never from strings)."""
    return read_noqa(source)[0]


def noqa_problems(source: str) -> tuple[NoqaProblem, ...]:
    """The malformed or sloppy `# noqa` comments of `source`, in line order."""
    if not _may_have_problems(source):
        return ()  # the common case, without tokenizing the file a second time
    return read_noqa(source)[1]


def _may_have_problems(source: str) -> bool:
    """False when every `# noqa` on a line that says noqa, read from its `#` to the line's end, is
    clean: then no comment holds a problem (one in a string can only make this True)."""
    lowered = source.lower()
    position = lowered.find("noqa")
    while position >= 0:
        line_start = source.rfind("\n", 0, position) + 1
        line_end = source.find("\n", position)
        line = source[line_start : line_end if line_end >= 0 else len(source)]
        for hash_at, character in enumerate(line):
            # Any `#` may start the comment (others are in strings): read a directive from each.
            if character == "#" and line[hash_at + 1 :].lstrip()[:4].lower() == "noqa":
                try:
                    if lex_noqa(line[hash_at:])[1]:
                        return True
                except _Invalid:
                    return True
        if line_end < 0:
            break
        position = lowered.find("noqa", line_end)
    return False


@functools.lru_cache(maxsize=4)  # the visitor and the analysis read the same source's comments
def read_noqa(source: str) -> tuple[NoqaMap, tuple[NoqaProblem, ...]]:
    if "noqa" not in source.lower():
        return {}, ()
    found: NoqaMap = {}
    problems: list[NoqaProblem] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            line = token.start[0]
            try:
                directive, warnings = lex_noqa(token.string)
            except _Invalid as error:
                problems.append(NoqaProblem(line, str(error), suppresses=False))
                continue
            problems.extend(NoqaProblem(line, warning, suppresses=True) for warning in warnings)
            if directive is not False:
                found[line] = directive
    except (tokenize.TokenError, SyntaxError):
        pass  # what was read so far still counts; libcst decides whether the file parses
    return found, tuple(problems)


def lex_noqa(comment: str) -> tuple[Union[None, frozenset[str], bool], list[str]]:
    """What one comment says: False (no directive), None (`# noqa`: everything) or the codes, and
    warnings that do not cancel it. Raises _Invalid for a malformed directive. ruff's lexer, ported."""
    directive, warnings, _ = _lex(comment)
    return directive, warnings


def _lex(comment: str) -> tuple[Union[None, frozenset[str], bool], list[str], tuple[int, int]]:
    """lex_noqa, and where the directive's `noqa` starts and its last code ends in `comment`."""
    position = 0
    while True:
        hash_at = comment.find("#", position)
        if hash_at < 0:
            return False, [], (0, 0)
        position = _skip_space(comment, hash_at + 1)
        if comment[position : position + 4].lower() == "noqa":
            directive, warnings, end = _directive(comment, position + 4)
            return directive, warnings, (position, end)


def _directive(text: str, position: int) -> tuple[Union[None, frozenset[str]], list[str], int]:
    following = text[position : position + 1]
    if following in ("", "#"):  # `# noqa`, `# noqa# comment`
        return None, [], position
    if following.isspace():
        after_space = _skip_space(text, position)
        if text[after_space : after_space + 1] != ":":  # `# noqa because ...`
            return None, [], position
        position = after_space
    elif following != ":":  # `# noqa-BN001`, `#noqaBN001`
        raise _Invalid(INVALID_SUFFIX)
    codes, warnings, end = _codes(text, position + 1)
    if not codes:
        raise _Invalid(MISSING_CODES)
    return frozenset(codes), warnings, end


def _codes(text: str, position: int) -> tuple[list[str], list[str], int]:
    codes: list[str] = []
    warnings: list[str] = []
    last_end = position
    joined = False  # inside `BN001BN002`, where each code must be whole
    end = len(text)
    while position < end:
        position = _skip_space(text, position)
        if position >= end:
            break
        if text[position] == ",":
            warnings.append(MISSING_ITEM)
            position += 1
            continue
        start = position
        letters_end = _skip(text, position, _is_upper)
        if letters_end == start:  # not a code: a trailing comment (`# noqa: BN001 kept for X`)
            break
        digits_end = _skip(text, letters_end, _is_digit)
        if digits_end == letters_end:
            if joined:
                raise _Invalid(INVALID_CODE)
            break  # `# noqa: BN001 A comment` stops at `A`; `# noqa: BN` has no code at all
        codes.append(text[start:digits_end])
        position = last_end = digits_end
        if position >= end:
            break
        following = text[position]
        if following == ",":
            position += 1
            joined = False
        elif following.isspace() or following == "#":
            joined = False
        elif _is_upper(following):
            warnings.append(MISSING_DELIMITER)
            joined = True
        else:  # `BN001x`, `BN001;BN002`
            raise _Invalid(INVALID_CODE)
    return codes, warnings, last_end


def _is_upper(character: str) -> bool:
    return "A" <= character <= "Z"


def _is_digit(character: str) -> bool:
    return "0" <= character <= "9"


def _skip(text: str, position: int, accept) -> int:
    while position < len(text) and accept(text[position]):
        position += 1
    return position


def _skip_space(text: str, position: int) -> int:
    return _skip(text, position, str.isspace)


def is_suppressed(noqa: NoqaMap, code: str, lines: tuple[int, ...]) -> bool:
    for line in lines:
        if line in noqa:
            codes = noqa[line]
            if codes is None or code in codes:
                return True
    return False


def add_noqa(source: str, codes_by_line: dict[tuple[int, ...], set[str]]) -> tuple[str, int, list[int]]:
    """`source` with `# noqa: CODE` on a line of each finding (`--add-noqa`), as ruff writes them.

    `codes_by_line` maps a finding's (start line, end line) to its codes. The directive goes on the
    first of those lines where a comment can end the line (not inside a multi-line string, not
    after a backslash), where `is_suppressed` reads it. An existing directive keeps its codes and
    gains the new ones (sorted, as ruff); another comment is kept, the directive follows it.
    Returns the new source, how many lines got a directive or new codes, and the lines skipped
    (no such line, or a malformed directive that must be fixed by hand first)."""
    lines = source.split("\n")
    comment_ends, comments = _line_ends(source)
    wanted: dict[int, set[str]] = {}
    skipped: list[int] = []
    for candidates, codes in codes_by_line.items():
        line = next((number for number in candidates if number in comment_ends), None)
        if line is None:
            skipped.append(candidates[0])
            continue
        wanted.setdefault(line, set()).update(codes)
    changed = 0
    for line, codes in sorted(wanted.items()):
        text = lines[line - 1]
        ending = "\r" if text.endswith("\r") else ""
        body = text[: len(text) - len(ending)]
        comment_start = comments.get(line)
        if comment_start is None:
            lines[line - 1] = f"{body}  # noqa: {', '.join(sorted(codes))}{ending}"
            changed += 1
            continue
        comment = body[comment_start:]
        try:
            directive = _directive_span(comment)
        except _Invalid:
            skipped.append(line)
            continue
        if directive is None:  # another comment: keep it, the directive follows
            lines[line - 1] = f"{body}  # noqa: {', '.join(sorted(codes))}{ending}"
            changed += 1
            continue
        start, end, existing = directive
        if existing is None or codes <= existing:
            continue  # a bare `# noqa` already suppresses everything
        merged = ", ".join(sorted(existing | codes))
        new_comment = f"{comment[:start]}noqa: {merged}{comment[end:]}"
        lines[line - 1] = f"{body[:comment_start]}{new_comment}{ending}"
        changed += 1
    return "\n".join(lines), changed, sorted(skipped)


def _line_ends(source: str) -> tuple[set[int], dict[int, int]]:
    """The lines a comment may end (a NEWLINE or NL token ends them), and where each line's
    comment starts (a column into the line)."""
    ends: set[int] = set()
    comments: dict[int, int] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            ends.add(token.start[0])
        elif token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.start[1]
    return ends, comments


def _directive_span(comment: str) -> Optional[tuple[int, int, Optional[frozenset[str]]]]:
    """Where the `noqa...codes` part of the directive in `comment` starts and ends, and its codes
    (None for a bare `# noqa`); None when the comment holds no directive. Raises _Invalid."""
    directive, _, (start, end) = _lex(comment)
    if directive is False:
        return None
    return start, end, directive
