"""`--add-noqa`: a `# noqa: CODE` on the line of every finding that remains, so a large code base
can gate CI on new findings while the old ones are triaged (as `ruff check --add-noqa`).

Each file is read, analysed and edited from the same text, then written as a fix is (atomically,
only if it is still the file that was read, same encoding, newlines and BOM). Idempotent: a
suppressed finding is no longer found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .analysis import ParseError, analyze, hazards_in_scope
from .config import Settings
from .source import SourceError, decode_source, encode_source, read_file, write_atomic
from .suppressions import add_noqa

NOTEBOOK_SUFFIX = ".ipynb"


@dataclass
class NoqaOutcome:
    added: int = 0  # lines that got a directive or new codes
    warnings: list[str] = field(default_factory=list)  # "PATH:LINE: reason", one line each
    errors: list[str] = field(default_factory=list)  # "PATH[:LINE:COL]: reason"


def add_noqa_to_files(
    paths: list[str], settings_for: Callable[[str], Settings], hazards_shown: bool = True
) -> NoqaOutcome:
    """Add directives to the .py files in `paths` for what their settings still find in them (the
    hazards BN009-BN011 only if `hazards_shown`: the run they belong to builds norm layers)."""
    result = NoqaOutcome()
    for path in paths:
        if path.endswith(NOTEBOOK_SUFFIX):
            result.warnings.append(f"{path}: --add-noqa does not edit notebooks; its findings remain")
            continue
        try:
            snapshot = read_file(path)
            source = decode_source(snapshot.raw, path)
            analysis = analyze(source.text, settings_for(path), need_source=False)
            findings = hazards_in_scope(analysis.findings, hazards_shown)
            codes_by_lines: dict[tuple[int, ...], set[str]] = {}
            for finding in findings:
                codes_by_lines.setdefault((finding.line, finding.end_line), set()).add(finding.code)
            new_text, added, skipped = add_noqa(source.text, codes_by_lines)
            if added:
                write_atomic(path, encode_source(source, new_text), read=snapshot)
        except ParseError as error:
            location = f"{path}:{error.line}:{error.column}" if error.line else path
            result.errors.append(f"{location}: {error.message}")
            continue
        except SourceError as error:
            result.errors.append(str(error))
            continue
        result.added += added
        result.warnings.extend(
            f"{path}:{line}: cannot add a noqa directive here (a multi-line string, a line continuation "
            "or a malformed `# noqa` ends the line); the finding remains"
            for line in skipped
        )
    return result
