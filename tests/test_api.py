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


# The API's argument contract: the same validation and the same errors as the command line.
@pytest.mark.parametrize("api", [fix_source, check_source])
@pytest.mark.parametrize("source", ["import torch\nx = (", "x = (", "# bn-codemod: skip-file\nx = ("])
def test_invalid_source_raises_parse_error_even_when_nothing_could_be_found(api, source):
    with pytest.raises(ParseError) as error:
        api(source)
    assert error.value.line >= 1


@pytest.mark.parametrize("api", [fix_source, check_source])
def test_a_string_select_is_one_comma_separated_list_as_on_the_command_line(api):
    def codes(result):
        return [f.code for f in (result[1] if isinstance(result, tuple) else result)]

    assert codes(api(SOURCE, select="BN005")) == ["BN005"]
    assert codes(api(SOURCE, select="BN001,BN005")) == ["BN001", "BN005"]
    assert codes(api(SOURCE, ignore="BN001")) == ["BN005"]


def test_a_string_select_fixes_only_that_rule():
    new, findings = fix_source(SOURCE, select="BN005")

    assert new == SOURCE
    assert [(f.code, f.fixed) for f in findings] == [("BN005", False)]


@pytest.mark.parametrize("argument", ["select", "ignore"])
def test_unknown_codes_raise_value_error_with_the_cli_message(argument):
    with pytest.raises(ValueError, match=rf"^{argument}: unknown rule code or prefix 'XYZ1' \(rules: BN001, "):
        check_source(SOURCE, **{argument: ["BN001", "XYZ1"]})


def test_bad_extra_classes_raise_value_error():
    with pytest.raises(ValueError, match=r"^extra_classes: 'MyBN' is not a qualified class name"):
        fix_source(SOURCE, extra_classes=["MyBN"])
    assert [f.code for f in check_source("import mylib\nmylib.layers.MyBN(3)\n", extra_classes="mylib.layers.MyBN")] == [
        "BN001"
    ]


def test_none_means_the_default():
    assert check_source(SOURCE, select=None, ignore=None, extra_classes=None) == check_source(SOURCE)


@pytest.mark.parametrize("value", [5, [5], b"BN001", {"BN001": True}])
def test_arguments_of_the_wrong_type_raise_type_error(value):
    with pytest.raises(TypeError, match=r"^select: expected a string or a list of strings"):
        check_source(SOURCE, select=value)
