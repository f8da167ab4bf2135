"""The fusion helpers of bn_codemod/knowledge.py, checked against the installed torch: each name
exists, works with running statistics, and after the fix does what its entry says.

Needs torch; CI installs it, so these never skip there.
"""

from __future__ import annotations

import copy
import importlib
import re
import warnings

import pytest

from bn_codemod.knowledge import FUSION_HELPER_BY_QUALNAME

torch = pytest.importorskip("torch")
nn = torch.nn


def resolve(qualified_name: str):
    module_name, _, name = qualified_name.rpartition(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.quantization's deprecation notices
        module = importlib.import_module(module_name)
    return getattr(module, name)


class ConvBnRelu(nn.Module):
    def __init__(self, track: bool):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4, track_running_stats=track)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


def call(name: str, function, track: bool):
    """Each helper called the way its users call it, on layers built with or without running stats."""
    model = ConvBnRelu(track).eval()
    linear, bn1d = nn.Linear(3, 4).eval(), nn.BatchNorm1d(4, track_running_stats=track).eval()
    example = (torch.randn(2, 3, 6, 6),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "fuse_conv_bn_eval":
            return function(model.conv, model.bn)
        if name == "fuse_linear_bn_eval":
            return function(linear, bn1d)
        if name in ("fuse_conv_bn_weights", "fuse_linear_bn_weights"):
            layer, bn = (model.conv, model.bn) if name == "fuse_conv_bn_weights" else (linear, bn1d)
            return function(layer.weight, layer.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
        if name == "fuse_modules":
            return function(copy.deepcopy(model), [["conv", "bn", "relu"]])
        if name == "fuse_modules_qat":
            return function(copy.deepcopy(model).train(), [["conv", "bn", "relu"]])
        if name == "fuse_conv_bn":
            return function(False, model.conv, model.bn)
        if name == "fuse_conv_bn_relu":
            return function(False, model.conv, model.bn, model.relu)
        if name == "fuse_linear_bn":
            return function(False, linear, bn1d)
        if name == "fuse_convtranspose_bn":
            return function(False, nn.ConvTranspose2d(3, 4, 3).eval(), model.bn)
        if name == "fuse_fx":
            return function(copy.deepcopy(model))
        if name == "prepare_fx":
            from torch.ao.quantization import get_default_qconfig_mapping

            return function(copy.deepcopy(model), get_default_qconfig_mapping(), example)
        if name == "prepare_qat_fx":
            from torch.ao.quantization import get_default_qat_qconfig_mapping

            return function(copy.deepcopy(model).train(), get_default_qat_qconfig_mapping(), example)
        if name == "fuse":
            return function(copy.deepcopy(model))
    raise AssertionError(f"no probe for {name}: add one")


CASES = sorted(FUSION_HELPER_BY_QUALNAME.items())
ERRORS = {"AssertionError": AssertionError, "TypeError": TypeError}


@pytest.mark.parametrize("qualified_name, helper", CASES, ids=[name for name, _ in CASES])
def test_works_with_running_stats_and_does_what_the_table_says_without(qualified_name, helper):
    name = qualified_name.rpartition(".")[2]
    function = resolve(qualified_name)

    call(name, function, track=True)  # the helper as users call it today

    expected = re.match(r"raises (\w+)(?: \('([^']*)'\))?", helper.after_the_fix)
    if expected is None:  # fx.experimental.optimization.fuse: no error, nothing fused
        fused = call(name, function, track=False)
        assert any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
        assert not any(isinstance(m, nn.BatchNorm2d) for m in call(name, function, track=True).modules())
        return
    error_type, message = expected.groups()
    with pytest.raises(ERRORS[error_type], match=re.escape(message) if message else None):
        call(name, function, track=False)

