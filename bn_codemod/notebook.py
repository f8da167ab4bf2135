"""Jupyter notebooks (.ipynb): code cells checked and fixed, the JSON kept exactly as it was written.

The cells of a notebook share one namespace and usually import torch in their first cell only, so
the code cells are analysed together as one module (as ruff does), each after a marker comment;
findings and changes are then mapped back to their cell. A cell that does not parse on its own is
left out of that module and listed in `skipped_cells`: it is never changed.

IPython syntax (line magics, shell escapes, help) is replaced line for line by placeholder comments
before the analysis and restored after it; the codemod never edits comments, and line numbers within
a cell stay those of the cell. The timing magics that run a one-line Python statement (`%time stmt`,
`%timeit -n 3 stmt`) keep their statement: only the magic becomes `pass;` padded to the magic's width,
so the statement is analysed and fixed at the columns it has in the cell.

Only the "source" values of changed cells change in the JSON. The notebook is re-serialised only when
re-serialising it unmodified reproduces the file byte for byte; otherwise the new values are spliced
into the original text.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import difflib
import itertools
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Callable, Iterator, Optional, Sequence, Union

from .analysis import DEFAULT_SETTINGS, Analysis, ParseError, analyze, may_have_findings
from .config import Settings
from .findings import Edit, Finding
from .safety import check_rewrite
from .suppressions import NoqaProblem

# Cell magics whose body is Python run in the notebook's namespace; a cell with any other is skipped.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture"})

FORMAT_ERROR = "cannot preserve this notebook's JSON formatting"

# IPython's escapes at the start of a logical line: magic, shell, help, and the autocall forms , ; /
_LINE_ESCAPES = ("%", "!", "?", ",", ";", "/")
_CELL_MAGIC = re.compile(r"[ \t\f]*%%(?P<name>\w*)")
# `files = !ls`, `t = %timeit -o f()`: `=` followed by an escape is never Python.
_MAGIC_ASSIGNMENT = re.compile(r"[ \t\f]*(?P<target>[^=#'\"]*?[^=#'\"\s!<>])[ \t]*=[ \t]*[%!]")
# `%time stmt`, `%timeit -n 10 -r 3 stmt`: the magic, with its options, before a Python statement.
_STATEMENT_MAGIC = re.compile(
    r"(?P<indent>[ \t\f]*)(?P<magic>%(?:time|timeit)(?:[ \t]+-(?:[nrp][ \t]*\d+|[tcqo]))*[ \t]+)(?P<statement>\S.*)"
)
# What a statement magic becomes: `pass;` then spaces up to the magic's width ("%time " is the shortest).
_MAGIC_STAND_IN = re.compile(r"(?P<indent>[ \t\f]*)pass;(?P<padding> *)")
_NAME_LIST = re.compile(r"(?!\d)\w+(?:[ \t]*,[ \t]*(?!\d)\w+)*")
_PYTHON_LANGUAGE = re.compile(r"i?python[0-9.]*", re.IGNORECASE)
# One line with its ending; "\r" alone ends a line too, as in CPython's tokenizer.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

JsonSource = Union[str, list]


class NotebookError(Exception):
    """The notebook cannot be processed (invalid JSON, not a notebook, formatting cannot be preserved).

    str() is one line.
    """


@dataclass(frozen=True)
class NotebookAnalysis:
    new_text: str  # the whole .ipynb text after fixes; the original text itself when nothing changed
    findings: list[Finding] = field(default_factory=list)  # `cell` set; line and column within that cell
    edits: list[Edit] = field(default_factory=list)  # lines within their cell (0 for "add-import")
    changed: bool = False
    skipped_cells: list[int] = field(default_factory=list)  # 1-based code cells not analysed
    noqa_problems: tuple[NoqaProblem, ...] = ()  # `cell` set; line within that cell
    builds_norm_layers: bool = False  # see analysis.Analysis


def analyze_notebook(
    text: str, extra_classes: Sequence[str] = (), *, settings: Optional[Settings] = None
) -> NotebookAnalysis:
    """Check and fix the code cells of the notebook `text` (the .ipynb file's decoded JSON).

    `settings` gives select/ignore; `extra_classes` are added to its extra classes. Raises
    NotebookError; a cell that cannot be parsed is skipped, not an error.
    """
    settings = _with_extra_classes(settings or DEFAULT_SETTINGS, extra_classes)
    unchanged = NotebookAnalysis(text)
    if not _may_have_findings(text, settings.extra_classes):
        return unchanged
    notebook = _load(text)
    if not _is_python(notebook):
        return unchanged
    code_sources = _code_cell_sources(notebook["cells"])

    marker = _unused_marker(text)
    placeholder_numbers = itertools.count(1)

    def new_placeholder() -> str:
        return f"{marker}_magic_{next(placeholder_numbers)}"

    cells: list[_Cell] = []
    skipped: list[int] = []
    for index, source in code_sources.items():
        masked = _mask_ipython(source, new_placeholder)
        if masked is None or not _compiles(masked[0]):
            skipped.append(index + 1)
        else:
            cells.append(_Cell(index, source, *masked))
    if not cells:
        return NotebookAnalysis(text, skipped_cells=skipped)

    analysis, joined = _analyze_together(cells, settings, marker)
    analysed = {cell.index for cell in joined.cells}
    skipped = sorted({*skipped, *(cell.index + 1 for cell in cells if cell.index not in analysed)})
    if analysis is None:
        return NotebookAnalysis(text, skipped_cells=skipped)
    if analysis.changed:
        unsafe = check_rewrite(joined.text, analysis.new_source, analysis.edits)
        if unsafe is not None:  # the same safety net as for .py files
            raise NotebookError(f"internal error: refusing to write an unintended change: {unsafe}")

    new_sources = _changed_sources(joined, analysis) if analysis.changed else {}
    new_text = _write(text, notebook, new_sources) if new_sources else text
    return NotebookAnalysis(
        new_text=new_text,
        findings=[_finding_in_cell(joined, finding) for finding in analysis.findings],
        edits=[_edit_in_cell(joined, edit) for edit in analysis.edits],
        changed=new_text != text,
        skipped_cells=skipped,
        noqa_problems=tuple(_problem_in_cell(joined, problem) for problem in analysis.noqa_problems),
        builds_norm_layers=analysis.builds_norm_layers,
    )


@dataclass(frozen=True)
class _Cell:
    index: int  # 0-based position among all the notebook's cells
    source: str
    masked: str  # `source` with IPython syntax replaced by placeholders
    originals: dict[str, str]  # placeholder line -> the line it replaced (both without line ending)
    statement_magics: tuple[str, ...] = ()  # each `%time `-style prefix replaced by `pass;`, in order


@dataclass(frozen=True)
class _Joined:
    """The analysed cells as one module: each cell follows its own separator comment line."""

    text: str
    cells: list[_Cell]
    separators: list[str]
    first_lines: list[int]  # 1-based line of `text` where each cell starts
    added_newline: list[bool]  # a newline was appended because the cell's source lacks one


def _with_extra_classes(settings: Settings, extra_classes: Sequence[str]) -> Settings:
    if not extra_classes:
        return settings
    merged = tuple(dict.fromkeys((*settings.extra_classes, *extra_classes)))
    return dataclasses.replace(settings, extra_classes=merged)


def _may_have_findings(text: str, extra_classes: Sequence[str]) -> bool:
    if not all(name.isascii() for name in extra_classes):
        return True  # the JSON may spell a non-ASCII class name as \u escapes
    return may_have_findings(text.encode("utf-8", "surrogatepass"), extra_classes)


def _load(text: str) -> dict:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise NotebookError("invalid JSON: too deeply nested") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError('not a Jupyter notebook: no "cells" list (nbformat 4 or later)')
    return notebook


def _code_cell_sources(cells: list) -> dict[int, str]:
    """0-based cell index -> source of every code cell, in order."""
    sources: dict[int, str] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookError(f"not a Jupyter notebook: cell {index + 1} is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            sources[index] = "".join(source)
        elif isinstance(source, str):
            sources[index] = source
        else:
            raise NotebookError(
                f'not a Jupyter notebook: cell {index + 1} has no "source" string or list of strings'
            )
    return sources


def _is_python(notebook: dict) -> bool:
    """What the kernel says it runs; a notebook that does not say is taken as Python."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for section, key in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(section)
        language = info.get(key) if isinstance(info, dict) else None
        if isinstance(language, str) and language.strip():
            return _PYTHON_LANGUAGE.fullmatch(language.strip()) is not None
    return True


def _unused_marker(text: str) -> str:
    for number in itertools.count():
        marker = f"bn_codemod_{number}"
        if marker not in text:
            return marker
    raise AssertionError("unreachable")


# IPython syntax


def _mask_ipython(
    source: str, new_placeholder: Callable[[], str]
) -> Optional[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(`source` with IPython-only lines replaced, placeholder -> original line, the statement magics
    replaced by `pass;` in order), or None for a cell whose body is not Python (a cell magic such as %%bash)."""
    lines = _LINE.findall(source)
    masked = list(lines)
    originals: dict[str, str] = {}
    statement_magics: list[str] = []
    # A `pass;` of the user's own would be taken for a stand-in when restoring: then mask as before.
    keep_statements = not any(_MAGIC_STAND_IN.match(line) for line in lines)

    def mask(first: int, last: int, bound_names: Optional[str] = None) -> None:
        for number in range(first, last + 1):
            body, ending = _split_ending(lines[number])
            indent = body[: len(body) - len(body.lstrip(" \t\f"))]
            placeholder = new_placeholder()
            if number == first and bound_names:
                # `x = !ls` still binds x, so x is not taken for torch's (`= None` would not count).
                replacement = f"{indent}{bound_names} = ...  # {placeholder}"
            elif number == first and indent:
                # A statement, not a comment: the magic may be the only line of its block.
                replacement = f"{indent}pass  # {placeholder}"
            else:
                replacement = f"{indent}# {placeholder}"
            originals[replacement] = body
            masked[number] = replacement + ending

    number = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    cell_magic = _CELL_MAGIC.match(lines[number]) if number < len(lines) else None
    if cell_magic:
        if cell_magic.group("name") not in PYTHON_CELL_MAGICS:
            return None
        mask(number, number)
        number += 1
    while number < len(lines):
        escaped = lines[number].lstrip(" \t\f").startswith(_LINE_ESCAPES)
        assignment = None if escaped else _MAGIC_ASSIGNMENT.match(lines[number])
        statement = _statement_magic(lines[number]) if escaped and keep_statements else None
        if statement is not None:
            prefix, stand_in = statement
            statement_magics.append(prefix)
            masked[number] = stand_in + lines[number][len(prefix) :]
            last = number
        elif escaped or assignment:
            last = _end_of_escaped_line(lines, number)
            target = assignment.group("target") if assignment else None
            mask(number, last, target if target and _NAME_LIST.fullmatch(target) else None)
        else:
            last, code = _end_of_logical_line(lines, number)
            if code.endswith("?"):  # `obj?`, `obj.attr??`
                mask(number, last)
        number = last + 1
    return "".join(masked), originals, tuple(statement_magics)


def _statement_magic(line: str) -> Optional[tuple[str, str]]:
    """For `%time stmt` on one line: (the magic with its indent, `pass;` of the same width); else None."""
    body = _split_ending(line)[0]
    match = _STATEMENT_MAGIC.fullmatch(body)
    if match is None or body.endswith("\\"):
        return None
    if not _compiles("pass; " + match.group("statement")):  # `%time for ...:` and the like stay masked
        return None
    prefix = match.group("indent") + match.group("magic")
    stand_in = match.group("indent") + "pass;" + " " * (len(match.group("magic")) - len("pass;"))
    return prefix, stand_in


def _end_of_escaped_line(lines: list[str], first: int) -> int:
    """IPython joins an escaped line with the next while it ends with a backslash."""
    last = first
    while last + 1 < len(lines) and _split_ending(lines[last])[0].endswith("\\"):
        last += 1
    return last


def _end_of_logical_line(lines: list[str], first: int) -> tuple[int, str]:
    """(last physical line of the Python logical line starting at `first`, that line's code without
    its comment). Brackets, strings and backslash continuations join lines, as in Python."""
    depth = 0
    quote = ""
    for number in range(first, len(lines)):
        text = _split_ending(lines[number])[0]
        position = 0
        code_end = len(text)
        while position < len(text):
            char = text[position]
            if quote:
                if char == "\\":
                    position += 2
                elif text.startswith(quote, position):
                    position += len(quote)
                    quote = ""
                else:
                    position += 1
            elif char == "#":
                code_end = position
                break
            elif char in "'\"":
                quote = char * 3 if text.startswith(char * 3, position) else char
                position += len(quote)
            else:
                if char in "([{":
                    depth += 1
                elif char in ")]}":
                    depth = max(depth - 1, 0)
                position += 1
        if len(quote) == 1 and position <= len(text):
            quote = ""  # unterminated one-line string: Python rejects it, the line ends here
        continued = not quote and code_end == len(text) and text.endswith("\\")
        if not quote and depth == 0 and not continued:
            return number, text[:code_end].rstrip()
    return len(lines) - 1, ""


def _unmask(text: str, originals: dict[str, str], statement_magics: tuple[str, ...] = ()) -> Optional[str]:
    """`text` with every placeholder line and statement magic restored, or None unless each placeholder
    was found exactly once and the `pass;` stand-ins are exactly the statement magics, in order."""
    if not originals and not statement_magics:
        return text
    lines = _LINE.findall(text)
    restored = 0
    magics = iter(statement_magics)
    stand_ins = 0
    for number, line in enumerate(lines):
        body, ending = _split_ending(line)
        original = originals.get(body)
        if original is not None:
            lines[number] = original + ending
            restored += 1
            continue
        stand_in = _MAGIC_STAND_IN.match(body) if statement_magics else None
        if stand_in is not None:
            prefix = next(magics, None)
            if prefix is None or len(stand_in.group()) != len(prefix) or not prefix.startswith(stand_in.group("indent")):
                return None
            lines[number] = prefix + line[len(prefix) :]
            stand_ins += 1
    if restored != len(originals) or stand_ins != len(statement_magics):
        return None
    return "".join(lines)


def _split_ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def _compiles(source: str) -> bool:
    """CPython's parser accepts the cell on its own (as IPython would run it)."""
    try:
        compile(source, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


# The cells as one module


def _analyze_together(
    cells: list[_Cell], settings: Settings, marker: str
) -> tuple[Optional[Analysis], _Joined]:
    """The analysis of the cells joined, leaving out any cell libcst cannot parse on its own."""
    while True:
        joined = _join(cells, marker)
        if not cells:
            return None, joined
        try:
            return analyze(joined.text, settings), joined
        except ParseError as error:
            parsable = [cell for cell in cells if _libcst_parses(cell.masked)]
            if len(parsable) == len(cells):
                raise NotebookError(f"cannot analyse the code cells together: {error.message}") from None
            cells = parsable


def _libcst_parses(source: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _join(cells: list[_Cell], marker: str) -> _Joined:
    parts: list[str] = []
    separators: list[str] = []
    first_lines: list[int] = []
    added_newline: list[bool] = []
    line = 1
    for cell in cells:
        separator = f"# {marker}_cell_{cell.index + 1}"
        separators.append(separator)
        parts.append(separator + "\n")
        first_lines.append(line + 1)
        parts.append(cell.masked)
        line += 1 + len(_LINE.findall(cell.masked))
        needs_newline = bool(cell.masked) and not cell.masked.endswith(("\n", "\r"))
        added_newline.append(needs_newline)
        if needs_newline:
            parts.append("\n")
    return _Joined("".join(parts), cells, separators, first_lines, added_newline)


def _changed_sources(joined: _Joined, analysis: Analysis) -> dict[int, str]:
    """0-based cell index -> new source, for each cell whose source the fixes changed."""
    lines = _LINE.findall(analysis.new_source)
    position_of = {separator: number for number, separator in enumerate(joined.separators)}
    cuts = []  # (line number, cell position) of each separator line
    for line_number, line in enumerate(lines):
        body = _split_ending(line)[0]
        if body in position_of:
            cuts.append((line_number, position_of[body]))
    if [number for _, number in cuts] != list(range(len(joined.separators))):
        raise NotebookError("internal error: the cell separators did not survive the fixes")
    new_sources: dict[int, str] = {}
    for position, (line_number, _) in enumerate(cuts):
        end = cuts[position + 1][0] if position + 1 < len(cuts) else len(lines)
        # Anything before the first separator (an import added at the very top) opens the first cell.
        start = 0 if position == 0 else line_number + 1
        new_masked = "".join(lines[start:line_number] + lines[line_number + 1 : end])
        cell = joined.cells[position]
        if joined.added_newline[position]:
            if not new_masked.endswith("\n"):
                raise NotebookError(f"internal error: cell {cell.index + 1} lost its last line ending")
            new_masked = new_masked[:-1]
        if new_masked == cell.masked:
            continue
        restored = _unmask(new_masked, cell.originals, cell.statement_magics)
        if restored is None:
            raise NotebookError(f"cell {cell.index + 1}: cannot restore its IPython syntax after the fixes")
        if restored != cell.source:
            new_sources[cell.index] = restored
    return new_sources


def _cell_line(joined: _Joined, line: int) -> tuple[int, int]:
    """(1-based cell, 1-based line within it) of a line of the joined module."""
    position = max(bisect.bisect_right(joined.first_lines, line) - 1, 0)
    return joined.cells[position].index + 1, line - joined.first_lines[position] + 1


def _finding_in_cell(joined: _Joined, finding: Finding) -> Finding:
    cell, line = _cell_line(joined, finding.line)
    return dataclasses.replace(finding, cell=cell, line=line, end_line=line + finding.end_line - finding.line)


def _problem_in_cell(joined: _Joined, problem: NoqaProblem) -> NoqaProblem:
    cell, line = _cell_line(joined, problem.line)
    return dataclasses.replace(problem, cell=cell, line=line)


def _edit_in_cell(joined: _Joined, edit: Edit) -> Edit:
    if edit.line <= 0:  # "add-import": module level, no position
        return edit
    return dataclasses.replace(edit, line=_cell_line(joined, edit.line)[1])


# The JSON text


def _write(text: str, notebook: dict, new_sources: dict[int, str]) -> str:
    """`text` with the "source" of the cells in `new_sources` replaced, everything else as it was."""
    cells = notebook["cells"]
    old_values: dict[int, JsonSource] = {index: cells[index]["source"] for index in new_sources}
    new_values = {index: _same_shape(old_values[index], source) for index, source in new_sources.items()}
    dump = _reserializer(text, notebook)  # decided on the notebook as read, before any change
    for index, value in new_values.items():
        cells[index]["source"] = value
    if dump is not None:
        return dump(notebook)
    new_text = _splice(text, old_values, new_values)
    reread = json.loads(new_text)["cells"]
    if len(reread) != len(cells) or any(reread[index]["source"] != value for index, value in new_values.items()):
        raise NotebookError(FORMAT_ERROR)
    return new_text


def _same_shape(old_value: JsonSource, new_source: str) -> JsonSource:
    """A string stays a string; a list of lines is split the way the old one was."""
    if isinstance(old_value, str):
        return new_source
    old_source = "".join(old_value)
    # nbformat splits with str.splitlines(True); other writers split at "\n" only.
    if _split_at_newlines(old_source) != old_value and old_source.splitlines(True) == old_value:
        return new_source.splitlines(True)
    return _split_at_newlines(new_source)


def _split_at_newlines(source: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+", source)


def _reserializer(text: str, notebook: dict) -> Optional[Callable[[dict], str]]:
    """json.dumps with the options that reproduce `text` from `notebook` exactly, if there are any."""
    body = text.rstrip(" \t\r\n")
    trailing = text[len(body) :]
    if not body.startswith("{"):
        return None
    newline = "\r\n" if "\r\n" in body else "\n"
    ensure_ascii = body.isascii()
    first_break = body.find(newline)
    if first_break == -1:
        candidates: list[dict] = [{"separators": (", ", ": ")}, {"separators": (",", ":")}]
    else:
        second_line = body[first_break + len(newline) :]
        indent = second_line[: len(second_line) - len(second_line.lstrip(" \t"))]
        if not indent:
            return None
        candidates = [{"indent": indent, "separators": (",", ": ")}]
    # Only "source" values change, so keeping the order as read also keeps sorted keys sorted.
    for options in candidates:

        def dump(value: dict, options: dict = options) -> str:
            return json.dumps(value, ensure_ascii=ensure_ascii, **options).replace("\n", newline) + trailing

        if dump(notebook) == text:
            return dump
    return None


def _splice(text: str, old_values: dict[int, JsonSource], new_values: dict[int, JsonSource]) -> str:
    spans = _source_spans(text)
    ensure_ascii = text.isascii()
    pieces: list[str] = []
    copied_up_to = 0
    for index in sorted(new_values):
        start, end = spans[index]
        pieces.append(text[copied_up_to:start])
        pieces.append(_source_value_text(text, start, end, old_values[index], new_values[index], ensure_ascii))
        copied_up_to = end
    pieces.append(text[copied_up_to:])
    return "".join(pieces)


def _source_value_text(
    text: str, start: int, end: int, old_value: JsonSource, new_value: JsonSource, ensure_ascii: bool
) -> str:
    """The JSON text of `new_value`, laid out like the old value at text[start:end]."""
    if isinstance(new_value, str):
        return json.dumps(new_value, ensure_ascii=ensure_ascii)
    items = _array_items(text, start)
    if not items:
        raise NotebookError(FORMAT_ERROR)
    opening = text[start + 1 : items[0][0]]
    closing = text[items[-1][1] : end - 1]
    separators = {text[items[n][1] : items[n + 1][0]] for n in range(len(items) - 1)}
    old_tokens = [text[item_start:item_end] for item_start, item_end in items]
    tokens: list[str] = []
    # Unchanged lines keep their exact JSON spelling (escapes included).
    matcher = difflib.SequenceMatcher(None, old_value, new_value, autojunk=False)
    for tag, old_first, old_last, new_first, new_last in matcher.get_opcodes():
        if tag == "equal":
            tokens.extend(old_tokens[old_first:old_last])
        else:
            tokens.extend(json.dumps(line, ensure_ascii=ensure_ascii) for line in new_value[new_first:new_last])
    if len(tokens) > 1:
        if len(separators) == 1:
            separator = separators.pop()
        elif not separators and "\n" in opening:
            separator = "," + opening  # one line per item, as the old single item was laid out
        else:
            raise NotebookError(FORMAT_ERROR)
    else:
        separator = ""
    return "[" + opening + separator.join(tokens) + closing + "]"


def _source_spans(text: str) -> dict[int, tuple[int, int]]:
    """0-based cell index -> (start, end) of its "source" value in `text`; the last duplicate key
    wins, as in json.loads."""
    cells_start = -1
    for key, value_start, _ in _object_members(text, _skip_whitespace(text, 0)):
        if key == "cells":
            cells_start = value_start
    spans: dict[int, tuple[int, int]] = {}
    for index, (item_start, _) in enumerate(_array_items(text, cells_start)):
        for key, value_start, value_end in _object_members(text, item_start):
            if key == "source":
                spans[index] = (value_start, value_end)
    return spans


def _object_members(text: str, start: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of the JSON object at text[start] (already known valid)."""
    position = _skip_whitespace(text, start + 1)
    if text[position] == "}":
        return
    while True:
        key, position = scanstring(text, position + 1)
        value_start = _skip_whitespace(text, _skip_whitespace(text, position) + 1)
        _, value_end = _DECODER.raw_decode(text, value_start)
        yield key, value_start, value_end
        position = _skip_whitespace(text, value_end)
        if text[position] != ",":
            return
        position = _skip_whitespace(text, position + 1)


def _array_items(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each item of the JSON array at text[start] (already known valid)."""
    position = _skip_whitespace(text, start + 1)
    items: list[tuple[int, int]] = []
    if text[position] == "]":
        return items
    while True:
        _, end = _DECODER.raw_decode(text, position)
        items.append((position, end))
        position = _skip_whitespace(text, end)
        if text[position] != ",":
            return items
        position = _skip_whitespace(text, position + 1)


def _skip_whitespace(text: str, position: int) -> int:
    match = _JSON_WHITESPACE.match(text, position)
    return match.end() if match else position
