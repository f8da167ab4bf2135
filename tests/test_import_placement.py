"""Imports a fix adds go where isort puts them: ruff's I001 passes on the fixed file when it passed
before (issue 12, item 11), so a bn-codemod fix never costs a third pre-commit round."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from bn_codemod import fix_source
from fixture_cases import FIXTURES, input_files


def ruff() -> str:
    beside_python = Path(sys.executable).parent / "ruff"
    found = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    assert found, "ruff is part of the test extra: pip install -e '.[test]'"
    return found


def unsorted_import_blocks(directory: Path) -> set[str]:
    """The files of `directory` whose import block ruff's isort rule (I001) would change."""
    completed = subprocess.run(
        [ruff(), "check", "--isolated", "--no-cache", "--select", "I", "--output-format", "concise",
         "--config", "lint.isort.known-first-party = ['mypkg']", "."],
        cwd=directory, capture_output=True, text=True,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return {match[1] for match in re.finditer(r"^(\S+?):\d+:\d+: I001", completed.stdout, re.M)}


def test_fixed_fixtures_stay_isort_clean(tmp_path):
    for input_file in input_files():
        name = str(input_file.relative_to(FIXTURES)).replace("/", "__")
        source = input_file.read_text(encoding="utf-8")
        (tmp_path / name).write_text(source, encoding="utf-8")
        fixed, _ = fix_source(source)
        (tmp_path / name.replace(".input.py", ".output.py")).write_text(fixed, encoding="utf-8")

    flagged = unsorted_import_blocks(tmp_path)

    clean_inputs = {p.name for p in tmp_path.glob("*.input.py") if p.name not in flagged}
    assert {name for name in clean_inputs if name.startswith("imports__")} == {
        "imports__first_section.input.py",
        "imports__split_import.input.py",
        "imports__new_stdlib_section.input.py",
        "imports__stdlib_section.input.py",
        "imports__torch_family_section.input.py",
    }
    fixed_but_unsorted = {name.replace(".input.py", ".output.py") for name in clean_inputs} & flagged
    assert not fixed_but_unsorted
