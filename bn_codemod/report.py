"""Turning outcomes into what the user reads."""

from __future__ import annotations

from typing import Callable, Iterable, Optional, TextIO

from .findings import Finding
from .runner import FileOutcome, Mode


def finding_line(path: str, finding: Finding) -> str:
    if finding.fixed:
        marker = " (fixed)"
    elif finding.fixable:
        marker = " [*]"
    else:
        marker = ""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{path}:{cell}{finding.line}:{finding.column}: {finding.code} {finding.message}{marker}"


def write_text(
    outcomes: Iterable[FileOutcome],
    mode: Mode,
    out: TextIO,
    quiet: bool = False,
    show_fixes: bool = False,
    source_of: Optional[Callable[[str], Optional[str]]] = None,
) -> None:
    """One finding a line, then the summary (`concise`). Fix mode lists what remains (and what it
    fixed, with `show_fixes`), as `ruff check --fix` does. With `source_of` (`full`), each open
    finding is followed by its source line with carets under it; `source_of(path)` gives the text
    the positions refer to, or None."""
    outcomes = list(outcomes)
    if not quiet:
        for outcome in outcomes:
            lines: Optional[list[str]] = None
            for finding in shown_findings(outcome, show_fixes):
                out.write(finding_line(outcome.path, finding) + "\n")
                if source_of is None or finding.fixed or finding.cell is not None:
                    continue  # a fixed finding's line is gone; a cell's line is not the file's
                if lines is None:
                    text = source_of(outcome.path)
                    lines = text.split("\n") if text is not None else []
                out.write(source_context(lines, finding))
        out.write(summary(outcomes, mode) + "\n")


def source_context(lines: list[str], finding: Finding) -> str:
    """The finding's first line under a gutter, carets under the finding (to the line's end when
    it spans lines), and a blank line; "" when the line is not there."""
    if not 1 <= finding.line <= len(lines):
        return ""
    line = lines[finding.line - 1].rstrip("\r\n")
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if finding.end_line == finding.line else len(line.rstrip())
    width = len(str(finding.line))
    indent = "".join(character if character == "\t" else " " for character in line[:start])
    gutter = " " * width
    return (
        f"{gutter} |\n{finding.line} | {line}\n{gutter} | {indent}{'^' * max(end - start, 1)}\n\n"
    )


def shown_findings(outcome: FileOutcome, show_fixes: bool) -> list[Finding]:
    return outcome.findings if show_fixes else [finding for finding in outcome.findings if not finding.fixed]


def write_diff(outcomes: Iterable[FileOutcome], out: TextIO, err: TextIO, quiet: bool = False) -> None:
    """--diff, in every output format: the patch alone on `out` (it can go to `git apply`), then
    one "Would fix N issues" line on `err` (as black and `ruff format --diff`)."""
    outcomes = list(outcomes)
    for outcome in outcomes:
        out.write(outcome.diff)
    if not quiet:
        err.write(summary(outcomes, Mode.DIFF) + "\n")


def write_errors(outcomes: Iterable[FileOutcome], err: TextIO, quiet: bool = False) -> None:
    """Warnings (unless quiet, as ruff's -q), then errors: one line each."""
    outcomes = list(outcomes)
    if not quiet:
        for outcome in outcomes:
            for problem in outcome.noqa_problems:
                cell = f"cell {problem.cell}:" if problem.cell is not None else ""
                err.write(f"warning: {outcome.path}:{cell}{problem.line}: {problem.message}\n")
    for outcome in outcomes:
        if outcome.error:
            err.write(f"error: {outcome.error}\n")


def write_timings(outcomes: Iterable[FileOutcome], err: TextIO) -> None:
    """--verbose: how long each file analysed alone (above HUGE_FILE_BYTES) took."""
    for outcome in outcomes:
        if outcome.processed_alone and outcome.seconds is not None:
            err.write(f"bn-codemod: {outcome.path}: huge file, analysed alone in {outcome.seconds:.1f} s\n")


def summary(outcomes: list[FileOutcome], mode: Mode) -> str:
    findings = [f for o in outcomes for f in o.findings]
    files_with_findings = sum(1 for o in outcomes if o.findings)
    errors = sum(1 for o in outcomes if o.error)
    error_note = f"; {_count(errors, 'file')} could not be processed" if errors else ""
    if not findings:
        return f"No issues found in {_count(len(outcomes), 'file')}{error_note}."
    if mode is Mode.FIX:
        fixed = sum(1 for f in findings if f.fixed)
        return f"Fixed {_count(fixed, 'issue')} ({len(findings) - fixed} remaining){error_note}."
    if mode is Mode.DIFF:
        # What the printed diff fixes: a file whose fix was refused (an error) shows no diff.
        would_fix = sum(1 for o in outcomes if o.diff for f in o.findings if f.fixable)
        return f"Would fix {_count(would_fix, 'issue')} ({len(findings) - would_fix} remaining){error_note}."
    head = f"Found {_count(len(findings), 'issue')} in {_count(files_with_findings, 'file')}"
    fixable = sum(1 for f in findings if f.fixable)
    return f"{head} ({fixable} fixable with `bn-codemod fix`){error_note}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
