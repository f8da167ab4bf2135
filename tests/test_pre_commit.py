"""The two hooks of .pre-commit-hooks.yaml, run for real by pre-commit against this checkout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
NOTEBOOK = '{{\n "cells": [{{"cell_type": "code", "metadata": {{}}, "outputs": [], "source": {source}}}],\n "metadata": {{}},\n "nbformat": 4,\n "nbformat_minor": 5\n}}\n'
FIXED = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    # One hook environment for the module: building it (pip install of this checkout) is the slow part.
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path, pre_commit_home):
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "notes.txt").write_text("nn.BatchNorm2d(8)\n")
    (tmp_path / "nb.ipynb").write_text(NOTEBOOK.format(source=json.dumps(MODEL)))
    git("add", ".")
    git("commit", "-qm", "init")
    return tmp_path, env


def try_repo(hook_id: str, repo: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), hook_id, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.needs_index  # pre-commit pip-installs bn-codemod and libcst into the hook environment
def test_fixer_hook_fails_and_fixes_then_passes(user_repo):
    repo, env = user_repo

    first = try_repo("bn-codemod", repo, env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "model.py").read_text() == FIXED
    assert (repo / "notes.txt").read_text() == "nn.BatchNorm2d(8)\n", "only Python files are given to the hook"
    assert "track_running_stats=False" in (repo / "nb.ipynb").read_text(), "notebooks are hooked too"

    second = try_repo("bn-codemod", repo, env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (repo / "model.py").read_text() == FIXED


@pytest.mark.needs_index
def test_check_hook_fails_without_modifying(user_repo):
    repo, env = user_repo

    result = try_repo("bn-codemod-check", repo, env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "model.py:3:8: BN001 " in result.stdout
    assert "files were modified" not in result.stdout
    assert (repo / "model.py").read_text() == MODEL


@pytest.mark.needs_index
def test_one_process_gets_every_file(user_repo):
    # require_serial: pre-commit would otherwise split 10 files over its own processes (at least 4
    # files each), each paying the libcst import; bn-codemod spreads them over cores itself.
    repo, env = user_repo
    for index in range(10):
        (repo / f"m{index}.py").write_text(MODEL)
    subprocess.run(["git", "add", "."], cwd=repo, env=env, check=True)

    result = try_repo("bn-codemod-check", repo, env)

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("Found ") == 1, result.stdout
    assert "Found 12 issues in 12 files" in result.stdout, result.stdout


def test_runtime_requirements_are_libcst_only():
    """What pip installs into a hook environment: libcst, never torch; tomli only where the standard
    library has no tomllib (Python < 3.11)."""
    from importlib.metadata import requires

    runtime = [r for r in requires("bn-codemod") or [] if "extra ==" not in r]
    by_name = {re.split(r"[<>=!~; ]", r, maxsplit=1)[0]: r for r in runtime}
    assert sorted(by_name) == ["libcst", "tomli"]
    assert by_name["tomli"].replace('"', "'").endswith("python_version < '3.11'")


def test_the_cli_runs_with_torch_unimportable(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['torchvision'] = None\n"
        "from bn_codemod.cli import main; sys.exit(main(['--check', 'model.py']))"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.startswith("model.py:3:8: BN001 ")
