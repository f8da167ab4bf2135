"""Turning outcomes into what the user reads."""

from __future__ import annotations

from typing import Iterable, TextIO

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


def write_text(outcomes: Iterable[FileOutcome], mode: Mode, out: TextIO, quiet: bool = False) -> None:
    outcomes = list(outcomes)
    if not quiet:
        for outcome in outcomes:
            for finding in outcome.findings:
                out.write(finding_line(outcome.path, finding) + "\n")
        out.write(summary(outcomes, mode) + "\n")


def write_errors(outcomes: Iterable[FileOutcome], err: TextIO) -> None:
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
    head = f"Found {_count(len(findings), 'issue')} in {_count(files_with_findings, 'file')}"
    fixable = sum(1 for f in findings if f.fixable)
    if mode is Mode.FIX:
        fixed = sum(1 for f in findings if f.fixed)
        return f"{head} ({fixed} fixed, {len(findings) - fixed} remaining){error_note}."
    if mode is Mode.DIFF:
        would_change = sum(1 for o in outcomes if o.changed)
        return f"{head} ({fixable} fixable; {_count(would_change, 'file')} would be changed){error_note}."
    return f"{head} ({fixable} fixable with `bn-codemod PATH`){error_note}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
