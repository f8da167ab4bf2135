"""`--diff` output: the hunks `git diff` would show for the same change.

difflib.unified_diff is not that: its SequenceMatcher ignores "popular" lines (autojunk: any line
that makes up more than 1% of a file of 200 lines or more, such as `)` or a blank line), so in a long
file a few inserted lines can come out as a large block of - and + lines; without autojunk it is
quadratic on such files (23 s on 20,000 lines). This is git's algorithm instead: Myers' shortest
edit script, O((N+M)·D) for D changed lines (a fix changes few), after setting aside the lines both
versions share at the start and the end, and with each block of added or removed lines slid as far
down as it can go, as git's xdiff does.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Iterator, Optional

NO_NEWLINE = "\\ No newline at end of file\n"
Opcode = tuple[str, int, int, int, int]  # difflib's: tag, a[i1:i2], b[j1:j2]
MAX_MYERS_EDITS = 4000  # bounds time and memory (the trace holds ~D² numbers) on a whole-file rewrite


def unified_diff(path: str, old: str, new: str, context: int = 3) -> str:
    """`--- path` / `+++ path` and the hunks that turn `old` into `new`; "" when they are equal."""
    if old == new:
        return ""
    a, b = split_lines(old), split_lines(new)
    out = [f"--- {path}\n", f"+++ {path}\n"]
    for group in _grouped(_opcodes(a, b), context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_marked(" ", a[i1:i2]))
                continue
            out.extend(_marked("-", a[i1:i2]))
            out.extend(_marked("+", b[j1:j2]))
    return "".join(out)


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split at LF only, as git and patch do (str.splitlines also splits at
    form feeds, lone CRs and U+2028, which would make a patch that does not apply)."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def _marked(marker: str, lines: list[str]) -> list[str]:
    return [marker + line if line.endswith("\n") else marker + line + "\n" + NO_NEWLINE for line in lines]


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """difflib-style opcodes of a shortest edit script from `a` to `b`."""
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    removed = [False] * len(a)  # per line of a: not in b
    added = [False] * len(b)
    for x, y in _myers(a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]):
        if y is None:
            removed[prefix + x] = True
        else:
            added[prefix + y] = True
    _slide_down(a, removed)
    _slide_down(b, added)
    return list(_runs(removed, added))


def _myers(a: list[str], b: list[str]) -> list[tuple[int, Optional[int]]]:
    """The lines of a shortest edit script: (x, None) removes a[x], (-1, y) adds b[y].

    Myers (1986), greedy forward search: for each number of edits d, the furthest x reached on each
    diagonal k = x - y; `trace` keeps those rows to walk the path back."""
    n, m = len(a), len(b)
    offset = n + m + 1
    furthest = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    for d in range(n + m + 1):
        if d > MAX_MYERS_EDITS:
            return _difflib_edits(a, b)
        trace.append(furthest[offset - d : offset + d + 1])  # row d: diagonals -d..d before step d
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and furthest[offset + k - 1] < furthest[offset + k + 1]):
                x = furthest[offset + k + 1]  # down from diagonal k + 1: adds a line
            else:
                x = furthest[offset + k - 1] + 1  # right from diagonal k - 1: removes a line
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            furthest[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    raise AssertionError("unreachable: n + m edits always reach the end")


def _backtrack(trace: list[list[int]], x: int, y: int) -> list[tuple[int, Optional[int]]]:
    edits: list[tuple[int, Optional[int]]] = []
    for d in range(len(trace) - 1, 0, -1):
        row = trace[d]  # row[k + d]: the furthest x on diagonal k after d - 1 edits
        k = x - y
        if k == -d or (k != d and row[k - 1 + d] < row[k + 1 + d]):
            k += 1
            x = row[k + d]
            y = x - k
            edits.append((-1, y))
        else:
            k -= 1
            x = row[k + d]
            y = x - k
            edits.append((x, None))
    return edits


def _difflib_edits(a: list[str], b: list[str]) -> list[tuple[int, Optional[int]]]:
    """Past MAX_MYERS_EDITS (a rewrite, never a fix): difflib's fast, not always minimal, answer."""
    edits: list[tuple[int, Optional[int]]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes():
        if tag != "equal":
            edits.extend((x, None) for x in range(i1, i2))
            edits.extend((-1, y) for y in range(j1, j2))
    return edits


def _slide_down(lines: list[str], changed: list[bool]) -> None:
    """Move each block of changed lines down while the line after it equals its first line, as git
    does: a line added among equal lines shows as the last of them, not the first."""
    index = 0
    while index < len(lines):
        if not changed[index]:
            index += 1
            continue
        start = index
        while index < len(lines) and changed[index]:
            index += 1
        end = index  # changed[start:end] is one block
        while end < len(lines) and not changed[end] and lines[start] == lines[end]:
            changed[start], changed[end] = False, True
            start, end = start + 1, end + 1
            while end < len(lines) and changed[end]:  # joined the next block
                end += 1
        index = end


def _runs(removed: list[bool], added: list[bool]) -> Iterator[Opcode]:
    """Walk both files together: unchanged lines pair up; removed and added lines between two
    unchanged ones form one "replace" (or "delete", "insert")."""
    i = j = 0
    while i < len(removed) or j < len(added):
        i1, j1 = i, j
        while i < len(removed) and j < len(added) and not removed[i] and not added[j]:
            i += 1
            j += 1
        if i > i1:
            yield "equal", i1, i, j1, j
            continue
        while i < len(removed) and removed[i]:
            i += 1
        while j < len(added) and added[j]:
            j += 1
        tag = "replace" if i > i1 and j > j1 else "delete" if i > i1 else "insert"
        yield tag, i1, i, j1, j


def _grouped(opcodes: list[Opcode], context: int) -> Iterator[list[Opcode]]:
    """difflib's SequenceMatcher.get_grouped_opcodes, over the opcodes computed above."""
    codes = list(opcodes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        # An unchanged run longer than two contexts ends one hunk and starts the next.
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    """A hunk's `start,length` (1-based; `start` alone for one line; the line before for none)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if length == 0 else start + 1},{length}"
