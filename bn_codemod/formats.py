"""Output formats for `--output-format`: `render()` turns outcomes into one string.

concise (the default; `text` is its old name)
    bn_codemod.report: one finding a line, then a summary. In fix mode only what remains is listed
    (what was fixed too, with --show-fixes).

full
    concise, with each open finding's source line under a gutter and carets under the finding (to
    the end of the line when it spans lines), as ruff's full format. Not for notebook findings.

json (schema version 1)
    One JSON object, indented, ending in a newline::

        {
          "version": 1,
          "tool": "bn-codemod",
          "tool_version": "0.1.0",
          "findings": [
            {
              "file": "src/models/resnet.py",
              "line": 14,
              "column": 19,
              "end_line": 14,
              "end_column": 37,
              "cell": null,
              "code": "BN001",
              "message": "BatchNorm2d tracks running stats, ...",
              "fixable": true,
              "fix_applied": false
            }
          ],
          "errors": [
            {"file": "src/broken.py", "line": 3, "column": 5, "message": "invalid syntax"}
          ]
        }

    - "version" is the schema's version, not the tool's: within version 1 keys may be added, never
      removed, renamed or given another type.
    - "file" is the path exactly as the text output prints it.
    - "line", "column", "end_line", "end_column" are 1-based; columns count characters (code points);
      "end_column" is exclusive (one past the last character), as in SARIF.
    - "cell" is the 1-based notebook cell, and the positions then count within that cell; null for
      ordinary source files.
    - "fixable": `bn-codemod PATH` fixes it. "fix_applied": this run fixed it (fix mode only).
    - "errors" lists files that could not be read, decoded, parsed or written; "line" and "column"
      are null when the error has no position, and "message" does not repeat the path.
    - Order is the order of the outcomes given (files in discovery order, findings in source order).

github
    GitHub Actions workflow commands, one a line, which GitHub shows as annotations on the pull request::

        ::error file=src/a.py,line=14,col=19,endLine=14,endColumn=37,title=BN001::BatchNorm2d tracks ...

    Every unresolved finding is an `error` (a --check run fails the job, so the annotation should
    match); a finding this run already fixed is a `notice`. Fixable findings end in "(bn-codemod can
    fix this)", fixed ones in "(fixed)". A notebook finding cannot be pointed at (GitHub would mark
    that line of the .ipynb JSON), so it is a file-level annotation whose message starts with
    "cell N, line L, column C: ". A file that could not be processed is
    `::error file=PATH[,line=L[,col=C]]::reason`. PATH is relative to the directory bn-codemod ran in,
    with forward slashes, so run it from the repository root. Values are escaped as GitHub's toolkit
    does: % CR LF in messages, and also : and , in properties.

gitlab
    GitLab Code Quality: a JSON list of {check_name, description, severity, fingerprint, location}.
    Open findings are "major", fixed ones "info", files not processed "blocker" (check_name
    "error"). The fingerprint hashes path, code and message (and a count for repeats), never the
    line, so a finding keeps it while code above it changes.

junit
    JUnit XML: a testsuite per file with open findings or an error, a failing testcase per open
    finding (name bn_codemod.CODE, line and column), an `error` testcase for a file not processed.

sarif
    SARIF 2.1.0, one run. `tool.driver.rules` lists every rule in bn_codemod.rules.RULES (id = the
    stable code) plus a bare descriptor for any other code a finding carries. Results are level
    `error` (`note` when this run fixed them), located by a URI relative to `%SRCROOT%`, the directory
    bn-codemod ran in (an absolute path outside it stays a file: URI), with a region in code points
    (`columnKind` "unicodeCodePoints", `endColumn` exclusive). A notebook finding names the cell in its
    message and in `properties` (cell, cellLine, cellColumn); its region is line 1, since SARIF lines
    count the notebook's JSON. Files that could not be processed are `toolExecutionNotifications` of
    `invocations[0]`, whose `executionSuccessful` is then false.

File names that are not valid UTF-8
    json, github, sarif, gitlab and junit output is always valid UTF-8. A byte of a file name that does not
    decode is written as the text \\xNN (b"caf\\xe9.py" -> "caf\\xe9.py"; see utf8_text); a SARIF
    URI percent-encodes the name's bytes instead ("caf%E9.py"). The text format prints the name's
    bytes unchanged, as ls and grep do.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable, Optional, Sequence
from urllib.parse import quote

from . import REPOSITORY_URL
from .findings import Finding
from .report import summary, write_text
from .rules import RULES, Rule, explain
from .runner import FileOutcome, Mode

OUTPUT_FORMATS = ("concise", "full", "text", "json", "github", "sarif", "gitlab", "junit")
# Read by people, with the summary line; "text" is the name "concise" had before.
HUMAN_FORMATS = ("concise", "full", "text")
JSON_SCHEMA_VERSION = 1
TOOL_NAME = "bn-codemod"
# The tool's documentation (its README); informationUri must be an absolute URI.
INFORMATION_URI = f"{REPOSITORY_URL}#readme"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_SOURCE_ROOT = "%SRCROOT%"


def render(
    outcomes: Sequence[FileOutcome],
    output_format: str,
    tool_version: str,
    *,
    mode: Mode = Mode.CHECK,
    quiet: bool = False,
    show_fixes: bool = False,
    source_of: Optional[Callable[[str], Optional[str]]] = None,
) -> str:
    """All of the report in `output_format`. `mode`, `quiet`, `show_fixes` and `source_of` (the
    text a file's positions refer to; default: the file as it is now) shape the human formats only."""
    if output_format in HUMAN_FORMATS:
        buffer = io.StringIO()
        full_source = (source_of or read_source_text) if output_format == "full" else None
        write_text(outcomes, mode, buffer, quiet=quiet, show_fixes=show_fixes, source_of=full_source)
        return buffer.getvalue()
    renderers: dict[str, Callable[[Sequence[FileOutcome], str], str]] = {
        "json": render_json,
        "github": render_github,
        "sarif": render_sarif,
        "gitlab": render_gitlab,
        "junit": render_junit,
    }
    if output_format not in renderers:
        raise ValueError(f"unknown output format {output_format!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    return renderers[output_format](outcomes, tool_version)


def read_source_text(path: str) -> Optional[str]:
    """The file as it is now, decoded as the analysis decodes it; None when it cannot be read."""
    from .source import SourceError, read_source

    try:
        return read_source(path).text
    except SourceError:
        return None


# ---------------------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class CodeCount:
    code: str
    name: str
    count: int
    fixable_count: int


def code_counts(outcomes: Sequence[FileOutcome]) -> list[CodeCount]:
    """Per rule code, the findings still open (in fix mode: not fixed), most frequent first."""
    counts: dict[str, list[int]] = {}
    for outcome in outcomes:
        for finding in outcome.findings:
            if not finding.fixed:
                tally = counts.setdefault(finding.code, [0, 0])
                tally[0] += 1
                tally[1] += finding.fixable
    rows = [
        CodeCount(code, RULES[code].title if code in RULES else code, count, fixable)
        for code, (count, fixable) in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row.count, row.code))


def render_statistics(
    outcomes: Sequence[FileOutcome], output_format: str, mode: Mode = Mode.CHECK, quiet: bool = False
) -> str:
    """--statistics, as ruff prints it: one line per code (count, code, [*] when some are fixable,
    title), then the summary; with --output-format json, a list of {code, name, count, fixable,
    fixable_count}."""
    rows = code_counts(outcomes)
    if output_format == "json":
        document = [
            {"code": row.code, "name": row.name, "count": row.count, "fixable": row.fixable_count > 0,
             "fixable_count": row.fixable_count}
            for row in rows
        ]
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if quiet:
        return ""
    width = max((len(str(row.count)) for row in rows), default=1)
    lines = [f"{row.count:>{width}}\t{row.code}\t{'[*]' if row.fixable_count else '[ ]'} {row.name}" for row in rows]
    return "".join(line + "\n" for line in lines) + summary(list(outcomes), mode) + "\n"


# ---------------------------------------------------------------------------------------------- json


def render_json(outcomes: Sequence[FileOutcome], tool_version: str) -> str:
    document = {
        "version": JSON_SCHEMA_VERSION,
        "tool": TOOL_NAME,
        "tool_version": tool_version,
        "findings": [_json_finding(outcome.path, finding) for outcome in outcomes for finding in outcome.findings],
        "errors": [_json_error(error) for error in _file_errors(outcomes)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_finding(path: str, finding: Finding) -> dict[str, Any]:
    return {
        "file": utf8_text(path),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "cell": finding.cell,
        "code": finding.code,
        "message": finding.message,
        "fixable": finding.fixable,
        "fix_applied": finding.fixed,
    }


def _json_error(error: _FileError) -> dict[str, Any]:
    return {"file": utf8_text(error.path), "line": error.line, "column": error.column, "message": utf8_text(error.message)}


# -------------------------------------------------------------------------------------------- github


def render_github(outcomes: Sequence[FileOutcome], tool_version: str) -> str:
    lines = []
    for outcome in outcomes:
        for finding in outcome.findings:
            lines.append(_github_finding(outcome.path, finding))
    for error in _file_errors(outcomes):
        properties = {"file": _workspace_path(error.path)}
        if error.line is not None:
            properties["line"] = str(error.line)
            if error.column is not None:
                properties["col"] = str(error.column)
        lines.append(_workflow_command("error", properties, error.message))
    return "".join(line + "\n" for line in lines)


def _github_finding(path: str, finding: Finding) -> str:
    properties = {"file": _workspace_path(path)}
    message = finding.message
    if finding.cell is None:
        properties.update(
            line=str(finding.line),
            col=str(finding.column),
            endLine=str(finding.end_line),
            endColumn=str(finding.end_column),
        )
    else:
        message = f"{_cell_position(finding)}: {message}"
    properties["title"] = finding.code
    if finding.fixed:
        message += " (fixed)"
    elif finding.fixable:
        message += " (bn-codemod can fix this)"
    return _workflow_command("notice" if finding.fixed else "error", properties, message)


def _workflow_command(command: str, properties: dict[str, str], message: str) -> str:
    rendered = ",".join(f"{name}={escape_property(utf8_text(value))}" for name, value in properties.items())
    return f"::{command}{' ' + rendered if rendered else ''}::{escape_data(utf8_text(message))}"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as @actions/core does (% first, or it escapes itself)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and also the separators : and ,."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


# --------------------------------------------------------------------------------------------- sarif


def render_sarif(outcomes: Sequence[FileOutcome], tool_version: str) -> str:
    rules = [_sarif_rule(rule) for rule in RULES.values()]
    rule_indices = {code: index for index, code in enumerate(RULES)}
    results = []
    for outcome in outcomes:
        for finding in outcome.findings:
            if finding.code not in rule_indices:
                # A code this version does not document still gets a descriptor, so ruleIndex is valid.
                rule_indices[finding.code] = len(rules)
                rules.append(_bare_sarif_rule(finding.code))
            results.append(_sarif_result(outcome.path, finding, rule_indices[finding.code]))
    notifications = [_sarif_notification(error) for error in _file_errors(outcomes)]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    document = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                # Finding columns count characters, not the UTF-16 units SARIF would otherwise assume.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": _pascal_case(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what_it_does},
        "help": {"text": explain(rule.code), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": "error"},
        "properties": {"fixable": rule.fixable, "fixSafety": rule.fix_safety, "tags": ["vmap", "batchnorm"]},
    }


def _bare_sarif_rule(code: str) -> dict[str, Any]:
    return {"id": code, "shortDescription": {"text": code}, "defaultConfiguration": {"level": "error"}}


def _help_markdown(rule: Rule) -> str:
    fixable = "yes, automatically" if rule.fixable else "no (report only)"
    return (
        f"**{rule.code}: {_markdown_text(rule.title)}**\n\n"
        f"{_markdown_text(rule.what_it_does)}\n\n"
        f"#### Why it matters\n\n{_markdown_text(rule.why)}\n\n"
        f"#### Example\n\n```python\n{rule.example_before}\n```\n\nbecomes\n\n"
        f"```python\n{rule.example_after}\n```\n\n"
        f"Fixable: {fixable}\n\n"
        f"#### Fix safety\n\n{_markdown_text(rule.fix_safety)}\n"
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _markdown_text(text: str) -> str:
    # Rule prose says **kwargs, __init__ and <the builder's eps>: literal text, not emphasis or HTML.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _pascal_case(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", title))


def _sarif_result(path: str, finding: Finding, rule_index: int) -> dict[str, Any]:
    physical_location: dict[str, Any] = {"artifactLocation": _artifact_location(path)}
    message = finding.message
    properties: dict[str, Any] = {"fixable": finding.fixable, "fixed": finding.fixed}
    if finding.cell is None:
        physical_location["region"] = {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
        }
    else:
        # A region addresses the notebook's JSON text, not a cell; GitHub needs one, so line 1 stands in.
        physical_location["region"] = {"startLine": 1}
        message = f"{_cell_position(finding)}: {message}"
        properties.update(cell=finding.cell, cellLine=finding.line, cellColumn=finding.column)
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": "note" if finding.fixed else "error",
        "message": {"text": utf8_text(message)},
        "locations": [{"physicalLocation": physical_location}],
        "properties": properties,
    }


def _sarif_notification(error: _FileError) -> dict[str, Any]:
    physical_location: dict[str, Any] = {"artifactLocation": _artifact_location(error.path)}
    if error.line is not None:
        region = {"startLine": error.line}
        if error.column is not None:
            region["startColumn"] = error.column
        physical_location["region"] = region
    return {
        "level": "error",
        "message": {"text": utf8_text(error.message)},
        "locations": [{"physicalLocation": physical_location}],
    }


def _artifact_location(path: str) -> dict[str, str]:
    path = _workspace_path(path)
    if os.path.isabs(path):
        return {"uri": PurePath(path).as_uri()}
    # quote() keeps "/" and encodes ":" so a first segment like "c:x.py" cannot read as a scheme;
    # quoting the name's bytes gives %E9 for a byte that is not UTF-8, exactly as RFC 3986 allows.
    return {"uri": quote(os.fsencode(path), safe="/"), "uriBaseId": SARIF_SOURCE_ROOT}


# -------------------------------------------------------------------------------------------- gitlab


def render_gitlab(outcomes: Sequence[FileOutcome], tool_version: str) -> str:
    """GitLab Code Quality: a JSON list of issues, as `ruff --output-format gitlab` writes them."""
    issues = []
    seen: dict[str, int] = {}
    for outcome in outcomes:
        for finding in outcome.findings:
            path = utf8_text(_workspace_path(outcome.path))
            begin = {"line": finding.line, "column": finding.column}
            end = {"line": finding.end_line, "column": finding.end_column}
            if finding.cell is not None:  # the notebook's JSON has no such line: point at the file
                begin = end = {"line": 1, "column": 1}
            description = f"{finding.code}: {finding.message}"
            if finding.cell is not None:
                description = f"{finding.code}: {_cell_position(finding)}: {finding.message}"
            issues.append({
                "check_name": finding.code,
                "description": description,
                "severity": "info" if finding.fixed else "major",
                "fingerprint": _fingerprint(seen, path, finding.code, finding.message),
                "location": {"path": path, "positions": {"begin": begin, "end": end}},
            })
    for error in _file_errors(outcomes):
        path = utf8_text(_workspace_path(error.path))
        issues.append({
            "check_name": "error",
            "description": utf8_text(error.message),
            "severity": "blocker",
            "fingerprint": _fingerprint(seen, path, "error", error.message),
            "location": {"path": path, "lines": {"begin": error.line or 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(seen: dict[str, int], *parts: str) -> str:
    """Stable while the code moves (no line numbers); a repeat of the same text counts up."""
    import hashlib

    base = "\0".join(parts)
    occurrence = seen[base] = seen.get(base, -1) + 1
    return hashlib.sha256(f"{base}\0{occurrence}".encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------------------------- junit


def render_junit(outcomes: Sequence[FileOutcome], tool_version: str) -> str:
    """JUnit XML, as `ruff --output-format junit`: one testsuite per file with findings or an error,
    one failing testcase per open finding, an `error` testcase for a file that was not processed."""
    from xml.etree import ElementTree

    root = ElementTree.Element("testsuites", name=TOOL_NAME)
    total = failures = errors = 0
    for outcome in outcomes:
        open_findings = [finding for finding in outcome.findings if not finding.fixed]
        if not open_findings and not outcome.error:
            continue
        path = utf8_text(outcome.path)
        suite = ElementTree.SubElement(root, "testsuite", name=path, package="bn_codemod")
        for finding in open_findings:
            case = ElementTree.SubElement(
                suite, "testcase", name=f"bn_codemod.{finding.code}", classname=path,
                line=str(finding.line), column=str(finding.column),
            )
            cell = f"cell {finding.cell}, " if finding.cell is not None else ""
            failure = ElementTree.SubElement(case, "failure", message=finding.message)
            failure.text = f"{cell}line {finding.line}, col {finding.column}, {finding.message}"
        if outcome.error:
            error = _parse_error(outcome.path, outcome.error)
            case = ElementTree.SubElement(suite, "testcase", name="bn_codemod.error", classname=path)
            ElementTree.SubElement(case, "error", message=utf8_text(error.message)).text = utf8_text(outcome.error)
        suite_errors = 1 if outcome.error else 0
        suite.set("tests", str(len(open_findings) + suite_errors))
        suite.set("failures", str(len(open_findings)))
        suite.set("errors", str(suite_errors))
        total += len(open_findings) + suite_errors
        failures += len(open_findings)
        errors += suite_errors
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


# ------------------------------------------------------------------------------------------- shared


@dataclass(frozen=True)
class _FileError:
    path: str
    line: Optional[int]
    column: Optional[int]
    message: str  # without the path and position


# The runner's errors read "PATH: reason", "PATH:LINE: reason" or "PATH:LINE:COLUMN: reason".
_ERROR_POSITION = re.compile(r":(\d+)(?::(\d+))?: ")


def _file_errors(outcomes: Sequence[FileOutcome]) -> list[_FileError]:
    return [_parse_error(outcome.path, outcome.error) for outcome in outcomes if outcome.error]


def _parse_error(path: str, text: str) -> _FileError:
    if text.startswith(path):
        rest = text[len(path):]
        position = _ERROR_POSITION.match(rest)
        if position:
            column = int(position[2]) if position[2] else None
            return _FileError(path, int(position[1]), column, rest[position.end():])
        if rest.startswith(": "):
            return _FileError(path, None, None, rest[2:])
    return _FileError(path, None, None, text)


def utf8_text(text: str) -> str:
    """`text` as valid UTF-8: a file name's bytes that are not UTF-8 (which os.fsdecode keeps as
    lone surrogates) become the four characters \\xNN, so b"caf\\xe9.py" is shown as caf\\xe9.py."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _workspace_path(path: str) -> str:
    """`path` relative to the directory bn-codemod ran in (GitHub's workspace), with forward slashes;
    an absolute path outside that directory stays absolute."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = os.pardir
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            path = relative
    for separator in (os.sep, os.altsep):
        if separator and separator != "/":
            path = path.replace(separator, "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _cell_position(finding: Finding) -> str:
    return f"cell {finding.cell}, line {finding.line}, column {finding.column}"
