"""--diff shows the hunks `git diff` shows: checked against a real `git diff --no-index`."""

from __future__ import annotations

import difflib
import re
import subprocess
from pathlib import Path

import pytest

from bn_codemod import fix_source
from bn_codemod.diffs import unified_diff
from fixture_cases import input_files, output_file

# 80 multi-line constructors: every line of a block repeats, so difflib's autojunk ignores them all.
LONG_MODEL = (
    "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.layers = nn.Sequential(\n"
    + "            nn.BatchNorm2d(\n                8,\n            ),\n" * 80
    + "        )\n"
)


def git_diff(tmp_path: Path, old: str, new: str) -> str:
    """git's own unified diff of the two texts, with the headers bn-codemod prints."""
    (tmp_path / "old").write_bytes(old.encode("utf-8"))
    (tmp_path / "new").write_bytes(new.encode("utf-8"))
    completed = subprocess.run(
        ["git", "-c", "core.autocrlf=false", "diff", "--no-index", "--no-color", "--no-ext-diff",
         "-U3", "old", "new"],
        cwd=tmp_path, capture_output=True,
    )
    assert completed.returncode in (0, 1), completed.stderr
    text = completed.stdout.decode("utf-8")
    if not text:
        return ""
    hunks = text[text.index("\n@@ ") + 1 :]
    # git names the enclosing function after a hunk's line numbers; bn-codemod does not.
    hunks = re.sub(r"^(@@ -\S+ \+\S+ @@).*$", r"\1", hunks, flags=re.M)
    return "--- m.py\n+++ m.py\n" + hunks


def changed_lines(diff: str) -> int:
    return sum(1 for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++ ", "--- ")))


def test_a_long_file_of_repeated_lines_gets_git_minimal_hunks_where_difflib_does_not(tmp_path):
    fixed, _ = fix_source(LONG_MODEL)
    difflib_diff = "".join(difflib.unified_diff(LONG_MODEL.splitlines(True), fixed.splitlines(True), "m.py", "m.py"))

    ours = unified_diff("m.py", LONG_MODEL, fixed)

    assert ours == git_diff(tmp_path, LONG_MODEL, fixed)
    assert changed_lines(ours) == 80  # one added `track_running_stats=False,` per layer
    assert changed_lines(difflib_diff) > 300  # what --diff printed before: everything replaced


@pytest.mark.parametrize("input_file", input_files(), ids=lambda path: path.parent.name + "/" + path.name)
def test_fixture_diffs_equal_git_diff(tmp_path, input_file):
    old = input_file.read_text(encoding="utf-8")
    new = output_file(input_file).read_text(encoding="utf-8")

    assert unified_diff("m.py", old, new) == git_diff(tmp_path, old, new)


@pytest.mark.parametrize(
    "old, new",
    [
        ("a\nb\nc", "a\nB\nc"),  # no newline at the end of either
        ("a\nb\n", "a\nb"),  # the last newline removed
        ("a\nb", "a\nb\n"),
        ("x = 1\r\ny = 2\r\n", "x = 1\r\ny = 3\r\n"),  # CRLF kept inside the lines
        ("a\x0cb\nc\n", "a\x0cb\nC\n"),  # a form feed is not a line break to git or patch
        ("p = '\u2028'\nq = 1\n", "p = '\u2028'\nq = 2\n"),
        ("", "a\n"),
        ("a\n", ""),
        ("".join(f"{i}\n" for i in range(30)), "".join(f"{i}\n" for i in range(30) if i not in (3, 20))),
        ("x\n" * 10 + "y\n", "x\n" * 12 + "y\n"),  # an ambiguous insertion: git's choice
        ("a\n" + "\n" * 300 + "b\n", "A\n" + "\n" * 300 + "B\n"),
    ],
)
def test_edge_cases_equal_git_diff(tmp_path, old, new):
    assert unified_diff("m.py", old, new) == git_diff(tmp_path, old, new)


def test_equal_texts_have_no_diff():
    assert unified_diff("m.py", "a\n", "a\n") == ""


# Through the console script (issue 12, item 9): the patch alone on stdout, whatever the format or
# -q; one "Would fix" line on stderr.
@pytest.mark.parametrize("extra", [[], ["-q"], ["--output-format", "json"], ["--output-format", "sarif"]])
def test_cli_diff_prints_gits_hunks_on_stdout_and_one_summary_line_on_stderr(tmp_path, extra):
    from cli_helpers import run

    (tmp_path / "m.py").write_text(LONG_MODEL + "extra = nn.BatchNorm2d(8, **kw)\n")
    fixed, _ = fix_source(LONG_MODEL + "extra = nn.BatchNorm2d(8, **kw)\n")
    expected = git_diff(tmp_path, LONG_MODEL + "extra = nn.BatchNorm2d(8, **kw)\n", fixed)

    result = run("--diff", *extra, "m.py", cwd=tmp_path / ".")

    assert result.code == 1
    assert result.out == expected
    assert result.err == ("" if extra == ["-q"] else "Would fix 80 issues (1 remaining).\n")
    assert (tmp_path / "m.py").read_text() == LONG_MODEL + "extra = nn.BatchNorm2d(8, **kw)\n"


def test_random_edits_of_repetitive_text_get_as_few_changed_lines_as_git(tmp_path):
    """Where several placements are equally short (a line added among equal lines), git may pick
    another one; the number of changed lines, what "minimal" means, is always git's."""
    import random

    generator = random.Random(12)
    for _ in range(60):
        alphabet = ["a\n", "b\n", "\n", "    x,\n", ")\n"][: generator.randint(2, 5)]
        old = [generator.choice(alphabet) for _ in range(generator.randint(0, 40))]
        new = list(old)
        for _ in range(generator.randint(1, 4)):
            position = generator.randint(0, len(new))
            if generator.random() < 0.5 or not new:
                new.insert(position, generator.choice([*alphabet, "new\n"]))
            else:
                new[min(position, len(new) - 1)] = generator.choice([*alphabet, "new\n"])
        old_text, new_text = "".join(old), "".join(new)
        assert changed_lines(unified_diff("m.py", old_text, new_text)) == changed_lines(
            git_diff(tmp_path, old_text, new_text)
        ), (old_text, new_text)
