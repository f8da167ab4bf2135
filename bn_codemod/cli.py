"""Command line: arguments in, exit code out. The analysis lives elsewhere."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import __version__
from .config import ConfigError, Settings, load_settings
from .formats import OUTPUT_FORMATS, render, render_statistics
from .report import finding_line, shown_findings, summary, write_diff, write_errors
from .rules import RULES, explain
from .cache import CACHE_DIR_NAME, Cache
from .runner import (
    NOTEBOOK_SUFFIX, FileOutcome, Mode, process_notebook, process_source, relocate_remaining, run_files,
)

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

_EXAMPLES = """\
examples:
  bn-codemod src/                 rewrite every BatchNorm-family constructor in place
  bn-codemod --check src/         list unpatched uses; exit 1 if any (for CI)
  bn-codemod --diff src/          show what would change; write nothing
  cat model.py | bn-codemod -     read stdin, write the fixed source to stdout

exit codes:
  0  nothing left to report
  1  findings remain (with --check/--diff: anything to change or report)
  2  a file could not be processed, or a path does not exist
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bn-codemod",
        description="Find and fix PyTorch BatchNorm layers that break torch.func.vmap "
        "(sets track_running_stats=False).",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; '-' reads stdin")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", action="store_true", help="report only; exit 1 if anything is found")
    action.add_argument("--diff", action="store_true", help="print a unified diff of the fixes; write nothing")
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip matching files or directories (repeatable)"
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply excludes to files named explicitly too (for pre-commit, which names every file)",
    )
    parser.add_argument("--stdin-filename", metavar="NAME", help="the name to report for '-'")
    parser.add_argument(
        "--select", action="append", metavar="CODES", help="only these rule codes or prefixes (comma-separated)"
    )
    parser.add_argument("--ignore", action="append", metavar="CODES", help="skip these rule codes or prefixes")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain (errors still exit 2)")
    parser.add_argument(
        "--output-format", choices=OUTPUT_FORMATS, default="concise",
        help="concise (default; also: text), full (with the source line), json, github (workflow "
        "annotations), sarif (2.1.0), gitlab (Code Quality) or junit",
    )
    parser.add_argument("--explain", metavar="CODE", help="explain a rule, e.g. --explain BN001")
    parser.add_argument("--list-rules", action="store_true", help="list every rule")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument(
        "--cache-dir", metavar="DIR", help=f"where to keep the result cache (default: ./{CACHE_DIR_NAME})"
    )
    parser.add_argument(
        "-j", "--jobs", type=_positive_int, default=os.cpu_count() or 1, metavar="N",
        help="processes to use when there is enough work (default: all cores)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("--version", action="version", version=f"bn-codemod {__version__}")
    add_report_options(parser)
    return parser


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """What to print, and --add-noqa: the options ruff users reach for on a large code base."""
    parser.add_argument("--show-fixes", action="store_true", help="fix mode: list the fixed findings too")
    parser.add_argument(
        "--statistics", action="store_true", help="one line per rule code: count, [*] if fixable, title"
    )
    parser.add_argument(
        "--add-noqa", action="store_true",
        help="append `# noqa: CODE` to the line of every finding that remains (after the fixes, in fix mode)",
    )


def check_report_options(parser: argparse.ArgumentParser, options: argparse.Namespace, mode: Mode) -> None:
    """Combinations ruff refuses too: exit 2 with a usage line, before anything is read."""
    for flag in ("statistics", "add_noqa"):
        if getattr(options, flag) and mode is Mode.DIFF:
            parser.error(f"--{flag.replace('_', '-')} cannot be combined with --diff")
    if options.add_noqa and "-" in options.paths:
        parser.error("--add-noqa edits files; it cannot read stdin")


def add_noqa(outcomes: list[FileOutcome], mode: Mode, settings: Settings, options: argparse.Namespace) -> int:
    """--add-noqa after the run: suppress what remains, then say what was done (stderr, as ruff)."""
    from .noqa_writer import add_noqa_to_files

    paths = [outcome.path for outcome in outcomes if not outcome.error and any(not f.fixed for f in outcome.findings)]
    result = add_noqa_to_files(paths, settings)
    write_errors(outcomes, sys.stderr, quiet=options.quiet)
    for error in result.errors:
        sys.stderr.write(f"error: {error}\n")
    if not options.quiet:
        for warning in result.warnings:
            sys.stderr.write(f"warning: {warning}\n")
        if mode is Mode.FIX:
            sys.stderr.write(summary(outcomes, mode) + "\n")
        sys.stderr.write(f"Added {result.added} noqa directive{'' if result.added == 1 else 's'}.\n")
    if result.errors or any(outcome.error for outcome in outcomes):
        return EXIT_ERROR
    return EXIT_FINDINGS if result.warnings and not options.exit_zero else EXIT_CLEAN


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.list_rules or options.explain:
        return _document_rules(options)
    if not options.paths:
        parser.error("give at least one PATH (or '-' for stdin)")
    mode = Mode.CHECK if options.check else Mode.DIFF if options.diff else Mode.FIX
    check_report_options(parser, options, mode)
    try:
        settings = load_settings(select=options.select, ignore=options.ignore, exclude=options.exclude)
    except ConfigError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_ERROR
    try:
        if "-" in options.paths:
            return _run_stdin(options, mode, settings)
        return _run_paths(options, mode, settings)
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def _cache_dir(options: argparse.Namespace, settings: Settings) -> Path:
    """--cache-dir, else beside the pyproject.toml that configured this run, else here (as ruff)."""
    if options.cache_dir:
        return Path(options.cache_dir)
    project_root = Path(settings.source).parent if settings.source else Path.cwd()
    return project_root / CACHE_DIR_NAME


def _document_rules(options: argparse.Namespace) -> int:
    if options.list_rules:
        for rule in RULES.values():
            sys.stdout.write(f"{rule.code}  {'[*]' if rule.fixable else '   '}  {rule.title}\n")
        return EXIT_CLEAN
    code = options.explain.upper()
    if code not in RULES:
        sys.stderr.write(f"error: unknown rule '{options.explain}' (rules: {', '.join(RULES)})\n")
        return EXIT_ERROR
    sys.stdout.write(explain(code))
    return EXIT_CLEAN


def _run_paths(options: argparse.Namespace, mode: Mode, settings: Settings) -> int:
    from .files import discover_files

    paths, discovery_errors = discover_files(
        options.paths, exclude=settings.exclude, extensions=SOURCE_SUFFIXES, force_exclude=options.force_exclude
    )
    cache = None if options.no_cache else Cache(_cache_dir(options, settings), settings.key())
    outcomes = run_files([str(path) for path in paths], mode, settings, cache, options.jobs)
    outcomes += [FileOutcome(problem.path, error=f"{problem.path}: {problem.message}") for problem in discovery_errors]
    if options.add_noqa:
        return add_noqa(outcomes, mode, settings, options)
    _report(outcomes, mode, options)
    return _exit_code(outcomes, mode, False, options.exit_zero)


def _report(
    outcomes: list[FileOutcome], mode: Mode, options: argparse.Namespace, source_of: Optional[Callable] = None
) -> None:
    write_errors(outcomes, sys.stderr, quiet=options.quiet)
    if mode is Mode.DIFF:
        write_diff(outcomes, sys.stdout, sys.stderr, quiet=options.quiet)
        return
    if options.statistics:
        sys.stdout.write(render_statistics(outcomes, options.output_format, mode, quiet=options.quiet))
        return
    # Machine-readable formats own stdout (no summary mixed in); the human ones end in the summary.
    sys.stdout.write(
        render(
            outcomes, options.output_format, __version__, mode=mode, quiet=options.quiet,
            show_fixes=options.show_fixes, source_of=source_of,
        )
    )


def _run_stdin(options: argparse.Namespace, mode: Mode, settings: Settings) -> int:
    from .source import SourceError, decode_source

    if len(options.paths) > 1:
        sys.stderr.write("error: '-' (stdin) cannot be combined with other paths\n")
        return EXIT_ERROR
    name = options.stdin_filename or "-"
    raw = sys.stdin.buffer.read()
    text: Optional[str] = None  # what --output-format full shows for the positions
    if name.endswith(NOTEBOOK_SUFFIX):
        outcome = process_notebook(name, raw, mode, settings, write=False)
    else:
        try:
            source = decode_source(raw, name)
            text = source.text
            outcome = process_source(source, mode, settings, write=False)
        except SourceError as error:
            outcome = FileOutcome(name, error=str(error))
    outcome = relocate_remaining(outcome, settings)
    if mode is Mode.FIX:
        write_errors([outcome], sys.stderr, quiet=options.quiet)
        # Always echo code back, so `cmd < a.py > b.py` never loses it on an error.
        sys.stdout.buffer.write(outcome.new_bytes if outcome.new_bytes is not None else raw)
        sys.stdout.flush()
        if not options.quiet:
            for finding in shown_findings(outcome, options.show_fixes):
                sys.stderr.write(finding_line(name, finding) + "\n")
            sys.stderr.write(summary([outcome], mode) + "\n")
    else:
        _report([outcome], mode, options, source_of=lambda path: text)
    return _exit_code([outcome], mode, False, options.exit_zero)


def _exit_code(outcomes: list[FileOutcome], mode: Mode, has_errors: bool, exit_zero: bool) -> int:
    if has_errors or any(outcome.error for outcome in outcomes):
        return EXIT_ERROR
    if exit_zero:
        return EXIT_CLEAN
    findings = [f for outcome in outcomes for f in outcome.findings]
    if mode is Mode.FIX:
        return EXIT_FINDINGS if any(not f.fixed for f in findings) else EXIT_CLEAN
    return EXIT_FINDINGS if findings else EXIT_CLEAN
