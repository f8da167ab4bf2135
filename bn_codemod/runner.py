"""The data path for one file: read → prefilter → the visitor → write or diff. No printing."""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from .analysis import ParseError, analyze, may_have_findings
from .config import Settings
from .findings import Finding
from .source import SourceError, SourceFile, encode_source, read_source, write_atomic


class Mode(Enum):
    FIX = "fix"
    CHECK = "check"
    DIFF = "diff"


@dataclass
class FileOutcome:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: Optional[str] = None  # one line, already naming the file
    changed: bool = False  # fix mode: written; check/diff mode: would be written
    diff: str = ""
    new_bytes: Optional[bytes] = None  # the fixed file, for stdin mode


def process_path(path: str, mode: Mode, settings: Settings) -> FileOutcome:
    try:
        source = read_source(path)
    except SourceError as error:
        return FileOutcome(path, error=str(error))
    return process_source(source, mode, settings, write=mode is Mode.FIX)


def process_source(source: SourceFile, mode: Mode, settings: Settings, write: bool) -> FileOutcome:
    path = source.path
    if not may_have_findings(source.raw, settings.extra_classes):
        return FileOutcome(path)
    try:
        analysis = analyze(source.text, settings)
    except ParseError as error:
        location = f"{path}:{error.line}:{error.column}" if error.line else path
        return FileOutcome(path, error=f"{location}: {error.message}")
    except Exception as error:  # a bug of ours must not hide the other files' results
        return FileOutcome(path, error=f"{path}: internal error: {type(error).__name__}: {error}")

    outcome = FileOutcome(path, findings=analysis.findings, changed=analysis.changed)
    if not analysis.changed:
        return outcome
    try:
        new_bytes = encode_source(source, analysis.new_source)
        if mode is Mode.DIFF:
            outcome.diff = unified_diff(path, source.text, analysis.new_source)
        elif mode is Mode.FIX:
            if write:
                write_atomic(path, new_bytes)
            outcome.new_bytes = new_bytes
            outcome.findings = [dataclasses.replace(f, fixed=f.fixable) for f in analysis.findings]
    except SourceError as error:
        outcome.error = str(error)
        outcome.changed = False
    return outcome


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=path, tofile=path
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)
