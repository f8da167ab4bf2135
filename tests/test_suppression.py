"""# noqa and # bn-codemod: skip-file: a suppressed finding is never reported and never fixed."""

from __future__ import annotations

from bn_codemod import check_source, fix_source
from cli_helpers import run

HEAD = "import torch.nn as nn\n"


def codes(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in check_source(source)]


def test_bare_noqa_suppresses_and_prevents_the_fix():
    source = HEAD + "a = nn.BatchNorm2d(8)  # noqa\nb = nn.BatchNorm2d(8)\n"

    fixed, findings = fix_source(source)

    assert [(f.code, f.line) for f in findings] == [("BN001", 3)]
    assert fixed == HEAD + "a = nn.BatchNorm2d(8)  # noqa\nb = nn.BatchNorm2d(8, track_running_stats=False)\n"


def test_noqa_with_codes_suppresses_only_those_codes():
    source = HEAD + "a = nn.BatchNorm2d(8)  # noqa: BN002\nb = nn.BatchNorm2d(8)  # noqa: BN001, E501\n"

    assert codes(source) == [("BN001", 2)]


def test_noqa_on_the_first_or_the_last_line_of_a_multiline_call():
    source = HEAD + (
        "a = nn.BatchNorm2d(  # noqa: BN001\n    8,\n)\n"
        "b = nn.BatchNorm2d(\n    8,\n)  # noqa\n"
        "c = nn.BatchNorm2d(\n    8,  # noqa\n)\n"
    )

    assert codes(source) == [("BN001", 8)]


def test_noqa_inside_a_string_is_not_a_comment():
    source = HEAD + 'a = nn.BatchNorm2d(8, name="# noqa")\n'

    assert codes(source) == [("BN001", 2)]


def test_skip_file_in_the_first_lines_skips_the_file():
    source = "# bn-codemod: skip-file\n" + HEAD + "a = nn.BatchNorm2d(8)\n"

    assert fix_source(source) == (source, [])


def test_skip_file_far_down_does_not_count():
    source = HEAD + "\n" * 30 + "# bn-codemod: skip-file\na = nn.BatchNorm2d(8)\n"

    assert codes(source) == [("BN001", 33)]


def test_select_and_ignore_choose_rules_by_code_or_prefix():
    source = HEAD + "NORM = nn.BatchNorm2d\nb = nn.BatchNorm2d(8, **kw)\nc = nn.BatchNorm2d(8)\n"

    assert [f.code for f in check_source(source)] == ["BN002", "BN005", "BN001"]
    assert [f.code for f in check_source(source, select=["BN001"])] == ["BN001"]
    assert [f.code for f in check_source(source, ignore=["BN00"])] == []
    assert [f.code for f in check_source(source, ignore=["BN00"], select=["BN002"])] == ["BN002"]


def test_deselected_rules_are_not_fixed():
    source = HEAD + "NORM = nn.BatchNorm2d\nc = nn.BatchNorm2d(8)\n"

    fixed, _ = fix_source(source, select=["BN001"])

    assert fixed == HEAD + "NORM = nn.BatchNorm2d\nc = nn.BatchNorm2d(8, track_running_stats=False)\n"


def test_cli_select_ignore_and_exit_zero(tmp_path):
    (tmp_path / "m.py").write_text(HEAD + "a = nn.BatchNorm2d(8, **kw)\nb = nn.BatchNorm2d(8)\n")

    only_bn005 = run("--check", "--select", "BN005", "m.py", cwd=tmp_path)
    ignored = run("--check", "--ignore", "BN001,BN005", "m.py", cwd=tmp_path)
    zero = run("--check", "--exit-zero", "m.py", cwd=tmp_path)

    assert [line.split()[1] for line in only_bn005.lines[:-1]] == ["BN005"]
    assert (ignored.code, ignored.lines) == (0, ["No issues found in 1 file."])
    assert zero.code == 0 and "Found 2 issues" in zero.out


def test_cli_rejects_an_unknown_code(tmp_path):
    (tmp_path / "m.py").write_text(HEAD)

    result = run("--select", "XYZ1", "m.py", cwd=tmp_path)

    assert result.code == 2
    assert result.err.startswith("error: --select: unknown rule code or prefix 'XYZ1'")
