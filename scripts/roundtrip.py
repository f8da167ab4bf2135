"""Run the codemod over real repositories and report anything that could break user code.

    python scripts/roundtrip.py /tmp/repos/pytorch-image-models /tmp/repos/detectron2 ...

Each tree is copied to a scratch directory first (the originals are never written), then every file
bn_codemod.files.discover_files finds goes through the analysis API in-process, and the fixed ones are
written back into the copy with the real atomic writer. Per repository it counts the files, the files
parsed (those passing the prefilter), findings by code, fixes, files that fail to parse (and whether
CPython's compile() rejects them too), outputs that do not compile, outputs that change again on a
second run, rewrites that fail bn_codemod.safety.check_rewrite, and crashes; then prints a markdown
table and every problem with its file. Exits 1 if there is a crash, a broken or non-idempotent output
or a safety failure.

Not run in CI: it needs checkouts of other projects (see the issue for the list used).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bn_codemod.analysis import ParseError, analyze, may_have_findings  # noqa: E402
from bn_codemod.files import discover_files  # noqa: E402
from bn_codemod.safety import check_rewrite  # noqa: E402
from bn_codemod.source import SourceError, decode_source, encode_source, read_file, write_atomic  # noqa: E402


@dataclass
class RepoReport:
    name: str
    commit: str
    files: int = 0
    parsed: int = 0
    findings: collections.Counter = field(default_factory=collections.Counter)
    fixes: int = 0
    changed_files: int = 0
    unreadable: list[str] = field(default_factory=list)
    parse_failures: list[tuple[str, bool, str]] = field(default_factory=list)  # (file, CPython rejects too, reason)
    broken_outputs: list[tuple[str, str]] = field(default_factory=list)
    not_idempotent: list[str] = field(default_factory=list)
    safety_failures: list[tuple[str, str]] = field(default_factory=list)
    crashes: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.crashes or self.broken_outputs or self.not_idempotent or self.safety_failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directories", nargs="+", metavar="DIR")
    parser.add_argument("--keep", action="store_true", help="keep the rewritten copies and print where they are")
    options = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # the repositories' own SyntaxWarnings are not ours to report

    reports = []
    for directory in options.directories:
        if not os.path.isdir(directory):
            parser.error(f"not a directory: {directory}")
        reports.append(roundtrip(Path(directory), keep=options.keep))
    print(markdown_table(reports))
    print(problem_details(reports))
    return 1 if any(report.failed for report in reports) else 0


def roundtrip(directory: Path, keep: bool = False) -> RepoReport:
    report = RepoReport(directory.resolve().name, _commit_of(directory))
    scratch = Path(tempfile.mkdtemp(prefix=f"roundtrip-{report.name}-"))
    copy = scratch / report.name
    started = time.perf_counter()
    try:
        # Symlinks stay links: discovery treats them as the real tool would.
        shutil.copytree(directory, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        paths, _ = discover_files([str(copy)])
        for path in paths:
            report.files += 1
            _roundtrip_file(path, copy, report)
    finally:
        report.seconds = time.perf_counter() - started
        if keep:
            print(f"kept the rewritten copy of {directory} in {copy}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return report


def _roundtrip_file(path: Path, root: Path, report: RepoReport) -> None:
    shown = str(path.relative_to(root))
    try:
        snapshot = read_file(path)
        source = decode_source(snapshot.raw, str(path))
    except SourceError as error:
        report.unreadable.append(f"{shown}: {error.message}")
        return
    if not may_have_findings(source.raw):
        return
    report.parsed += 1
    try:
        analysis = analyze(source.text)
    except ParseError as error:
        report.parse_failures.append((shown, _cpython_rejects(source.text), error.message))
        return
    except Exception:
        report.crashes.append((shown, _last_line_of_traceback()))
        return

    report.findings.update(finding.code for finding in analysis.findings)
    report.fixes += sum(finding.fixable for finding in analysis.findings)
    if not analysis.changed:
        return
    report.changed_files += 1
    new_source = analysis.new_source
    try:
        compile(new_source, shown, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        if not _cpython_rejects(source.text):
            report.broken_outputs.append((shown, f"{type(error).__name__}: {error}"))
    try:
        if analyze(new_source).new_source != new_source:
            report.not_idempotent.append(shown)
        problem = check_rewrite(source.text, new_source, analysis.edits)
        if problem is not None:
            report.safety_failures.append((shown, problem))
        write_atomic(path, encode_source(source, new_source), read=snapshot)  # as fix mode writes
    except Exception:
        report.crashes.append((shown, _last_line_of_traceback()))


def _cpython_rejects(text: str) -> bool:
    try:
        compile(text, "<original>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


def _last_line_of_traceback() -> str:
    lines = traceback.format_exc().strip().splitlines()
    where = next((line.strip() for line in reversed(lines) if line.strip().startswith("File ")), "")
    return f"{lines[-1]} ({where})" if where else lines[-1]


def _commit_of(directory: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return "-"
    return completed.stdout.strip() if completed.returncode == 0 else "-"


def markdown_table(reports: list[RepoReport]) -> str:
    header = (
        "| repository | commit | files | parsed | findings | fixes | changed files | parse failures (CPython rejects too) "
        "| broken outputs | not idempotent | safety failures | crashes | seconds |"
    )
    rows = [header, "|" + "---|" * (header.count("|") - 1)]
    for report in reports:
        findings = ", ".join(f"{code} {count}" for code, count in sorted(report.findings.items())) or "0"
        rejected = sum(cpython for _, cpython, _ in report.parse_failures)
        rows.append(
            f"| {report.name} | {report.commit} | {report.files} | {report.parsed} | {findings} | {report.fixes} "
            f"| {report.changed_files} | {len(report.parse_failures)} ({rejected}) | {len(report.broken_outputs)} "
            f"| {len(report.not_idempotent)} | {len(report.safety_failures)} | {len(report.crashes)} "
            f"| {report.seconds:.1f} |"
        )
    return "\n".join(rows)


def problem_details(reports: list[RepoReport]) -> str:
    lines = []
    for report in reports:
        items = [
            *(f"crash: {name}: {what}" for name, what in report.crashes),
            *(f"broken output: {name}: {what}" for name, what in report.broken_outputs),
            *(f"not idempotent: {name}" for name in report.not_idempotent),
            *(f"safety: {name}: {what}" for name, what in report.safety_failures),
            *(
                f"parse failure ({'CPython rejects it too' if cpython else 'CPython accepts it'}): {name}: {why}"
                for name, cpython, why in report.parse_failures
            ),
            *(f"unreadable: {what}" for what in report.unreadable),
        ]
        if items:
            lines.append(f"\n{report.name}:")
            lines.extend(f"- {item}" for item in items)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
