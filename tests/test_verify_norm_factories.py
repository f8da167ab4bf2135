"""scripts/verify_norm_factories.py's MONAI network checks, on a small source tree written here: a correct
entry passes, and a deliberately broken one (wrong position, wrong default, a spec dropped on the way,
a batch default left out) is caught. The real run reads monai 1.6.1's wheel (see the script)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

from bn_codemod.norm_factories import MONAI_HARD_WIRED, MONAI_NETWORKS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "verify_norm_factories.py"

UNET = '''
class UNet(nn.Module):
    def __init__(self, spatial_dims, in_channels, out_channels, channels, strides, kernel_size=3, up_kernel_size=3,
                 num_res_units=0, act="PRELU", norm=Norm.INSTANCE, dropout=0.0):
        self.conv = Convolution(spatial_dims, in_channels, channels[0], norm=norm)


Unet = UNet
'''
RESNET = '''
class ResNet(nn.Module):
    def __init__(self, block, layers, block_inplanes, spatial_dims=3, n_input_channels=3, conv1_t_size=7,
                 conv1_t_stride=1, no_max_pool=False, shortcut_type="B", widen_factor=1.0, num_classes=400,
                 feed_forward=True, bias_downsample=True, act=("relu", {"inplace": True}), norm="batch"):
        self.bn1 = get_norm_layer(name=norm, spatial_dims=spatial_dims, channels=64)
        self.layer1 = self._make_layer(block, block_inplanes[0], layers[0], spatial_dims, shortcut_type)

    def _make_layer(self, block, planes, blocks, spatial_dims, shortcut_type, stride=1, norm="batch"):
        return block(planes, norm=norm)
'''


@pytest.fixture
def verify(tmp_path, monkeypatch):
    nets = tmp_path / "monai" / "networks" / "nets"
    nets.mkdir(parents=True)
    (nets / "__init__.py").write_text("from .unet import UNet, Unet\nfrom .resnet import ResNet\n")
    (nets / "unet.py").write_text(UNET)
    (nets / "resnet.py").write_text(RESNET)
    spec = importlib.util.spec_from_file_location("verify_norm_factories", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "verify_norm_factories", module)
    spec.loader.exec_module(module)

    def problems(entry) -> list[str]:
        module.problems.clear()
        module.check_monai_network(module.Source(tmp_path), entry)
        return list(module.problems)

    return problems


def entry(name: str):
    return next(f for f in MONAI_NETWORKS if f.names[0] == f"monai.networks.nets.{name}")


def test_the_table_entries_pass(verify):
    assert verify(entry("UNet")) == []
    assert entry("ResNet").kind == MONAI_HARD_WIRED
    assert verify(entry("ResNet")) == []


def test_a_wrong_position_is_caught(verify):
    broken = dataclasses.replace(entry("UNet"), positional_index=8)
    assert verify(broken) == ["monai.networks.nets.UNet: norm at 9, table says 8"]


def test_a_wrong_default_is_caught(verify):
    broken = dataclasses.replace(entry("UNet"), default_spec='"batch"')
    assert verify(broken) == ['monai.networks.nets.UNet: norm defaults to Norm.INSTANCE, table says "batch"']


def test_a_class_that_drops_its_spec_is_not_a_fix(verify):
    as_fix = dataclasses.replace(entry("ResNet"), keyword="norm", positional_index=14, kind="monai", default_spec='"batch"')
    assert verify(as_fix) == [
        "monai.networks.nets.ResNet: BatchNorm the spec does not choose: "
        "self._make_layer(block, block_inplanes[0], layers[0], spatial_dims, shortcut_type)"
    ]


def test_a_batch_default_left_out_is_caught(verify):
    as_fix = dataclasses.replace(entry("ResNet"), keyword="norm", positional_index=14, kind="monai")
    assert any("which builds BatchNorm: the table needs default_spec" in p for p in verify(as_fix))


def test_a_hard_wired_entry_needs_evidence(verify):
    as_hard_wired = dataclasses.replace(entry("UNet"), kind=MONAI_HARD_WIRED, keyword="", positional_index=None)
    assert verify(as_hard_wired) == [
        "monai.networks.nets.UNet: the table says hard-wired, but no BatchNorm outside the spec was found"
    ]
