"""The visitor and its rule families (bn_codemod/families/)."""

from __future__ import annotations

import gc

import libcst as cst

from bn_codemod.visitor import BatchNormVisitor

SOURCE = """\
from functools import partial
import torch.nn as nn
import torchvision
from functorch.experimental import replace_all_batch_norm_modules_

class MyBN(nn.BatchNorm2d):
    def __init__(self, n):
        super().__init__(n)

bn = nn.BatchNorm2d(8)
factory = partial(nn.BatchNorm1d, eps=1e-3)
norm_layer = nn.BatchNorm3d
model = torchvision.models.resnet18()
"""


def test_a_visit_leaves_no_reference_cycle():
    # A family holding the visitor itself would keep every file's tree alive until the cyclic
    # garbage collector runs: slower and larger on big trees.
    module = cst.parse_module(SOURCE)
    visitor = BatchNormVisitor(SOURCE)
    new_module = module.visit(visitor)
    assert sorted(f.code for f in visitor.findings) == ["BN001", "BN002", "BN002", "BN003", "BN006", "BN008"]
    gc.collect()
    gc.disable()
    try:
        del visitor, module, new_module
        assert gc.collect() == 0
    finally:
        gc.enable()
