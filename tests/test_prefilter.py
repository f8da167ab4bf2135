"""The byte prefilter only ever skips files without findings (it is conservative)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from bn_codemod.analysis import may_have_findings
from bn_codemod.norm_factories import NORM_FACTORIES
from bn_codemod.visitor import BatchNormVisitor

TESTS = Path(__file__).parent
CORPUS = sorted({*TESTS.glob("fixtures/**/*.py"), *TESTS.parent.glob("bn_codemod/*.py")})


def findings_without_prefilter(source: str, extra_classes=()):
    visitor = BatchNormVisitor(source, extra_classes)
    MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).visit(visitor)
    return visitor.findings


def variants(source: str):
    """The file, and copies with the tokens the prefilter looks for changed in ways that keep findings."""
    yield source
    yield source.replace("import torch.nn as nn", "from torch import nn")
    yield source.replace("\n", "\r\n")
    yield "# -*- coding: utf-8 -*-\n" + source


@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(TESTS.parent)) for p in CORPUS])
def test_no_file_with_findings_is_dropped(path):
    for source in variants(path.read_text(encoding="utf-8")):
        try:
            found = findings_without_prefilter(source)
        except cst.ParserSyntaxError:
            continue
        if found:
            assert may_have_findings(source.encode("utf-8")), path


def test_files_without_torch_or_timm_are_skipped():
    assert not may_have_findings(b"import numpy as np\nx = np.BatchNorm(3)\n")
    assert not may_have_findings(b"import torch\nx = torch.ones(3)\n")


def test_extra_classes_extend_the_prefilter():
    source = "from mypkg.layers import MyNormLayer\nlayer = MyNormLayer(8)\n"
    assert findings_without_prefilter(source, ["mypkg.layers.MyNormLayer"])
    assert may_have_findings(source.encode(), ["mypkg.layers.MyNormLayer"])
    assert not may_have_findings(source.encode())


def test_library_norm_specs_pass_the_prefilter_and_other_monai_files_do_not():
    mixed_case = 'from monai.networks.layers import Norm as N\nlayer = N["Batch", 2](4)\n'
    assert findings_without_prefilter(mixed_case)
    assert may_have_findings(mixed_case.encode())
    # MONAI's own files all name Norm: those without a BatchNorm spec are skipped.
    assert not may_have_findings(b"from monai.networks.layers import Norm\nlayer = Norm['layer', 2](4)\n")
    for factory in NORM_FACTORIES:
        module, _, name = factory.names[0].rpartition(".")
        spec = {"monai": "'batch'", "mmcv": "{'type': 'BN'}", "detectron2": "'BN'", "torch_geometric": "'batch'"}[
            factory.library
        ]
        source = f"from {module} import {name}\nlayer = {name}(3, {factory.keyword}={spec})\n"
        if factory.keyword == "query":  # normalization_resolver(query, *args, **kwargs)
            source = f"from {module} import {name}\nlayer = {name}({spec}, 3)\n"
        if factory.tracking_specs == ("True",):  # CGConv(batch_norm=True), Polynormer(post_bn=True)
            source = f"from {module} import {name}\nlayer = {name}(3, {factory.keyword}=True)\n"
        sources = [source] if factory.keyword else []
        if factory.library == "monai" and (factory.default_spec or not factory.keyword):
            sources.append(f"from {module} import {name}\nlayer = {name}(3)\n")  # BatchNorm found by the name
        for source in sources:
            assert findings_without_prefilter(source), source
            assert may_have_findings(source.encode()), source


def test_a_torch_geometric_model_with_its_batch_norm_default_passes_the_prefilter():
    """MLP and GPSConv build BatchNorm with no spec in the text: their names are enough."""
    for source in (
        "from torch_geometric.nn import MLP\nmlp = MLP([16, 32, 8])\n",
        "import torch_geometric.nn.conv as conv\nlayer = conv.GPSConv(16, None)\n",
    ):
        assert findings_without_prefilter(source), source
        assert may_have_findings(source.encode()), source
    assert not may_have_findings(b"from torch_geometric.nn import GraphConv\nconv = GraphConv(16, 32)\n")
