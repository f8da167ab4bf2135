"""What the hazard messages say breaks does break, with real torch, in code bn-codemod has fixed; and
the constructor it refuses to fix would have broken.

Needs torch; CI installs it, so these never skip there.
"""

from __future__ import annotations

import pytest

from bn_codemod import fix_source, strip_running_stats

torch = pytest.importorskip("torch")

REP_BLOCK = '''\
import torch
import torch.nn as nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


class RepBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def fold(self):
        std = (self.bn.running_var + self.bn.eps).sqrt()
        return self.conv.weight * (self.bn.weight / std).reshape(-1, 1, 1, 1)

    def fuse(self):
        return fuse_conv_bn_eval(self.conv.eval(), self.bn.eval())


def restore(model, state_dict):
    model.load_state_dict(state_dict)
    return model
'''
UNFREEZE = '''\
import torch.nn as nn


def unfreeze(frozen):
    bn = nn.BatchNorm2d(frozen.num_features)
    bn.running_mean.copy_(frozen.running_mean)
    bn.running_var.copy_(frozen.running_var)
    return bn
'''


def load(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "fixture", "exec"), namespace)
    return namespace


def test_each_hazard_in_a_fixed_model_breaks_as_its_message_says():
    fixed, findings = fix_source(REP_BLOCK)
    assert [(f.code, f.line, f.fixed) for f in findings] == [
        ("BN001", 10, True),
        ("BN009", 13, False),
        ("BN010", 17, False),
        ("BN011", 21, False),
    ]
    messages = {f.code: f.message for f in findings}
    original, patched = load(REP_BLOCK)["RepBlock"](4), load(fixed)["RepBlock"](4)
    original.fold(), original.fuse()  # fine with running statistics

    assert "TypeError" in messages["BN009"]
    with pytest.raises(TypeError):
        patched.fold()
    assert "AssertionError" in messages["BN010"]
    with pytest.raises(AssertionError, match="must not be None"):
        patched.fuse()
    assert "Unexpected key(s)" in messages["BN011"] and "strip_running_stats" in messages["BN011"]
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict"):
        load(fixed)["restore"](patched, original.state_dict())
    load(fixed)["restore"](patched, strip_running_stats(original.state_dict(), patched))  # the advice works


def test_a_constructor_in_a_function_that_writes_statistics_is_reported_not_fixed():
    fixed, findings = fix_source(UNFREEZE)

    assert fixed == UNFREEZE
    assert [(f.code, f.line, f.column, f.fixable) for f in findings] == [
        ("BN001", 5, 10, False),
        ("BN009", 6, 5, False),
        ("BN009", 6, 27, False),
        ("BN009", 7, 5, False),
        ("BN009", 7, 26, False),
    ]
    assert "not fixed" in findings[0].message
    frozen = torch.nn.BatchNorm2d(3)
    frozen.running_mean.fill_(2.0)
    # As written (and as bn-codemod leaves it) the copy works ...
    torch.testing.assert_close(load(fixed)["unfreeze"](frozen).running_mean, frozen.running_mean)
    # ... and the rewrite bn-codemod refuses to make would raise.
    naive = UNFREEZE.replace("(frozen.num_features)", "(frozen.num_features, track_running_stats=False)")
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'copy_'"):
        load(naive)["unfreeze"](frozen)
