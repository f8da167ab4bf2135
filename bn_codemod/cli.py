"""Command line: arguments in, exit code out. The analysis lives elsewhere."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import __version__
from .config import ConfigError, Overrides, Resolver, Settings, describe_settings
from .formats import OUTPUT_FORMATS, render, render_statistics
from .report import finding_line, shown_findings, summary, write_diff, write_errors, write_timings
from .rules import RULES, explain
from .cache import CACHE_DIR_NAME, Cache, project_root
from .runner import (
    NOTEBOOK_SUFFIX, FileOutcome, Mode, hazards_shown, process_notebook, process_source, relocate_remaining,
    run_files, scope_hazards,
)

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

SUBCOMMANDS = ("check", "fix")

_EXAMPLES = """\
examples:
  bn-codemod fix src/             rewrite every BatchNorm-family constructor in place
  bn-codemod src/                 the same (fix is the default)
  bn-codemod check src/           list unpatched uses; exit 1 if any (for CI); same as --check
  bn-codemod --diff src/          show what would change; write nothing
  cat model.py | bn-codemod -     read stdin, write the fixed source to stdout

A path named like a subcommand needs a ./ prefix: bn-codemod fix ./check

exit codes:
  0  nothing left to report
  1  findings remain (with check/--diff: anything to change or report)
  2  a file could not be processed, or a path does not exist (fix writes nothing then)
"""

_DESCRIPTIONS = {
    None: "Find and fix PyTorch BatchNorm layers that break torch.func.vmap (sets track_running_stats=False).",
    "check": "Report unpatched BatchNorm layers; write nothing. Exit 1 if anything is found.",
    "fix": "Rewrite BatchNorm layers in place so they run under torch.func.vmap (the default).",
}


def build_parser(subcommand: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser for `bn-codemod [check|fix] ...`: every form takes the same options."""
    prog = "bn-codemod" if subcommand is None else f"bn-codemod {subcommand}"
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} [options] PATH [PATH ...]" if subcommand else "bn-codemod [check|fix] [options] PATH [PATH ...]",
        description=_DESCRIPTIONS[subcommand],
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # `--chec` must be an error, not --check
    )
    add_options(parser)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Every option, in one place, for every form of the command."""
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
    parser.add_argument(
        "--extend-select", action="append", metavar="CODES", help="enable these too, on top of the configured select"
    )
    parser.add_argument(
        "--extend-ignore", action="append", metavar="CODES", help="skip these too, on top of the configured ignore"
    )
    parser.add_argument(
        "--config", metavar="FILE",
        help="use this configuration file for every file (default: the closest one above each file)",
    )
    parser.add_argument(
        "--show-settings", action="store_true", help="print the settings the first PATH gets, and where they come from"
    )
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
        help="processes to use when there is enough work (default and upper bound: the CPUs available)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also say on stderr what was skipped and how long huge files took"
    )
    parser.add_argument("--version", action="version", version=f"bn-codemod {__version__}")
    add_report_options(parser)


def parse_arguments(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace, Mode]:
    """Options and mode for `bn-codemod [check|fix] [options] PATH...`.

    The subcommand may come first (`bn-codemod check src`) or after options (`bn-codemod -q check src`):
    the first PATH named `check` or `fix` is the subcommand, as in ruff. Without one, fix is the default.
    """
    subcommand = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser = build_parser(subcommand)
    # Intermixed, as ruff: `bn-codemod -q check src --diff` and `bn-codemod src --check` both work.
    options = parser.parse_intermixed_args(argv[1:] if subcommand else argv)
    if subcommand is None and options.paths and options.paths[0] in SUBCOMMANDS:
        subcommand, options.paths = options.paths[0], options.paths[1:]
    if subcommand == "fix" and (options.check or options.diff):
        parser.error(f"fix cannot be combined with {'--check' if options.check else '--diff'}")
    # `check --diff` shows the fixes without writing, as `ruff check --diff`.
    if options.diff:
        mode = Mode.DIFF
    elif options.check or subcommand == "check":
        mode = Mode.CHECK
    else:
        mode = Mode.FIX
    return parser, options, mode


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


def add_noqa(
    outcomes: list[FileOutcome], mode: Mode, settings_for: Callable[[str], Settings], options: argparse.Namespace
) -> int:
    """--add-noqa after the run: suppress what remains, then say what was done (stderr, as ruff)."""
    from .noqa_writer import add_noqa_to_files

    paths = [outcome.path for outcome in outcomes if not outcome.error and any(not f.fixed for f in outcome.findings)]
    # Hazards are suppressed only where this run shows them (see runner.scope_hazards).
    result = add_noqa_to_files(paths, settings_for, hazards_shown(outcomes))
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
    parser, options, mode = parse_arguments(sys.argv[1:] if argv is None else list(argv))
    if options.list_rules or options.explain:
        return _document_rules(options)
    if not options.paths:
        parser.error("give at least one PATH (or '-' for stdin)")
    check_report_options(parser, options, mode)
    try:
        resolver = Resolver(
            Overrides.from_flags(options.select, options.extend_select, options.ignore, options.extend_ignore),
            config=Path(options.config) if options.config else None,
        )
        if options.show_settings:
            return _show_settings(options, resolver)
        if "-" in options.paths:
            return _run_stdin(options, mode, resolver)
        return _run_paths(options, mode, resolver)
    except ConfigError as error:
        # Also from a subproject's file met during the walk: before anything is analysed or written.
        sys.stderr.write(f"error: {error}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


def _open_cache(options: argparse.Namespace, settings: Settings, mode: Mode) -> Optional[Cache]:
    """--cache-dir, else in the files' project root (their configuration file's directory, else see
    cache.project_root), else here; outside a project --check and --diff use an existing cache but
    create none (as ruff, but never in a stray cwd)."""
    if options.no_cache:
        return None
    if options.cache_dir:
        cache = Cache(Path(options.cache_dir), settings.key())
    else:
        root = project_root(settings.root if settings.source else None)
        directory = (root or Path.cwd()) / CACHE_DIR_NAME
        cache = Cache(directory, settings.key(), create=root is not None or mode is Mode.FIX)
    if cache.unusable:
        sys.stderr.write(f"warning: {cache.unusable}\n")
    return cache


def _show_settings(options: argparse.Namespace, resolver: Resolver) -> int:
    path = options.stdin_filename if options.paths == ["-"] and options.stdin_filename else options.paths[0]
    if os.path.isdir(path):
        settings = resolver.settings_for_directory(path)
    else:
        settings = resolver.settings_for(path)
    sys.stdout.write(describe_settings(path, settings, options.exclude))
    return EXIT_CLEAN


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


def _run_paths(options: argparse.Namespace, mode: Mode, resolver: Resolver) -> int:
    from .files import discover

    found = discover(
        options.paths, exclude=options.exclude, extensions=SOURCE_SUFFIXES, force_exclude=options.force_exclude,
        project_excludes=resolver.exclude_globs,
    )
    problems = [FileOutcome(problem.path, error=f"{problem.path}: {problem.message}") for problem in found.errors]
    if mode is Mode.FIX and problems:
        # A mistyped path must not leave the other paths half rewritten: fix all or nothing.
        write_errors(problems, sys.stderr)
        sys.stderr.write("error: nothing was written; fix the paths above and run again\n")
        return EXIT_ERROR
    if not options.quiet:
        for skipped in found.skipped:
            sys.stderr.write(f"skipped: {skipped.path}: {skipped.message}\n")
    outcomes = _run_with_own_settings([str(path) for path in found.files], mode, resolver, options)
    if options.verbose:
        write_timings(outcomes, sys.stderr)
    outcomes += problems
    if options.add_noqa:
        return add_noqa(outcomes, mode, resolver.settings_for, options)
    _report(outcomes, mode, options)
    return _exit_code(outcomes, mode, False, options.exit_zero)


def _run_with_own_settings(
    paths: list[str], mode: Mode, resolver: Resolver, options: argparse.Namespace
) -> list[FileOutcome]:
    """Outcomes in the order of `paths`, each file run with the settings of its own configuration
    file; files that share settings share a run (and a process pool) and a cache."""
    groups: dict[Settings, list[int]] = {}
    for index, path in enumerate(paths):
        groups.setdefault(resolver.settings_for(path), []).append(index)
    outcomes: list[Optional[FileOutcome]] = [None] * len(paths)
    for settings, indexes in groups.items():
        cache = _open_cache(options, settings, mode)
        group_outcomes = run_files([paths[index] for index in indexes], mode, settings, cache, options.jobs)
        for index, outcome in zip(indexes, group_outcomes):
            outcomes[index] = outcome
    # One run, whatever the configuration files: hazards are shown if any file builds norm layers.
    return scope_hazards([outcome for outcome in outcomes if outcome is not None])


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


def _run_stdin(options: argparse.Namespace, mode: Mode, resolver: Resolver) -> int:
    from .files import is_force_excluded
    from .source import SourceError, decode_source

    if len(options.paths) > 1:
        sys.stderr.write("error: '-' (stdin) cannot be combined with other paths\n")
        return EXIT_ERROR
    name = options.stdin_filename or "-"
    # The settings of the file the editor says this is, as if it were read from disk.
    settings = resolver.settings_for(name) if options.stdin_filename else resolver.settings_for_directory(os.getcwd())
    raw = sys.stdin.buffer.read()
    text: Optional[str] = None  # what --output-format full shows for the positions
    if (
        options.stdin_filename
        and options.force_exclude
        and is_force_excluded(name, options.exclude, resolver.exclude_globs)
    ):
        # As ruff: an excluded file is passed through untouched, so editor integrations keep it as it is.
        if mode is Mode.FIX:
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        return EXIT_CLEAN
    if name.endswith(NOTEBOOK_SUFFIX):
        outcome = process_notebook(name, raw, mode, settings)
    else:
        try:
            source = decode_source(raw, name)
            text = source.text
            outcome = process_source(source, mode, settings)
        except SourceError as error:
            outcome = FileOutcome(name, error=str(error))
    outcome = relocate_remaining(outcome, settings)
    scope_hazards([outcome])
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
