"""Command line: arguments in, exit code out. The analysis lives elsewhere."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config import ConfigError, Settings, load_settings
from .formats import OUTPUT_FORMATS, render
from .report import finding_line, summary, write_errors, write_text
from .rules import RULES, explain
from .cache import CACHE_DIR_NAME, Cache
from .runner import NOTEBOOK_SUFFIX, FileOutcome, Mode, process_notebook, process_source, run_files, scope_hazards

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
        "--output-format", choices=OUTPUT_FORMATS, default="text",
        help="text (default), json, github (workflow annotations) or sarif (2.1.0)",
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
    return parser


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
    _report(outcomes, mode, options)
    return _exit_code(outcomes, mode, False, options.exit_zero)


def _report(outcomes: list[FileOutcome], mode: Mode, options: argparse.Namespace) -> None:
    write_errors(outcomes, sys.stderr)
    if options.output_format != "text":
        # Machine-readable output owns stdout: no diff, no summary mixed in.
        sys.stdout.write(render(outcomes, options.output_format, __version__, mode=mode))
        return
    if mode is Mode.DIFF and not options.quiet:
        for outcome in outcomes:
            sys.stdout.write(outcome.diff)
    write_text(outcomes, mode, sys.stdout, quiet=options.quiet)


def _run_stdin(options: argparse.Namespace, mode: Mode, settings: Settings) -> int:
    from .source import SourceError, decode_source

    if len(options.paths) > 1:
        sys.stderr.write("error: '-' (stdin) cannot be combined with other paths\n")
        return EXIT_ERROR
    name = options.stdin_filename or "-"
    raw = sys.stdin.buffer.read()
    if name.endswith(NOTEBOOK_SUFFIX):
        outcome = process_notebook(name, raw, mode, settings, write=False)
    else:
        try:
            outcome = process_source(decode_source(raw, name), mode, settings, write=False)
        except SourceError as error:
            outcome = FileOutcome(name, error=str(error))
    scope_hazards([outcome])
    if mode is Mode.FIX:
        write_errors([outcome], sys.stderr)
        # Always echo code back, so `cmd < a.py > b.py` never loses it on an error.
        sys.stdout.buffer.write(outcome.new_bytes if outcome.new_bytes is not None else raw)
        sys.stdout.flush()
        if not options.quiet:
            for finding in outcome.findings:
                sys.stderr.write(finding_line(name, finding) + "\n")
            sys.stderr.write(summary([outcome], mode) + "\n")
    else:
        _report([outcome], mode, options)
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
