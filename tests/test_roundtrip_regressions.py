"""Rewrites that broke or altered user code, found while hunting for issue 6 ("never break user code").

Each test states what a correct rewrite must satisfy; each failed before its fix.
"""

from __future__ import annotations

import ast
import io
import tokenize

import pytest

from bn_codemod.analysis import ParseError, analyze
from bn_codemod.safety import check_rewrite


def comments(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]


def test_the_edit_record_names_the_attribute_actually_written():
    source = "import torch as tt\nimport functorch.experimental\nfunctorch.experimental.replace_all_batch_norm_modules_(m)\n"
    analysis = analyze(source)

    assert analysis.new_source == "import torch as tt\nimport functorch.experimental\ntt.func.replace_all_batch_norm_modules_(m)\n"
    assert check_rewrite(source, analysis.new_source, analysis.edits) is None


@pytest.mark.parametrize(
    "source",
    [
        "import torch.nn as nn\nx = nn.LazyBatchNorm2d(a for a in b)\n",
        "import torchvision\nm = torchvision.models.resnet18(a for a in b)\n",
    ],
    ids=["BN001", "BN003"],
)
def test_a_keyword_after_a_sole_generator_argument_still_compiles(source):
    analysis = analyze(source)

    compile(analysis.new_source, "<rewrite>", "exec", dont_inherit=True)
    assert check_rewrite(source, analysis.new_source, analysis.edits) is None


def test_the_fix_never_uses_a_name_bound_only_after_it():
    source = (
        "import torch.nn as nn\n"
        "def build():\n"
        "    return dict(norm=nn.BatchNorm2d)\n"
        'if __name__ == "__main__":\n'
        "    from functools import partial\n"
    )
    new_source = analyze(source).new_source
    assert "track_running_stats=False" in new_source
    namespace = {"__name__": "imported_module"}

    exec(compile(new_source, "<rewrite>", "exec", dont_inherit=True), namespace)
    assert namespace["build"]()["norm"].keywords == {"track_running_stats": False}


def test_rewriting_a_deprecated_import_keeps_its_comments():
    source = (
        "from functorch.experimental import (\n"
        "    replace_all_batch_norm_modules_,  # patch\n"
        "    control_flow,  # cf\n"
        ")\n"
    )
    new_source = analyze(source).new_source
    assert "from torch.func import replace_all_batch_norm_modules_" in new_source

    assert sorted(comments(new_source)) == ["# cf", "# patch"]


def test_a_moved_deprecated_import_stays_under_its_guard():
    source = (
        "try:\n"
        "    from functorch.experimental import control_flow, replace_all_batch_norm_modules_\n"
        "except ImportError:\n"
        "    pass\n"
    )
    tree = ast.parse(analyze(source).new_source)

    [guard] = [node for node in tree.body if isinstance(node, ast.Try)]
    assert "from torch.func import replace_all_batch_norm_modules_" in [ast.unparse(s) for s in guard.body]
    assert all(not isinstance(node, ast.ImportFrom) for node in tree.body), "nothing moved to module level"


# libcst drops a form feed that starts a statement's line (and shifts that line's columns), and the
# last line ending of a CR-only file: the analysis refuses such files rather than alter those bytes.
@pytest.mark.parametrize(
    "source",
    ["import torch.nn as nn\n\x0cx = nn.BatchNorm2d(3)\n", "import torch.nn as nn\rnorm = nn.BatchNorm2d(3)\r"],
    ids=["form-feed", "cr-only"],
)
def test_a_file_libcst_cannot_reproduce_is_refused_not_altered(source):
    with pytest.raises(ParseError, match="^cannot rewrite exactly: libcst does not reproduce this file byte for byte"):
        analyze(source)


@pytest.mark.parametrize("after", ["x = 1\n", ""], ids=["next-line", "end-of-file"])
def test_a_split_import_in_a_one_line_block_stays_in_that_block(after):
    source = "if True: from functorch.experimental import control_flow, replace_all_batch_norm_modules_\n" + after
    analysis = analyze(source)

    [block] = [node for node in ast.parse(analysis.new_source).body if isinstance(node, ast.If)]
    assert [ast.unparse(s) for s in block.body] == [
        "from functorch.experimental import control_flow",
        "from torch.func import replace_all_batch_norm_modules_",
    ]
    assert check_rewrite(source, analysis.new_source, analysis.edits) is None
