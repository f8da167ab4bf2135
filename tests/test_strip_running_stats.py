"""bn_codemod.strip_running_stats: checkpoints saved before the fix load into the fixed model.

The model is torchvision-style (norm_layer defaults to nn.BatchNorm2d); the patched model is what
bn-codemod makes of its source. Needs torch; CI installs it, so these never skip there.
"""

from __future__ import annotations

import io
import subprocess
import sys
import types
from collections import OrderedDict

import pytest

from bn_codemod import fix_source, strip_running_stats

torch = pytest.importorskip("torch")

RESNET_SOURCE = '''\
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), norm_layer(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet(nn.Module):
    def __init__(self, num_classes=10, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = norm_layer(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(8, 8, norm_layer=norm_layer)
        self.layer2 = BasicBlock(8, 16, stride=2, norm_layer=norm_layer)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch_flatten(self.avgpool(x)))


def torch_flatten(x):
    return x.flatten(1)
'''
RUNNING_STATS = ("running_mean", "running_var", "num_batches_tracked")


def build(source: str):
    namespace: dict = {}
    exec(compile(source, "resnet", "exec"), namespace)
    torch.manual_seed(0)
    return namespace["ResNet"]()


def trained_checkpoint(model):
    """A state dict as torch.load returns it, with running statistics that are not the defaults."""
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = model(torch.randn(8, 3, 8, 8) * 3 + 1).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer)


@pytest.fixture
def models():
    fixed_source, findings = fix_source(RESNET_SOURCE)
    assert [f.code for f in findings] == ["BN002", "BN002"]
    original, patched = build(RESNET_SOURCE), build(fixed_source)
    return original, patched, trained_checkpoint(original)


def test_a_checkpoint_from_before_the_fix_fails_a_strict_load(models):
    _, patched, checkpoint = models

    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "bn1.running_mean"'):
        patched.load_state_dict(checkpoint)


def test_stripped_checkpoint_loads_strictly_with_every_parameter(models):
    original, patched, checkpoint = models

    stripped = strip_running_stats(checkpoint)
    patched.load_state_dict(stripped)  # strict

    assert set(stripped) == set(patched.state_dict())
    assert not any(key.endswith(RUNNING_STATS) for key in stripped)
    for name, value in patched.state_dict().items():
        torch.testing.assert_close(value, original.state_dict()[name], rtol=0, atol=0)


def test_with_the_module_exactly_its_missing_keys_go(models):
    _, patched, checkpoint = models

    stripped = strip_running_stats(checkpoint, patched)

    assert list(stripped) == list(patched.state_dict())
    assert set(checkpoint) - set(stripped) == {k for k in checkpoint if k.endswith(RUNNING_STATS)}
    patched.load_state_dict(stripped)


def test_the_copy_keeps_type_and_metadata_and_the_original_is_untouched(models):
    _, _, checkpoint = models
    keys_before = list(checkpoint)

    stripped = strip_running_stats(checkpoint)

    assert type(stripped) is OrderedDict
    assert stripped._metadata == checkpoint._metadata  # layer versions torch's loaders read
    assert stripped._metadata is not checkpoint._metadata
    assert list(checkpoint) == keys_before
    assert [k for k in keys_before if k in stripped] == list(stripped)  # order kept


def test_eval_outputs_after_the_migration_use_batch_statistics(models):
    """What the README documents: the weights load, the trained statistics do not come back."""
    original, patched, checkpoint = models
    patched.load_state_dict(strip_running_stats(checkpoint))
    original.eval()
    patched.eval()
    inputs = torch.randn(4, 3, 8, 8) * 3 + 1
    with torch.no_grad():
        with_running_stats = original(inputs)
        batch_statistics = patched(inputs)
        # The same weights normalised with the batch's statistics: the runtime patch's behaviour.
        torch.func.replace_all_batch_norm_modules_(original)
        runtime_patched = original(inputs)
        first_two_alone = patched(inputs[:2])

    torch.testing.assert_close(batch_statistics, runtime_patched)
    assert not torch.allclose(batch_statistics, with_running_stats, atol=1e-3)
    # and each output depends on the rest of the batch, even in eval mode
    assert not torch.allclose(first_two_alone, batch_statistics[:2], atol=1e-3)


def test_strict_false_drops_the_trained_statistics_silently(models):
    """Why BN011 reports load_state_dict(strict=False): no error, only a list nobody reads."""
    _, patched, checkpoint = models

    result = patched.load_state_dict(checkpoint, strict=False)

    assert result.missing_keys == []
    assert set(result.unexpected_keys) == {k for k in checkpoint if k.endswith(RUNNING_STATS)}


def test_a_buffer_of_the_same_name_outside_norm_layers_is_kept_with_module():
    class Normaliser(torch.nn.Module):  # an observation normaliser, not a norm layer
        def __init__(self):
            super().__init__()
            self.register_buffer("running_mean", torch.zeros(3))
            self.register_buffer("running_var", torch.ones(3))

    def build_model(track: bool):
        return torch.nn.Sequential(
            OrderedDict(
                obs=Normaliser(),
                conv=torch.nn.Conv1d(3, 4, 1),
                patched=torch.nn.BatchNorm1d(4, track_running_stats=track),
                still_tracking=torch.nn.BatchNorm1d(4),
            )
        )

    checkpoint = build_model(True).state_dict()
    model = build_model(False)

    stripped = strip_running_stats(checkpoint, model)

    assert set(checkpoint) - set(stripped) == {
        "patched.running_mean",
        "patched.running_var",
        "patched.num_batches_tracked",
    }
    model.load_state_dict(stripped)
    # Without the module, every prefix with running_mean and running_var looks like a norm layer.
    with pytest.raises(RuntimeError, match="Missing key"):
        model.load_state_dict(strip_running_stats(checkpoint))


def test_an_unexpected_key_of_another_name_still_fails_with_module(models):
    _, patched, checkpoint = models
    checkpoint["head.weight"] = torch.zeros(1)

    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "head.weight"'):
        patched.load_state_dict(strip_running_stats(checkpoint, patched))


def test_plain_mappings_without_torch():
    state = {"bn.weight": 1, "bn.running_mean": 2, "bn.running_var": 3, "bn.num_batches_tracked": 4, "running_mean": 5}
    assert strip_running_stats(state) == {"bn.weight": 1, "running_mean": 5}
    assert strip_running_stats({"running_mean": 1, "running_var": 2, "weight": 3}) == {"weight": 3}
    frozen = types.MappingProxyType(state)
    assert strip_running_stats(frozen) == {"bn.weight": 1, "running_mean": 5}


def test_importing_bn_codemod_does_not_import_torch():
    code = "import sys, bn_codemod; bn_codemod.strip_running_stats({}); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
