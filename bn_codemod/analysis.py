"""Source text in, new source text and findings out: no files, no printing."""

from __future__ import annotations

import ast
import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from .config import Settings
from .findings import Edit, Finding
from .knowledge import HAZARD_TOKENS, PREFILTER_MODEL_TOKENS, PREFILTER_ROOTS, PREFILTER_TOKENS
from .reduction import blank_inert_bodies, statement_lines
from .rules import HAZARD_CODES
from .suppressions import NoqaProblem, noqa_problems, skips_file

DEFAULT_SETTINGS = Settings()
CodeList = Union[str, Sequence[str], None]


class ParseError(Exception):
    """The source is not valid Python; str() is one line."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Analysis:
    new_source: str
    findings: list[Finding] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    noqa_problems: tuple[NoqaProblem, ...] = ()  # malformed `# noqa` comments, to warn about
    # Whether the file builds norm layers (tracking or patched): hazards are shown only in a run
    # where some file does (see hazards_in_scope).
    builds_norm_layers: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.edits)


def hazards_in_scope(findings: list[Finding], builds_norm_layers: bool) -> list[Finding]:
    """The findings to show: hazards (BN009-BN011) only when the run builds norm layers."""
    return findings if builds_norm_layers else [f for f in findings if f.code not in HAZARD_CODES]


def may_have_findings(source: bytes, extra_classes: Sequence[str] = ()) -> bool:
    """A cheap, conservative test on the raw bytes: False only when no finding is possible."""
    roots, tokens = PREFILTER_ROOTS, (*PREFILTER_TOKENS, *HAZARD_TOKENS)
    if extra_classes:
        roots = (*roots, *(name.split(".", 1)[0].encode() for name in extra_classes))
        tokens = (*tokens, *(name.rsplit(".", 1)[-1].encode() for name in extra_classes))
    return any(root in source for root in roots) and (
        any(token in source for token in tokens)
        or any(module in source and any(name in source for name in names) for module, names in PREFILTER_MODEL_TOKENS)
    )


def analyze(
    source: str, settings: Optional[Settings] = None, need_source: bool = True, *, strict: bool = False
) -> Analysis:
    """Run the visitor over `source`. Raises ParseError when libcst cannot parse it.

    A file that cannot hold a finding is never parsed, unless `strict` (the Python API's promise:
    invalid source always raises ParseError)."""
    settings = settings or DEFAULT_SETTINGS
    if not may_have_findings(source.encode("utf-8", "surrogatepass"), settings.extra_classes) or skips_file(source):
        if strict:
            _parse_with_cpython(source)
        return Analysis(source)
    tree = _parse_with_cpython(source)
    first_lines = statement_lines(tree)
    # A form feed in a blanked body would hide the refusal below (libcst drops such form feeds).
    reduced = blank_inert_bodies(source, tree, settings.extra_classes) if "\x0c" not in source else source
    if reduced != source:
        # Findings come from the reduced file (see reduction.py); a fix needs the whole file, so a
        # file with something to fix is visited again, whole, by the same visitor.
        analysis = _visit(reduced, settings, need_source=False, parse_errors=False, statement_lines=first_lines)
        if analysis is not None and (not analysis.edits or not need_source):
            return Analysis(
                source, analysis.findings, analysis.edits,
                noqa_problems=noqa_problems(source), builds_norm_layers=analysis.builds_norm_layers,
            )
    analysis = _visit(source, settings, need_source, statement_lines=first_lines)
    assert analysis is not None
    return dataclasses.replace(analysis, noqa_problems=noqa_problems(source))


def _visit(
    source: str,
    settings: Settings,
    need_source: bool,
    parse_errors: bool = True,
    statement_lines: Optional[Sequence[int]] = None,
) -> Optional[Analysis]:
    """The visitor over `source`. Without `parse_errors`, None when libcst cannot parse it."""
    # libcst is imported only when a file must be parsed: start-up stays small.
    import libcst as cst

    from .visitor import BatchNormVisitor

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        if not parse_errors:
            return None
        raise _explain_parse_failure(source, error.message) from None
    except RecursionError:
        raise ParseError("cannot parse: too deeply nested") from None
    visitor = BatchNormVisitor(source, settings.extra_classes, settings.enabled, statement_lines)
    try:
        new_module = module.visit(visitor)
    except RecursionError:
        raise ParseError("cannot analyse: too deeply nested") from None
    if visitor.edits and ("\x0c" in source or "\r" in source) and module.code != source:
        # libcst drops a form feed that starts a line and the last CR of a CR-only file: writing
        # would change bytes the visitor never meant to touch.
        raise ParseError("cannot rewrite exactly: libcst does not reproduce this file byte for byte "
                         "(a form feed or CR-only line endings); fix it by hand")
    new_source = new_module.code if visitor.edits and need_source else source  # check mode: no codegen
    return Analysis(
        new_source, sorted(visitor.findings, key=_position), visitor.edits, builds_norm_layers=visitor.builds_norm_layers
    )


def _parse_with_cpython(source: str) -> ast.Module:
    """CPython's C parser first: libcst's native parser crashes the process (a segfault, taking every
    other file's result with it) on nesting CPython rejects within milliseconds. Its tree tells
    reduction.py where each definition's body is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our business
            return compile(source, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        raise ParseError(f"cannot parse: {error.msg}", error.lineno or 0, error.offset or 0) from None
    except (RecursionError, MemoryError):
        raise ParseError("cannot parse: too deeply nested") from None
    except ValueError as error:  # e.g. source code string cannot contain null bytes
        raise ParseError(f"cannot parse: {error}") from None


def _explain_parse_failure(source: str, libcst_message: str) -> ParseError:
    """CPython's own message and line when it rejects the file too: shorter and exact."""
    try:
        compile(source, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return ParseError(f"cannot parse: {error.msg}", error.lineno or 0, error.offset or 0)
    except (ValueError, RecursionError, MemoryError) as error:
        return ParseError(f"cannot parse: {error}")
    first_line = libcst_message.strip().splitlines()[0] if libcst_message.strip() else "unknown error"
    return ParseError(f"libcst cannot parse this file (CPython can): {first_line[:200]}")


def fix_source(
    source: str,
    *,
    select: CodeList = ("BN",),
    ignore: CodeList = (),
    extra_classes: CodeList = (),
) -> tuple[str, list[Finding]]:
    """The fixed source and every finding, with `fixed=True` on the ones the fix resolved.

    `select`, `ignore` and `extra_classes` take a list of strings, or one string of comma-separated
    values as on the command line (`select="BN001,BN005"`); None means the default. The source is a
    run of its own: hazards are reported when it builds norm layers. Raises ParseError when the
    source is not valid Python, ValueError for an unknown rule code or a bad class name, TypeError
    for an argument of another type.
    """
    analysis = analyze(source, api_settings(select, ignore, extra_classes), strict=True)
    shown = hazards_in_scope(analysis.findings, analysis.builds_norm_layers)
    findings = [dataclasses.replace(f, fixed=f.fixable) for f in shown]
    return analysis.new_source, findings


def check_source(
    source: str,
    *,
    select: CodeList = ("BN",),
    ignore: CodeList = (),
    extra_classes: CodeList = (),
) -> list[Finding]:
    """Every finding in `source`; nothing is changed. Arguments and errors as for fix_source()."""
    analysis = analyze(source, api_settings(select, ignore, extra_classes), need_source=False, strict=True)
    return hazards_in_scope(analysis.findings, analysis.builds_norm_layers)


def api_settings(select: CodeList, ignore: CodeList, extra_classes: CodeList) -> Settings:
    """The API's arguments checked as the command line checks its flags, with the same messages."""
    from .config import ConfigError, check_codes, check_qualified_names

    defaults = Settings()
    try:
        return Settings(
            select=check_codes(_string_list(select, "select"), "select") if select is not None else defaults.select,
            ignore=check_codes(_string_list(ignore, "ignore"), "ignore") if ignore is not None else (),
            extra_classes=check_qualified_names(_string_list(extra_classes, "extra_classes"), "extra_classes")
            if extra_classes is not None
            else (),
        )
    except ConfigError as error:
        raise ValueError(str(error)) from None


def _string_list(value: CodeList, name: str) -> list[str]:
    """A list as given, or one string split at commas (`--select BN001,BN005`)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TypeError(f"{name}: expected a string or a list of strings, got {value!r}")


def _position(finding: Finding) -> tuple[int, int, str]:
    return finding.line, finding.column, finding.code
