"""Symlinks never lead a walk, or a fix, outside the tree (issue 11, item 4): like black, a walked
symlink to a file outside the directories given is skipped; a symlink named on the command line is
processed only if its target is inside its project (the git work tree holding it, else the working
directory), or refused."""

from __future__ import annotations

import subprocess

import pytest

from cli_helpers import run

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"


@pytest.fixture
def tree(tmp_path):
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    (project / "src" / "pkg").mkdir(parents=True)
    outside.mkdir()
    (outside / "system.py").write_text(MODEL)
    (project / "src" / "m.py").write_text(MODEL)
    (project / "shared.py").write_text(MODEL)
    (project / "src" / "escape.py").symlink_to(outside / "system.py")
    (project / "src" / "pkg" / "inside.py").symlink_to(project / "src" / "m.py")
    (project / "src" / "up.py").symlink_to(project / "shared.py")
    return project


@pytest.mark.parametrize("use_git", [True, False], ids=["git", "no-git"])
def test_a_walk_skips_links_that_leave_the_directories_given(tree, use_git):
    if use_git:
        subprocess.run(["git", "init", "-q", "."], cwd=tree, check=True)

    result = run("fix", "src", cwd=tree)

    assert result.code == 0, result.err
    assert (tree.parent / "outside" / "system.py").read_text() == MODEL
    assert (tree / "shared.py").read_text() == MODEL  # inside the project, but outside `src`
    assert (tree / "src" / "m.py").read_text() == FIXED
    assert result.err.splitlines() == [
        "skipped: src/escape.py: symlink to a file outside the directories given",
        "skipped: src/up.py: symlink to a file outside the directories given",
    ]


def test_a_walk_of_the_whole_project_keeps_links_inside_it(tree):
    result = run("check", ".", cwd=tree)

    assert "skipped: src/escape.py: symlink to a file outside the directories given" in result.err
    assert "src/up.py" in result.out and "src/pkg/inside.py" in result.out
    assert "escape.py" not in result.out


def test_quiet_does_not_name_skipped_links(tree):
    assert run("check", "-q", "src", cwd=tree).err == ""


def test_an_explicit_link_out_of_the_project_is_refused(tree):
    result = run("fix", "src/escape.py", "src/m.py", cwd=tree)

    assert result.code == 2
    assert result.err.splitlines()[0] == (
        f"error: src/escape.py: symlink to {tree.parent / 'outside' / 'system.py'}, outside the project {tree}; "
        "not processed (name the target instead)"
    )
    assert (tree.parent / "outside" / "system.py").read_text() == MODEL
    assert (tree / "src" / "m.py").read_text() == MODEL  # fix mode: nothing is written when a path is refused


def test_an_explicit_link_inside_the_project_is_processed(tree):
    result = run("fix", "src/up.py", cwd=tree)

    assert result.code == 0, result.err
    assert (tree / "shared.py").read_text() == FIXED


def test_the_project_of_an_explicit_link_is_its_git_work_tree(tree):
    subprocess.run(["git", "init", "-q", "."], cwd=tree, check=True)

    result = run("fix", "up.py", cwd=tree / "src")  # shared.py is above the working directory, in the work tree

    assert result.code == 0, result.err
    assert (tree / "shared.py").read_text() == FIXED
