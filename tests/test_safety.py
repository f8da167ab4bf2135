"""check_rewrite: the new source's AST must be the old AST with exactly the recorded edits replayed."""

from __future__ import annotations

import dataclasses

import pytest

from bn_codemod.analysis import analyze
from bn_codemod.cache import CACHE_DIR_NAME
from bn_codemod.findings import Edit
from bn_codemod.safety import check_rewrite
from fixture_cases import FIXTURES, case_id, input_files

CASES = input_files()
MODELS = sorted((FIXTURES / "models").glob("*.py"))

MODEL = """\
import torch.nn as nn
import torchvision

scale = 2
norm = nn.BatchNorm2d(8, eps=1e-3)
model = torchvision.models.resnet18()
"""
FIXED = """\
from functools import partial

import torch.nn as nn
import torchvision

scale = 2
norm = nn.BatchNorm2d(8, eps=1e-3, track_running_stats=False)
model = torchvision.models.resnet18(norm_layer=partial(nn.BatchNorm2d, track_running_stats=False))
"""


def edits_of(source: str) -> list[Edit]:
    return analyze(source).edits


@pytest.mark.parametrize("input_file", CASES + MODELS, ids=[case_id(p) for p in CASES + MODELS])
def test_every_fixture_rewrite_passes(input_file):
    source = input_file.read_text(encoding="utf-8")
    analysis = analyze(source)

    assert check_rewrite(source, analysis.new_source, analysis.edits) is None


def test_the_model_is_what_the_tampering_tests_start_from():
    assert analyze(MODEL).new_source == FIXED
    assert check_rewrite(MODEL, FIXED, edits_of(MODEL)) is None


@pytest.mark.parametrize(
    "tampered, reason",
    [
        (
            # The import the old placement put after the others: not where isort, and the codemod, put it.
            FIXED.replace("from functools import partial\n\n", "").replace(
                "import torchvision\n", "import torchvision\nfrom functools import partial\n"
            ),
            "the rewrite changes more than its edits at line 1: Module.body[0] is import torch.nn as nn, "
            "expected from functools import partial",
        ),
        (
            FIXED.replace("scale = 2", "scale = 3"),
            "the rewrite changes more than its edits at line 6: Constant.value is 3, expected 2",
        ),
        (
            FIXED.replace("nn.BatchNorm2d(8, eps=1e-3, ", "nn.BatchNorm2d(8, "),
            "the rewrite changes more than its edits at line 7: keyword.arg is 'track_running_stats', expected 'eps'",
        ),
        (
            FIXED.replace("BatchNorm2d(8, ", "BatchNorm2d("),
            "the rewrite changes more than its edits at line 7: Call.args lacks 8",
        ),
        (
            FIXED.replace("eps=1e-3, track_running_stats=False", "eps=1e-3, track_running_stats=True"),
            "the rewrite changes more than its edits at line 7: Constant.value is True, expected False",
        ),
        (
            FIXED.replace("from functools import partial\n", ""),
            "the rewrite changes more than its edits at line 2: Module.body[0] is import torch.nn as nn, "
            "expected from functools import partial",
        ),
        (
            # The import is there, but after code: not where the codemod puts it.
            FIXED.replace("from functools import partial\n", "").replace("scale = 2\n", "scale = 2\nfrom functools import partial\n"),
            "the rewrite changes more than its edits at line 2: Module.body[0] is import torch.nn as nn, "
            "expected from functools import partial",
        ),
        (
            FIXED + "extra = 1\n",
            "the rewrite changes more than its edits at line 9: Module.body has an extra item extra = 1",
        ),
        (
            FIXED.replace("partial(nn.BatchNorm2d,", "partial(nn.BatchNorm3d,"),
            "the rewrite changes more than its edits at line 8: Attribute.attr is 'BatchNorm3d', expected 'BatchNorm2d'",
        ),
    ],
    ids=["after-the-imports", "change-elsewhere", "dropped-keyword", "dropped-argument", "wrong-value", "missing-import", "moved-import", "extra-statement", "wrong-class"],
)
def test_a_tampered_rewrite_is_caught(tampered, reason):
    assert check_rewrite(MODEL, tampered, edits_of(MODEL)) == reason


def test_a_rewrite_that_does_not_parse_is_caught():
    broken = FIXED.replace("track_running_stats=False)\nmodel", "track_running_stats=False\nmodel")

    assert check_rewrite(MODEL, broken, edits_of(MODEL)) == "the rewrite does not parse: '(' was never closed (line 7)"


def test_a_rewrite_that_parses_but_does_not_compile_is_caught():
    old = "import torch.nn as nn\ndef f():\n    x = nn.BatchNorm2d(8)\n"
    new = "import torch.nn as nn\ndef f():\n    x = nn.BatchNorm2d(8, track_running_stats=False)\n    nonlocal x\n"

    reason = check_rewrite(old, new, edits_of(old))

    assert reason == "the rewrite changes more than its edits at line 4: FunctionDef.body has an extra item nonlocal x"


def test_an_original_that_cpython_rejects_cannot_be_checked():
    assert check_rewrite("x = (", "x = 1\n", []) == "the original does not parse: '(' was never closed (line 1)"


def test_an_unchanged_source_without_edits_passes():
    assert check_rewrite(MODEL, MODEL, []) is None


def test_a_missing_edit_is_caught():
    edits = [edit for edit in edits_of(MODEL) if edit.action != "add-import"]

    assert check_rewrite(MODEL, FIXED, edits) == (
        "the rewrite changes more than its edits at line 1: Module.body[0] is from functools import partial, "
        "expected import torch.nn as nn"
    )


def test_an_edit_pointing_at_nothing_is_caught():
    edits = [dataclasses.replace(edits_of(MODEL)[0], column=2)]

    assert check_rewrite(MODEL, FIXED, edits) == "edit add-keyword at 5:2: no call starts there"


def test_an_edit_with_a_value_that_does_not_parse_is_caught():
    edits = [dataclasses.replace(edits_of(MODEL)[0], value="False)")]

    assert check_rewrite(MODEL, FIXED, edits) == "edit add-keyword at 5:8: value 'False)' does not parse"


def test_an_edit_adding_a_keyword_the_call_already_has_is_caught():
    old = "import torch.nn as nn\nn = nn.BatchNorm2d(8, track_running_stats=True)\n"
    new = "import torch.nn as nn\nn = nn.BatchNorm2d(8, track_running_stats=False)\n"

    assert check_rewrite(old, new, [Edit(2, 5, "add-keyword", "track_running_stats", "False")]) == (
        "edit add-keyword at 2:5: the call already has track_running_stats="
    )


# Positions: an Edit's column counts characters, ast's col_offset counts UTF-8 bytes; neither counts
# the node's own parentheses.
@pytest.mark.parametrize(
    "source, expected_edits",
    [
        ('import torch.nn as nn\nx = "é€"; n = nn.BatchNorm2d(3)\n', [("add-keyword", 2, 15)]),
        ("import torch.nn as nn\nif 1:\n\tn = nn.BatchNorm2d(3)\n", [("add-keyword", 3, 6)]),
        ("import torch.nn as nn\nn = (nn.BatchNorm2d(3)).cuda()\n", [("add-keyword", 2, 6)]),
        ("import torch.nn as nn\nn = nn.BatchNorm2d(3).cuda()\n", [("add-keyword", 2, 5)]),
        ("import torch.nn as nn\nn = ((nn.BatchNorm2d))(3)\n", [("add-keyword", 2, 5)]),
        ("import torch.nn as nn\nn = nn.BatchNorm2d(3, 1e-5, 0.1, True, (True))\n", [("set-positional", 2, 5)]),
        (
            "from torch import nn\nfrom functools import partial\nf = partial(( nn.BatchNorm2d ), 8)\n",
            [("add-keyword", 3, 5)],
        ),
        (
            "from torch import nn\nfrom functools import partial\ndef f(norm=(\n    nn.BatchNorm2d)): pass\n",
            [("wrap-partial", 4, 5)],
        ),
        ("import torch.nn as nn\r\nn = nn.BatchNorm2d(\r\n  3)\r\n", [("add-keyword", 2, 5)]),
        # No final CR: libcst drops that one, and the analysis then refuses the file.
        ("import torch.nn as nn\rx = 'é'\rn = nn.BatchNorm2d(\r  3)", [("add-keyword", 3, 5)]),
    ],
    ids=["non-ascii", "tab", "parenthesized-call", "method-on-result", "parenthesized-callee", "positional", "partial", "parenthesized-name", "crlf", "cr"],
)
def test_edit_positions_map_onto_the_original_ast(source, expected_edits):
    analysis = analyze(source)

    assert [(e.action, e.line, e.column) for e in analysis.edits] == expected_edits
    assert check_rewrite(source, analysis.new_source, analysis.edits) is None


@pytest.mark.parametrize(
    "header",
    [
        '"""Docstring."""\nfrom __future__ import annotations\n',
        '"a" f"b"\n',  # a concatenation is a docstring to libcst
        'f"b"\n',  # a lone f-string is not
        "import os; import sys\n",  # one line of imports only
        "import os; x = 1\n",  # a line with code ends the import block
        "import os\nif x:\n    import sys\n",
        "",
    ],
    ids=["docstring-future", "concatenated-docstring", "fstring", "joined-imports", "import-and-code", "compound", "no-imports"],
)
def test_added_imports_go_exactly_where_the_codemod_puts_them(header):
    source = header + "import torch.nn as nn\nimport torchvision\nm = torchvision.models.resnet18()\n"
    analysis = analyze(source)
    assert [e.action for e in analysis.edits] == ["add-keyword", "add-import"]

    assert check_rewrite(source, analysis.new_source, analysis.edits) is None
    # Any other place for the same import is refused.
    moved = analysis.new_source.replace("from functools import partial\n", "") + "from functools import partial\n"
    assert check_rewrite(source, moved, analysis.edits).startswith("the rewrite changes more than its edits")


def test_a_replaced_deprecated_import_is_checked():
    source = (
        "import torch\n"
        "from functorch.experimental import control_flow, replace_all_batch_norm_modules_ as patch\n"
        "patch(model)\n"
    )
    analysis = analyze(source)
    assert [e.action for e in analysis.edits] == ["replace-import", "split-import"]

    assert check_rewrite(source, analysis.new_source, analysis.edits) is None
    assert check_rewrite(source, analysis.new_source.replace(" as patch", ""), analysis.edits) == (
        "the rewrite changes more than its edits at line 3: alias.asname is None, expected 'patch'"
    )


def test_a_split_import_must_stay_in_the_block_of_the_original():
    source = (
        "try:\n"
        "    from functorch.experimental import control_flow, replace_all_batch_norm_modules_\n"
        "except ImportError:\n"
        "    pass\n"
    )
    analysis = analyze(source)
    assert analysis.new_source == (
        "try:\n"
        "    from functorch.experimental import control_flow\n"
        "    from torch.func import replace_all_batch_norm_modules_\n"
        "except ImportError:\n"
        "    pass\n"
    )
    assert check_rewrite(source, analysis.new_source, analysis.edits) is None

    hoisted = "from torch.func import replace_all_batch_norm_modules_\n" + analysis.new_source.replace(
        "    from torch.func import replace_all_batch_norm_modules_\n", ""
    )
    assert check_rewrite(source, hoisted, analysis.edits).startswith(
        "the rewrite changes more than its edits at line 1: Module.body[0] is "
        "from torch.func import replace_all_batch_norm_modules_, expected try: "
    )


# FAILS UNTIL runner.py CALLS check_rewrite BEFORE WRITING (issue 6): a visitor bug that makes a
# wrong rewrite must stop the write, name the file as an internal error, and exit 2.
def test_a_wrong_rewrite_is_never_written(tmp_path, monkeypatch, capsys):
    import libcst as cst

    from bn_codemod import layout
    from bn_codemod.cli import main

    real_append_keyword = layout.append_keyword

    def append_true_instead(call, keyword, value):
        return real_append_keyword(call, keyword, cst.Name("True"))

    monkeypatch.setattr(layout, "append_keyword", append_true_instead)
    bad = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
    # Fixed by set-keyword, which does not go through append_keyword.
    good = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=True)\n"
    (tmp_path / "bad.py").write_bytes(bad)
    (tmp_path / "good.py").write_bytes(good)
    monkeypatch.chdir(tmp_path)

    code = main(["bad.py", "good.py"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: bad.py: internal error: "), err
    assert err.endswith(": Constant.value is True, expected False\n"), err
    assert err.count("\n") == 1, err
    assert (tmp_path / "bad.py").read_bytes() == bad
    assert (tmp_path / "good.py").read_bytes() == good.replace(b"=True", b"=False")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != CACHE_DIR_NAME) == ["bad.py", "good.py"]


# A bug of ours that raises an exception whose text is several lines, or whose str() itself raises
# (libcst's ParserSyntaxError for an empty expression does both), must still give one line naming the
# file, exit 2, and leave the other files processed.
@pytest.mark.parametrize("source_text", ["", "a b"])
def test_an_internal_error_is_one_line_even_when_its_text_is_not(tmp_path, monkeypatch, capsys, source_text):
    import libcst as cst

    from bn_codemod import analysis
    from bn_codemod.cli import main

    real_analyze = analysis.analyze

    def analyze_with_a_bug(text, *args, **kwargs):
        if "BROKEN" in text:
            cst.parse_expression(source_text)  # raises ParserSyntaxError
        return real_analyze(text, *args, **kwargs)

    monkeypatch.setattr("bn_codemod.runner.analyze", analyze_with_a_bug)
    broken = b"import torch.nn as nn\n\nBROKEN = nn.BatchNorm2d(8)\n"
    good = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
    (tmp_path / "broken.py").write_bytes(broken)
    (tmp_path / "good.py").write_bytes(good)
    monkeypatch.chdir(tmp_path)

    code = main(["broken.py", "good.py", "-j", "1"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: broken.py: internal error: ParserSyntaxError"), err
    assert err.count("\n") == 1, err
    assert (tmp_path / "broken.py").read_bytes() == broken
    assert (tmp_path / "good.py").read_bytes() == good.replace(b"(8)", b"(8, track_running_stats=False)")
