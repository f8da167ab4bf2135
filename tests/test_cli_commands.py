"""`bn-codemod [check|fix] PATH...`: subcommands like ruff's, the old flag forms, and all-or-nothing fixes."""

from __future__ import annotations

import pytest

from cli_helpers import run

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED_MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(MODEL)
    return tmp_path


def test_check_subcommand_reports_and_writes_nothing(tree):
    result = run("check", ".", cwd=tree)

    assert result.code == 1
    assert result.lines[0].startswith("src/model.py:3:8: BN001 ")
    assert (tree / "src" / "model.py").read_text() == MODEL


@pytest.mark.parametrize("form", [["fix"], []], ids=["fix", "no-subcommand"])
def test_fix_subcommand_and_the_bare_form_rewrite(tree, form):
    result = run(*form, "src", cwd=tree)

    assert result.code == 0, result.err
    assert (tree / "src" / "model.py").read_text() == FIXED_MODEL


@pytest.mark.parametrize(
    "form",
    [["--check"], ["check"], ["--select", "BN005", "check"], ["check", "--check"]],
    ids=["--check", "check", "options-before-check", "check--check"],
)
def test_every_check_form_takes_the_same_options(tree, form):
    result = run(*form, "--select", "BN001", "--exclude", "other", "--no-cache", "-q", "src", cwd=tree)

    assert result.code == 1
    assert (tree / "src" / "model.py").read_text() == MODEL


def test_check_with_diff_shows_the_fix_and_writes_nothing(tree):
    result = run("check", "--diff", "src", cwd=tree)

    assert result.code == 1
    assert "+norm = nn.BatchNorm2d(8, track_running_stats=False)" in result.out
    assert (tree / "src" / "model.py").read_text() == MODEL


@pytest.mark.parametrize("flag", ["--check", "--diff"])
def test_fix_refuses_a_read_only_flag(tree, flag):
    result = run("fix", flag, "src", cwd=tree)

    assert result.code == 2
    assert f"fix cannot be combined with {flag}" in result.err
    assert (tree / "src" / "model.py").read_text() == MODEL


@pytest.mark.parametrize("form", [["fix"], []], ids=["fix", "no-subcommand"])
def test_one_missing_path_and_fix_writes_nothing(tree, form):
    result = run(*form, "src", "missing", cwd=tree)

    assert result.code == 2
    assert result.err.splitlines() == [
        "error: missing: path does not exist",
        "error: nothing was written; fix the paths above and run again",
    ]
    assert (tree / "src" / "model.py").read_text() == MODEL


def test_check_with_a_missing_path_still_checks_the_others(tree):
    result = run("check", "src", "missing", cwd=tree)

    assert result.code == 2
    assert result.lines[0].startswith("src/model.py:3:8: BN001 ")
    assert "error: missing: path does not exist" in result.err


@pytest.mark.parametrize("abbreviation", ["--chec", "--che", "--dif", "--select=BN001 --igno"])
def test_abbreviated_options_are_refused_and_nothing_is_written(tree, abbreviation):
    result = run(*abbreviation.split(), "src", cwd=tree)

    assert result.code == 2
    assert "unrecognized arguments" in result.err
    assert (tree / "src" / "model.py").read_text() == MODEL


def test_a_path_named_like_a_subcommand_needs_dot_slash(tree):
    (tree / "check").mkdir()
    (tree / "check" / "model.py").write_text(MODEL)

    result = run("fix", "./check", cwd=tree)

    assert result.code == 0
    assert (tree / "check" / "model.py").read_text() == FIXED_MODEL


def test_subcommand_help_names_the_subcommand(tree):
    result = run("check", "--help", cwd=tree)

    assert result.code == 0
    assert result.out.startswith("usage: bn-codemod check [options] PATH")
