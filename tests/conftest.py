import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

# Lets tests import the helpers next to them (fixture_cases).
sys.path.insert(0, str(Path(__file__).parent))

# The scratch directory for permission cases run as an unprivileged user (see unprivileged.py).
from unprivileged import unprivileged_tmp_path  # noqa: F401


@cache
def package_index_problem() -> str:
    """Why pip cannot reach its package index ("" when it can), asked once per run with pip's own settings."""
    probe = [sys.executable, "-m", "pip", "index", "versions", "libcst", "--timeout", "10", "--retries", "0"]
    completed = subprocess.run(probe, capture_output=True, text=True, timeout=120, check=False)
    if completed.returncode == 0:
        return ""
    lines = (completed.stderr or completed.stdout).strip().splitlines()
    return lines[-1] if lines else f"pip exited {completed.returncode}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Tests that fetch from the index run wherever it answers; offline they skip, so the suite stays
    # usable without the network. CI (BN_CODEMOD_REQUIRE_INDEX=1) has the index: there a skip would
    # hide a regression, so an unreachable index fails instead.
    if item.get_closest_marker("needs_index") is None:
        return
    problem = package_index_problem()
    if not problem:
        return
    if os.environ.get("BN_CODEMOD_REQUIRE_INDEX") == "1":
        pytest.fail(f"the package index is required here (BN_CODEMOD_REQUIRE_INDEX=1): {problem}", pytrace=False)
    pytest.skip(f"package index unreachable: {problem}")
