"""Jupyter notebooks through the command line: found by the walk, fixed cell by cell, JSON kept."""

from __future__ import annotations

import json

from cli_helpers import run


def notebook(*cells: str) -> str:
    """As Jupyter writes it: indent 1, sorted keys, non-ASCII kept, trailing newline."""
    document = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
             "source": source.splitlines(keepends=True)}
            for i, source in enumerate(cells)
        ]
        + [{"cell_type": "markdown", "id": "md", "metadata": {}, "source": ["# Ensembling — vmap\n"]}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


CELLS = ("import torch.nn as nn\n%matplotlib inline", "model = nn.Sequential(\n    nn.BatchNorm2d(8),\n)")
FIXED_CELLS = (CELLS[0], "model = nn.Sequential(\n    nn.BatchNorm2d(8, track_running_stats=False),\n)")


def test_check_names_the_cell(tmp_path):
    (tmp_path / "nb.ipynb").write_text(notebook(*CELLS), encoding="utf-8")

    result = run("--check", ".", cwd=tmp_path)

    assert result.code == 1
    assert result.lines[0].startswith("nb.ipynb:cell 2:2:5: BN001 BatchNorm2d tracks running stats")


def test_fix_changes_only_that_cell_source_and_keeps_the_json_layout(tmp_path):
    (tmp_path / "nb.ipynb").write_text(notebook(*CELLS), encoding="utf-8")

    result = run("nb.ipynb", cwd=tmp_path)

    assert result.code == 0
    assert (tmp_path / "nb.ipynb").read_text(encoding="utf-8") == notebook(*FIXED_CELLS)
    assert run("--check", "nb.ipynb", cwd=tmp_path).code == 0


def test_diff_and_stdin_for_notebooks(tmp_path):
    (tmp_path / "nb.ipynb").write_text(notebook(*CELLS), encoding="utf-8")

    diff = run("--diff", "nb.ipynb", cwd=tmp_path)
    piped = run("--stdin-filename", "nb.ipynb", "-", cwd=tmp_path, stdin=notebook(*CELLS).encode())

    assert diff.code == 1
    assert '-    "    nn.BatchNorm2d(8),\\n",' in diff.out
    assert '+    "    nn.BatchNorm2d(8, track_running_stats=False),\\n",' in diff.out
    assert piped.out == notebook(*FIXED_CELLS)


def test_a_broken_notebook_is_one_error_line(tmp_path):
    (tmp_path / "bad.ipynb").write_text('{"cells": [ import torch.nn BatchNorm', encoding="utf-8")
    (tmp_path / "good.ipynb").write_text(notebook(*CELLS), encoding="utf-8")

    result = run(".", cwd=tmp_path)

    assert result.code == 2
    assert result.err.startswith("error: bad.ipynb: ")
    assert len(result.err.splitlines()) == 1
    assert (tmp_path / "good.ipynb").read_text(encoding="utf-8") == notebook(*FIXED_CELLS)
