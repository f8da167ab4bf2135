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
