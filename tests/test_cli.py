"""The command line, through the installed console script: modes, output, exit codes, stdin."""

from __future__ import annotations

import re
import shutil

from cli_helpers import run
from fixture_cases import FIXTURES, expected_findings, input_files, output_file

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED_MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"
UNDECIDABLE = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, **kwargs)\n"
FINDING_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>BN\d{3}) ")


def copy_fixture_inputs(tmp_path):
    tree = tmp_path / "src"
    for input_file in input_files():
        target = tree / input_file.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(input_file, target)
    return tree


def test_check_reports_exactly_the_fixture_findings_and_writes_nothing(tmp_path):
    tree = copy_fixture_inputs(tmp_path)
    before = {p: p.read_bytes() for p in tree.rglob("*.py")}

    result = run("--check", "src", cwd=tmp_path)

    reported = {}
    for line in result.lines:
        match = FINDING_LINE.match(line)
        if match:
            reported.setdefault(match["path"], []).append((match["code"], int(match["line"]), int(match["column"])))
    expected = {}
    for input_file in input_files():
        findings = expected_findings(input_file)
        if findings:
            expected[str("src" / input_file.relative_to(FIXTURES))] = findings
    assert reported == expected
    assert result.code == 1
    total = sum(len(v) for v in expected.values())
    assert result.lines[-1].startswith(f"Found {total} issues in {len(expected)} files")
    assert {p: p.read_bytes() for p in tree.rglob("*.py")} == before


def test_fix_rewrites_every_fixture_to_its_expected_output(tmp_path):
    tree = copy_fixture_inputs(tmp_path)

    result = run("src", cwd=tmp_path)

    for input_file in input_files():
        written = (tree / input_file.relative_to(FIXTURES)).read_text(encoding="utf-8")
        assert written == output_file(input_file).read_text(encoding="utf-8"), input_file.name
    # BN005 cannot be fixed, so findings remain.
    assert result.code == 1
    assert "(fixed)" in result.out
    assert re.search(r"\(\d+ fixed, \d+ remaining\)\.$", result.lines[-1])


def test_fix_exits_0_when_everything_was_fixed_and_then_nothing_is_left(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)

    first = run("model.py", cwd=tmp_path)
    second = run("--check", "model.py", cwd=tmp_path)

    assert first.code == 0
    assert first.lines == [
        "model.py:3:8: BN001 BatchNorm2d tracks running stats, which torch.func.vmap cannot update in place: "
        "set track_running_stats=False (fixed)",
        "Found 1 issue in 1 file (1 fixed, 0 remaining).",
    ]
    assert (tmp_path / "model.py").read_text() == FIXED_MODEL
    assert second.code == 0
    assert second.lines == ["No issues found in 1 file."]


def test_check_marks_fixable_findings_and_exits_1(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)

    result = run("--check", "model.py", cwd=tmp_path)

    assert result.code == 1
    assert result.lines[0].endswith("set track_running_stats=False [*]")
    assert result.lines[-1] == "Found 1 issue in 1 file (1 fixable with `bn-codemod PATH`)."
    assert (tmp_path / "model.py").read_text() == MODEL


def test_fix_exits_1_when_an_unfixable_finding_remains(tmp_path):
    (tmp_path / "model.py").write_text(UNDECIDABLE)

    result = run("model.py", cwd=tmp_path)

    assert result.code == 1
    assert result.lines[0] == "model.py:3:8: BN005 BatchNorm2d: track_running_stats may be set by **kwargs"
    assert (tmp_path / "model.py").read_text() == UNDECIDABLE


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)

    result = run("--diff", "model.py", cwd=tmp_path)

    assert result.code == 1
    assert result.out.startswith(
        "--- model.py\n+++ model.py\n@@ -1,3 +1,3 @@\n import torch.nn as nn\n \n"
        "-norm = nn.BatchNorm2d(8)\n+norm = nn.BatchNorm2d(8, track_running_stats=False)\n"
    )
    assert (tmp_path / "model.py").read_text() == MODEL


def test_diff_exits_0_when_nothing_would_change(tmp_path):
    (tmp_path / "model.py").write_text(FIXED_MODEL)

    result = run("--diff", "model.py", cwd=tmp_path)

    assert (result.code, result.out) == (0, "No issues found in 1 file.\n")


def test_stdin_fix_writes_the_fixed_source_to_stdout_and_findings_to_stderr(tmp_path):
    result = run("-", cwd=tmp_path, stdin=MODEL.encode())

    assert result.code == 0
    assert result.out == FIXED_MODEL
    assert result.err.startswith("-:3:8: BN001 ")


def test_stdin_check_reports_with_the_given_filename(tmp_path):
    result = run("--check", "--stdin-filename", "pkg/model.py", "-", cwd=tmp_path, stdin=MODEL.encode())

    assert result.code == 1
    assert result.lines[0].startswith("pkg/model.py:3:8: BN001 ")


def test_stdin_with_a_syntax_error_echoes_the_input_unchanged(tmp_path):
    broken = b"import torch.nn as nn\nnorm = nn.BatchNorm2d(8\n"

    result = run("-", cwd=tmp_path, stdin=broken)

    assert result.code == 2
    assert result.raw_out == broken
    assert result.err.startswith("error: -:")


def test_stdin_cannot_be_combined_with_paths(tmp_path):
    result = run("-", "model.py", cwd=tmp_path)

    assert result.code == 2
    assert result.err == "error: '-' (stdin) cannot be combined with other paths\n"


def test_directories_are_walked_for_py_and_pyi_only(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(MODEL)
    (tmp_path / "pkg" / "b.pyi").write_text(MODEL)
    (tmp_path / "pkg" / "c.txt").write_text(MODEL)

    result = run("--check", "pkg", cwd=tmp_path)

    assert [line.split(":")[0] for line in result.lines[:-1]] == ["pkg/a.py", "pkg/b.pyi"]


def test_exclude_skips_matching_paths_in_the_walk(tmp_path):
    (tmp_path / "pkg" / "legacy").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text(MODEL)
    (tmp_path / "pkg" / "legacy" / "old.py").write_text(MODEL)

    result = run("--check", "--exclude", "legacy", "pkg", cwd=tmp_path)

    assert [line.split(":")[0] for line in result.lines[:-1]] == ["pkg/a.py"]


def test_gitignored_files_are_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "g.py").write_text(MODEL)
    (tmp_path / "m.py").write_text(MODEL)

    result = run("--check", ".", cwd=tmp_path)

    assert [line.split(":")[0] for line in result.lines[:-1]] == ["m.py"]


def test_quiet_prints_nothing_but_keeps_the_exit_code(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)

    result = run("--check", "--quiet", "model.py", cwd=tmp_path)

    assert (result.code, result.out, result.err) == (1, "", "")


def test_version_and_help(tmp_path):
    from bn_codemod import __version__

    assert run("--version", cwd=tmp_path).out == f"bn-codemod {__version__}\n"
    help_text = run("--help", cwd=tmp_path).out
    for example in ("bn-codemod src/", "bn-codemod check src/", "bn-codemod fix src/", "bn-codemod --diff src/", "bn-codemod -"):
        assert example in help_text


def test_python_dash_m_runs_the_same_cli(tmp_path):
    import subprocess
    import sys

    (tmp_path / "model.py").write_text(MODEL)
    completed = subprocess.run(
        [sys.executable, "-m", "bn_codemod", "--check", "model.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert completed.returncode == 1
    assert completed.stdout.startswith("model.py:3:8: BN001 ")
