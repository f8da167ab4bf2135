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
