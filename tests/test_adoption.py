"""What ruff users reach for on a large code base: --statistics, --show-fixes, --add-noqa and the
concise/full output formats (issue 12, adoption features)."""

from __future__ import annotations

import json

from cli_helpers import run

SOURCE = (
    "import torch.nn as nn\n"
    "a = nn.BatchNorm2d(8)\n"
    "b = nn.BatchNorm2d(8, **kw)\n"
    "c = nn.BatchNorm1d(3)\n"
    "d = nn.BatchNorm3d(4, **kw)\n"
    "e = nn.BatchNorm2d(2, **kw)\n"
)
BN001_TITLE = "norm layer constructed with running stats"
BN005_TITLE = "track_running_stats cannot be decided statically"


def test_statistics_prints_one_line_per_code_with_count_and_fixability(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    result = run("--check", "--statistics", "m.py", cwd=tmp_path)

    assert result.code == 1
    assert result.lines == [
        f"3\tBN005\t[ ] {BN005_TITLE}",
        f"2\tBN001\t[*] {BN001_TITLE}",
        "Found 5 issues in 1 file (2 fixable with `bn-codemod fix`).",
    ]


def test_statistics_in_fix_mode_counts_what_remains(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    result = run("--statistics", "m.py", cwd=tmp_path)

    assert result.lines == [f"3\tBN005\t[ ] {BN005_TITLE}", "Fixed 2 issues (3 remaining)."]


def test_statistics_as_json(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    result = run("--check", "--statistics", "--output-format", "json", "m.py", cwd=tmp_path)

    assert json.loads(result.out) == [
        {"code": "BN005", "name": BN005_TITLE, "count": 3, "fixable": False, "fixable_count": 0},
        {"code": "BN001", "name": BN001_TITLE, "count": 2, "fixable": True, "fixable_count": 2},
    ]


def test_statistics_cannot_be_combined_with_diff(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    result = run("--diff", "--statistics", "m.py", cwd=tmp_path)

    assert result.code == 2
    assert result.err.splitlines()[-1] == "bn-codemod: error: --statistics cannot be combined with --diff"
    assert (tmp_path / "m.py").read_text() == SOURCE


# --add-noqa


def test_add_noqa_in_fix_mode_fixes_then_suppresses_what_remains_and_is_idempotent(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    first = run("--add-noqa", "m.py", cwd=tmp_path)
    after_first = (tmp_path / "m.py").read_text()
    second = run("--add-noqa", "m.py", cwd=tmp_path)
    check = run("--check", "m.py", cwd=tmp_path)

    assert first.code == 0
    assert first.err == "Fixed 2 issues (3 remaining).\nAdded 3 noqa directives.\n"
    assert after_first == (
        "import torch.nn as nn\n"
        "a = nn.BatchNorm2d(8, track_running_stats=False)\n"
        "b = nn.BatchNorm2d(8, **kw)  # noqa: BN005\n"
        "c = nn.BatchNorm1d(3, track_running_stats=False)\n"
        "d = nn.BatchNorm3d(4, **kw)  # noqa: BN005\n"
        "e = nn.BatchNorm2d(2, **kw)  # noqa: BN005\n"
    )
    assert (second.code, second.err) == (0, "No issues found in 1 file.\nAdded 0 noqa directives.\n")
    assert (tmp_path / "m.py").read_text() == after_first
    assert (check.code, check.lines) == (0, ["No issues found in 1 file."])


def test_add_noqa_in_check_mode_suppresses_everything_and_fixes_nothing(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\na = nn.BatchNorm2d(8)\n")

    result = run("--check", "--add-noqa", "m.py", cwd=tmp_path)

    assert (result.code, result.err) == (0, "Added 1 noqa directive.\n")
    assert (tmp_path / "m.py").read_text() == "import torch.nn as nn\na = nn.BatchNorm2d(8)  # noqa: BN001\n"


def test_add_noqa_merges_codes_keeps_comments_encoding_and_newlines(tmp_path):
    source = (
        "# -*- coding: latin-1 -*-\r\n"
        "import torch.nn as nn\r\n"
        "a = nn.BatchNorm2d(8, **kw)  # noqa:E501 long line\r\n"
        "b = nn.BatchNorm2d(8, **kw)  # type: ignore\r\n"
        "c = nn.BatchNorm2d(  # caf\xe9\r\n"
        "    8, **kw)\r\n"
    )
    (tmp_path / "m.py").write_bytes(source.encode("latin-1"))

    result = run("--check", "--add-noqa", "m.py", cwd=tmp_path)

    assert result.code == 0
    assert (tmp_path / "m.py").read_bytes() == source.replace(
        "# noqa:E501 long line", "# noqa: BN005, E501 long line"
    ).replace("# type: ignore", "# type: ignore  # noqa: BN005").replace(
        "# caf\xe9", "# caf\xe9  # noqa: BN005"
    ).encode("latin-1")


def test_add_noqa_warns_where_a_comment_cannot_go_and_exits_1(tmp_path):
    source = 'import torch.nn as nn\nx = str(nn.BatchNorm2d(3, **kw)) + """\n"""\ny = nn.BatchNorm2d(8, **kw)  # noqa: BN\n'
    (tmp_path / "m.py").write_text(source)

    result = run("--check", "--add-noqa", "m.py", cwd=tmp_path)

    assert result.code == 1
    assert (tmp_path / "m.py").read_text() == source
    assert [line.split(": ")[0] for line in result.err.splitlines()] == [
        "warning", "warning", "warning", "Added 0 noqa directives."
    ]
    assert "warning: m.py:2: cannot add a noqa directive here" in result.err
    assert "warning: m.py:4: cannot add a noqa directive here" in result.err


def test_add_noqa_cannot_be_combined_with_diff_or_stdin(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    with_diff = run("--diff", "--add-noqa", "m.py", cwd=tmp_path)
    with_stdin = run("--check", "--add-noqa", "-", cwd=tmp_path, stdin=SOURCE.encode())

    assert with_diff.code == with_stdin.code == 2
    assert with_diff.err.splitlines()[-1] == "bn-codemod: error: --add-noqa cannot be combined with --diff"
    assert with_stdin.err.splitlines()[-1] == "bn-codemod: error: --add-noqa edits files; it cannot read stdin"
    assert (tmp_path / "m.py").read_text() == SOURCE


# --output-format concise (the default; "text" is its old name), full, gitlab, junit


def test_concise_is_the_default_and_text_its_alias(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    default = run("--check", "m.py", cwd=tmp_path)
    concise = run("--check", "--output-format", "concise", "m.py", cwd=tmp_path)
    text = run("--check", "--output-format", "text", "m.py", cwd=tmp_path)

    assert default.out == concise.out == text.out
    assert default.lines[0] == (
        "m.py:2:5: BN001 BatchNorm2d tracks running stats, which torch.func.vmap cannot update in place: "
        "set track_running_stats=False [*]"
    )


def test_full_shows_the_source_line_and_carets_under_the_finding(tmp_path):
    source = "import torch.nn as nn\nlayers = [\n\tnn.BatchNorm2d(8, **kw), nn.BatchNorm1d(\n        4)]\n"
    (tmp_path / "m.py").write_text(source)

    from_file = run("--check", "--output-format", "full", "m.py", cwd=tmp_path)
    from_stdin = run(
        "--check", "--output-format", "full", "--stdin-filename", "m.py", "-", cwd=tmp_path,
        stdin=source.replace("nn.BatchNorm1d(\n        4)", "nn.BatchNorm1d(4)  ").encode(),
    )

    assert from_file.code == 1
    assert from_file.out.split("\n", 1)[1] == (
        "  |\n"
        "3 | \tnn.BatchNorm2d(8, **kw), nn.BatchNorm1d(\n"
        "  | \t^^^^^^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "m.py:3:27: BN001 BatchNorm1d tracks running stats, which torch.func.vmap cannot update in place: "
        "set track_running_stats=False [*]\n"
        "  |\n"
        "3 | \tnn.BatchNorm2d(8, **kw), nn.BatchNorm1d(\n"
        "  | \t" + " " * 25 + "^" * 15 + "\n"
        "\n"
        "Found 2 issues in 1 file (1 fixable with `bn-codemod fix`).\n"
    )
    # stdin: the lines shown are those read from stdin, not the file of the same name.
    assert "3 | \tnn.BatchNorm2d(8, **kw), nn.BatchNorm1d(4)  ]\n  | \t" + " " * 25 + "^" * 17 + "\n" in from_stdin.out


def test_gitlab_code_quality_report(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    (tmp_path / "bad.py").write_text("import torch.nn as nn\nnn.BatchNorm2d(\n")

    result = run("--check", "--output-format", "gitlab", ".", cwd=tmp_path)

    issues = json.loads(result.out)
    assert result.code == 2
    assert [(i["check_name"], i["location"]["path"], i["severity"]) for i in issues] == [
        ("BN001", "m.py", "major"),
        ("BN005", "m.py", "major"),
        ("BN001", "m.py", "major"),
        ("BN005", "m.py", "major"),
        ("BN005", "m.py", "major"),
        ("error", "bad.py", "blocker"),
    ]
    assert issues[0]["location"]["positions"] == {"begin": {"line": 2, "column": 5}, "end": {"line": 2, "column": 22}}
    assert issues[0]["description"].startswith("BN001: BatchNorm2d tracks running stats")
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)  # GitLab needs them unique
    # Stable while the code moves: the same findings two lines down keep their fingerprints.
    (tmp_path / "m.py").write_text("\n\n" + SOURCE)
    moved = json.loads(run("--check", "--output-format", "gitlab", ".", cwd=tmp_path).out)
    assert [i["fingerprint"] for i in moved] == fingerprints


def test_junit_report(tmp_path):
    from xml.etree import ElementTree

    (tmp_path / "m.py").write_text(SOURCE)
    (tmp_path / "bad.py").write_text("import torch.nn as nn\nnn.BatchNorm2d(\n")

    result = run("--check", "--output-format", "junit", ".", cwd=tmp_path)

    root = ElementTree.fromstring(result.out)
    assert result.code == 2
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "6", "5", "1")
    suites = {suite.get("name"): suite for suite in root}
    cases = suites["m.py"].findall("testcase")
    assert [(c.get("name"), c.get("line"), c.get("column")) for c in cases][:2] == [
        ("bn_codemod.BN001", "2", "5"), ("bn_codemod.BN005", "3", "5")
    ]
    assert cases[1].find("failure").text == "line 3, col 5, BatchNorm2d: track_running_stats may be set by **kwargs"
    assert suites["bad.py"].find("testcase/error").get("message").startswith("cannot parse")


def test_add_noqa_suppresses_hazards_only_where_the_run_shows_them(tmp_path):
    from test_hazards import TRAIN, project

    project(tmp_path)

    alone = run("--check", "--add-noqa", "train.py", cwd=tmp_path)  # no norm layers: no hazard shown
    assert (alone.code, alone.err, (tmp_path / "train.py").read_text()) == (0, "Added 0 noqa directives.\n", TRAIN)

    whole = run("--add-noqa", ".", cwd=tmp_path)  # model.py builds norm layers: fixed, hazards suppressed
    assert whole.code == 0
    assert (tmp_path / "train.py").read_text() == TRAIN.replace(
        "(torch.load(path))\n", "(torch.load(path))  # noqa: BN011\n"
    ).replace("(model[0], model[1])\n", "(model[0], model[1])  # noqa: BN010\n")
    assert run("--check", ".", cwd=tmp_path).code == 0
