"""The Python API and the libcst codemod command run the same visitor as the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import bn_codemod
from bn_codemod import Finding, ParseError, check_source, fix_source

SOURCE = "import torch.nn as nn\nnorm = nn.BatchNorm2d(8)\nx = nn.BatchNorm2d(3, **kw)\n"


def test_fix_source_returns_new_code_and_findings():
    new, findings = fix_source(SOURCE)

    assert new == "import torch.nn as nn\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\nx = nn.BatchNorm2d(3, **kw)\n"
    assert findings == [
        Finding("BN001", 2, 8, 2, 25, findings[0].message, fixable=True, fixed=True),
        Finding("BN005", 3, 5, 3, 28, findings[1].message, fixable=False, fixed=False),
    ]


def test_check_source_changes_nothing_and_reports_the_same():
    assert [(f.code, f.line, f.column, f.fixed) for f in check_source(SOURCE)] == [
        ("BN001", 2, 8, False),
        ("BN005", 3, 5, False),
    ]


def test_parse_errors_raise_parse_error_with_a_line():
    with pytest.raises(ParseError) as error:
        fix_source("import torch.nn as nn\nnn.BatchNorm2d(\n")
    assert error.value.line == 2


def test_importing_the_package_does_not_import_libcst():
    code = "import sys, bn_codemod.cli; print('libcst' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"


def test_libcst_tool_runs_the_codemod_command(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)

    completed = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", "--no-format", "bn_codemod.BatchNormCommand", "m.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )

    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "m.py").read_text() == fix_source(SOURCE)[0]
    assert "BN005" in completed.stderr


def test_command_class_is_exported():
    assert bn_codemod.BatchNormCommand.__name__ == "BatchNormCommand"
