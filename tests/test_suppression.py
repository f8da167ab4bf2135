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


# A malformed `# noqa` suppresses nothing and is warned about, as ruff does (issue 12, item 5).
def test_a_noqa_without_digits_suppresses_nothing_and_the_line_is_fixed():
    source = HEAD + "a = nn.BatchNorm2d(8)  # noqa: BN\n"

    fixed, findings = fix_source(source)

    assert [(f.code, f.line, f.fixed) for f in findings] == [("BN001", 2, True)]
    assert fixed == HEAD + "a = nn.BatchNorm2d(8, track_running_stats=False)  # noqa: BN\n"


def test_cli_warns_about_a_malformed_noqa_on_every_run_and_keeps_the_finding(tmp_path):
    (tmp_path / "m.py").write_text(HEAD + "a = nn.BatchNorm2d(8)  # noqa: BN\nb = nn.BatchNorm2d(8)  # noqa:\n")
    warnings = [
        "warning: m.py:2: invalid noqa directive: expected a comma-separated list of codes (e.g., `# noqa: BN001, BN005`)",
        "warning: m.py:3: invalid noqa directive: expected a comma-separated list of codes (e.g., `# noqa: BN001, BN005`)",
    ]

    cold = run("--check", "m.py", cwd=tmp_path)
    warm = run("--check", "m.py", cwd=tmp_path)  # the cache must not swallow the warning
    quiet = run("--check", "-q", "m.py", cwd=tmp_path)

    for result in (cold, warm):
        assert result.code == 1
        assert [line.split(" ")[0] for line in result.lines[:-1]] == ["m.py:2:5:", "m.py:3:5:"]
        assert result.err.splitlines() == warnings
    assert (quiet.code, quiet.err) == (1, "")


def test_notebook_noqa_warnings_name_the_cell(tmp_path):
    import json

    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in ("import torch.nn as nn\n", "x = 1\na = nn.BatchNorm2d(8)  # noqa: bn001\n")
    ]
    notebook = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "n.ipynb").write_text(json.dumps(notebook))

    result = run("--check", "n.ipynb", cwd=tmp_path)

    assert result.code == 1
    assert result.lines[0].startswith("n.ipynb:cell 2:2:5: BN001 ")
    assert result.err.startswith("warning: n.ipynb:cell 2:2: invalid noqa directive: expected a comma-separated list")


# Each comment next to an unused import: whether ruff suppresses F401 there and warns about it is
# what bn-codemod's reading must say too.
NOQA_COMMENTS = [
    "# noqa", "#noqa", "# NOQA", "# noqa because we must", "# noqa# twice", "# noqa: F401", "# noqa:F401",
    "# noqa : F401", "# noqa:F401,", "# noqa: E501 F401", "# noqa: E501,F401", "# noqa:E501F401",
    "# noqa:F401,,E501", "# noqa: F401 kept for re-export", "# noqa: F401 # and a comment", "# type: int # noqa",
    "# noqa: E501", "# noqa: F", "# noqa: BN", "# noqa:", "# noqa:  # empty", "# noqa: f401", "# noqa: 401",
    "# noqa-F401", "#noqaF401", "# noqa: F401x", "# noqa:F401;E501", "# noqa:F401:E501", "# noqa: F4",
    "# noqa: RUF100, F", "# noqa: E501F", "# this is not noqa", "# noqa:\tF401", "# noqa: unused-import",
]


def test_noqa_comments_mean_what_they_mean_to_ruff(tmp_path):
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from bn_codemod.suppressions import is_suppressed, read_noqa

    ruff = Path(sys.executable).parent / "ruff"
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    assert ruff, "ruff is part of the test extra: pip install -e '.[test]'"
    source = "".join(f"import module_{n}  {comment}\n" for n, comment in enumerate(NOQA_COMMENTS))
    (tmp_path / "noqa.py").write_text(source)
    completed = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "F401", "--output-format", "concise", "noqa.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    reported = {int(m[1]) for m in re.finditer(r"^noqa\.py:(\d+):\d+: F401", completed.stdout, re.M)}
    warned = {int(m[1]) for m in re.finditer(r"noqa\.py:(\d+)", completed.stderr)}
    invalid = {int(m[1]) for m in re.finditer(r"Invalid `# noqa` directive on noqa\.py:(\d+)", completed.stderr)}

    noqa, problems = read_noqa(source)
    lines = range(1, len(NOQA_COMMENTS) + 1)
    ours = {
        "reported": {line for line in lines if not is_suppressed(noqa, "F401", (line,))},
        "warned": {problem.line for problem in problems},
        "invalid": {problem.line for problem in problems if not problem.suppresses},
    }
    theirs = {"reported": reported, "warned": warned, "invalid": invalid}
    shown = {key: sorted(NOQA_COMMENTS[line - 1] for line in ours[key] ^ theirs[key]) for key in ours}
    assert ours == theirs, shown
    assert invalid  # the comparison covers malformed directives


def test_a_malformed_noqa_after_a_clean_one_in_a_string_is_still_found():
    source = HEAD + 's = "# noqa: BN001 "  # noqa: BN\na = nn.BatchNorm2d(8)  # noqa: BN001\n'

    from bn_codemod.suppressions import noqa_problems

    assert [(p.line, p.suppresses) for p in noqa_problems(source)] == [(2, False)]
