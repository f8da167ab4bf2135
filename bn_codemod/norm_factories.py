"""Library norm factories: calls that build a norm layer from a *spec* (a name, a name with arguments, a
config dict) rather than from a class. Data only; families/norm_specs.py applies it.

Checked by scripts/verify_norm_factories.py against monai 1.6.1, mmcv (main, a8073c7, 2026-01-16) and
detectron2 (main, 02b5c4e, 2026-06-06), read as source, never imported; the MONAI fixes were also built
with monai 1.6.1 on torch 2.13.0 (see the script's --build).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# How a spec names its norm layer, and so how a fix can reach the layer's constructor.
MONAI_SPEC = "monai"  # "batch" | Norm.BATCH | ("batch", {kwargs}): the dict is the layer's keyword arguments
MMCV_CFG = "mmcv"  # dict(type="BN", **kwargs): every key but type/requires_grad is a keyword argument
DETECTRON2_NAME = "detectron2"  # "BN": looked up and called with the channel count only, so no argument works


@dataclass(frozen=True)
class NormFactory:
    """A library function or class that builds norm layers from the spec passed in one of its parameters."""

    library: str
    names: tuple[str, ...]  # every qualified name it is importable as
    keyword: str  # the parameter that takes the spec
    positional_index: Optional[int]  # and its positional index, None when keyword-only for us
    kind: str  # MONAI_SPEC | MMCV_CFG | DETECTRON2_NAME
    tracking_specs: tuple[str, ...]  # spec names that build layers tracking running stats
    builds: str  # for messages: what those specs build
    default_spec: str = ""  # the parameter's default as source text when it builds tracking layers, else ""


# MONAI looks names up upper-cased (LayerFactory.get_constructor), so "batch", "BATCH" and Norm.BATCH agree.
MONAI_TRACKING_NAMES = ("BATCH", "SYNCBATCH")
# mmcv/cnn/bricks/norm.py registers these with mmengine's MODELS registry; "IN*" build InstanceNorm (not
# tracking by default), "GN"/"LN" have no running stats.
_MMCV_TRACKING = ("BN", "BN1d", "BN2d", "BN3d", "SyncBN")
# detectron2/layers/batch_norm.py get_norm: "FrozenBN" never updates its buffers, "GN"/"LN" have none.
_DETECTRON2_TRACKING = ("BN", "SyncBN", "nnSyncBN", "naiveSyncBN", "naiveSyncBN_N")

NORM_FACTORIES: tuple[NormFactory, ...] = (
    # get_norm_layer(name, spatial_dims=1, channels=1): Norm[name, spatial_dims](**kwargs)
    NormFactory(
        "monai",
        ("monai.networks.layers.get_norm_layer", "monai.networks.layers.utils.get_norm_layer"),
        "name",
        0,
        MONAI_SPEC,
        MONAI_TRACKING_NAMES,
        "BatchNorm1d/2d/3d or SyncBatchNorm",
    ),
    # build_norm_layer(cfg, num_features, postfix=''): registry.get(type)(num_features, **cfg_without_type)
    NormFactory(
        "mmcv",
        ("mmcv.cnn.build_norm_layer", "mmcv.cnn.bricks.build_norm_layer", "mmcv.cnn.bricks.norm.build_norm_layer"),
        "cfg",
        0,
        MMCV_CFG,
        _MMCV_TRACKING,
        "BatchNorm1d/2d/3d or SyncBatchNorm",
    ),
    # ConvModule(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, conv_cfg,
    # norm_cfg, ...): build_norm_layer(norm_cfg, norm_channels)
    NormFactory(
        "mmcv",
        ("mmcv.cnn.ConvModule", "mmcv.cnn.bricks.ConvModule", "mmcv.cnn.bricks.conv_module.ConvModule"),
        "norm_cfg",
        9,
        MMCV_CFG,
        _MMCV_TRACKING,
        "BatchNorm1d/2d/3d or SyncBatchNorm",
    ),
    # get_norm(norm, out_channels): {"BN": BatchNorm2d, ...}[norm](out_channels)
    NormFactory(
        "detectron2",
        ("detectron2.layers.get_norm", "detectron2.layers.batch_norm.get_norm"),
        "norm",
        0,
        DETECTRON2_NAME,
        _DETECTRON2_TRACKING,
        "BatchNorm2d or SyncBatchNorm",
    ),
)

NORM_FACTORY_BY_QUALNAME: dict[str, NormFactory] = {name: f for f in NORM_FACTORIES for name in f.names}

# MONAI's Norm layer factory: `Norm[Norm.BATCH, 2]` is the class BatchNorm2d itself.
MONAI_NORM_FACTORY = ("monai.networks.layers.Norm", "monai.networks.layers.factories.Norm")

# A finding of norm_specs.py needs an import naming the library's module (the key) and, in the text, one
# of the names (the prefilter and the reduction read this): mmcv's and detectron2's factory names; for
# MONAI, whose files all name Norm, its tracking spec itself: Norm.BATCH/SYNCBATCH, or "batch"/"syncbatch"
# in lower, upper or title case (a spelling such as "batCH" is not looked for). `from monai import
# networks` or `import monai as m` is not seen. Measured on MONAI's own tree (1284 files, --check -j 1,
# min of 3): 1.86x main's time with the key "monai" and the name Norm, 1.28x with these (103 files
# read instead of 71; the 32 more hold Norm.BATCH or "batch").
NAMES_BY_LIBRARY: dict[str, tuple[str, ...]] = {
    "detectron2": ("get_norm",),
    "mmcv": ("ConvModule", "build_norm_layer"),
    "monai.networks": ("BATCH", 'batch"', "batch'", 'Batch"', "Batch'"),
}


# ---- OpenMMLab model classes taking norm_cfg (mmdet 3.3.0, mmsegmentation 1.2.2, mmpretrain ee7f2e8) ----
# The class hands norm_cfg to build_norm_layer for every norm layer it builds, so the call's norm_cfg (or its
# default, restated) gets track_running_stats=False. Checked against the sources and by building each class
# with the fixed spec (scripts/verify_norm_factories.py --mmdet/--mmseg/--mmpretrain, --build).


@dataclass(frozen=True)
class OpenMMLabModel:
    """A backbone class whose norm layers come from its norm_cfg, and whose train() keeps them in eval mode
    when norm_eval is true: then they never update running stats and the class runs under vmap as it is."""

    factory: NormFactory  # norm_cfg: its positional index (None when only **kwargs reach it) and default
    norm_eval_index: Optional[int]  # norm_eval's positional index, None when only **kwargs reach it
    norm_eval_default: Optional[bool]  # None: the class has no norm_eval
    misses: str = ""  # when some of its BatchNorm layers ignore norm_cfg: which, for a BN004 message


_BN = "dict(type='BN')"
_BN_GRAD = "dict(type='BN', requires_grad=True)"
# (library, module under <library>.models.backbones, class, norm_cfg index, default, norm_eval index, default)
_OPENMMLAB_ROWS: tuple[tuple[str, str, str, Optional[int], str, Optional[int], Optional[bool]], ...] = (
    ("mmdet", "resnet", "ResNet", 13, _BN_GRAD, 14, True),
    ("mmdet", "resnet", "ResNetV1d", None, _BN_GRAD, None, True),
    ("mmdet", "resnext", "ResNeXt", None, _BN_GRAD, None, True),
    ("mmdet", "regnet", "RegNet", 12, _BN_GRAD, 13, True),
    ("mmdet", "hrnet", "HRNet", 3, _BN, 4, True),
    ("mmdet", "mobilenet_v2", "MobileNetV2", 4, _BN, 6, False),
    ("mmdet", "csp_darknet", "CSPDarknet", 9, "dict(type='BN', momentum=0.03, eps=0.001)", 11, False),
    ("mmdet", "darknet", "Darknet", 4, _BN_GRAD, 6, True),
    ("mmdet", "res2net", "Res2Net", None, _BN_GRAD, None, True),
    ("mmdet", "resnest", "ResNeSt", None, _BN_GRAD, None, True),
    ("mmseg", "resnet", "ResNet", 13, _BN_GRAD, 14, False),
    ("mmseg", "resnet", "ResNetV1c", None, _BN_GRAD, None, False),
    ("mmseg", "resnet", "ResNetV1d", None, _BN_GRAD, None, False),
    ("mmseg", "resnext", "ResNeXt", None, _BN_GRAD, None, False),
    ("mmseg", "hrnet", "HRNet", 3, _BN_GRAD, 4, False),
    ("mmseg", "mobilenet_v2", "MobileNetV2", 6, _BN, 8, False),
    ("mmseg", "mobilenet_v3", "MobileNetV3", 2, _BN, 6, False),
    ("mmseg", "resnest", "ResNeSt", None, _BN_GRAD, None, False),
    ("mmseg", "fast_scnn", "FastSCNN", 11, _BN, None, None),
    ("mmseg", "bisenetv2", "BiSeNetV2", 8, _BN, None, None),
    ("mmpretrain", "resnet", "ResNet", 14, _BN_GRAD, 15, False),
    ("mmpretrain", "resnet", "ResNetV1c", None, _BN_GRAD, None, False),
    ("mmpretrain", "resnet", "ResNetV1d", None, _BN_GRAD, None, False),
    ("mmpretrain", "resnext", "ResNeXt", None, _BN_GRAD, None, False),
    ("mmpretrain", "regnet", "RegNet", 12, _BN_GRAD, 13, False),
    ("mmpretrain", "hrnet", "HRNet", 4, _BN, 5, False),
    ("mmpretrain", "mobilenet_v2", "MobileNetV2", 4, _BN, 6, False),
    ("mmpretrain", "mobilenet_v3", "MobileNetV3", 2, "dict(type='BN', eps=0.001, momentum=0.01)", 5, False),
    ("mmpretrain", "efficientnet", "EfficientNet", 5, "dict(type='BN', eps=0.001)", 7, False),
    ("mmpretrain", "shufflenet_v2", "ShuffleNetV2", 4, _BN, 6, False),
    ("mmpretrain", "seresnet", "SEResNet", None, _BN_GRAD, None, False),
    ("mmpretrain", "seresnext", "SEResNeXt", None, _BN_GRAD, None, False),
    ("mmpretrain", "resnet_cifar", "ResNet_CIFAR", None, _BN_GRAD, None, False),
)
# mmpretrain's HRNet builds its layer1 (ResLayer) without passing norm_cfg: 13 BatchNorm2d layers of
# ResLayer's default dict(type='BN') whatever the call says.
# mmseg's BiSeNetV2 builds its detail branch and BGA layer without norm_cfg, and its semantic branch's blocks
# with their default: 53 of its BatchNorm2d layers whatever the call says.
_OPENMMLAB_MISSES = {
    ("mmpretrain", "HRNet"): "its layer1 is built with the default dict(type='BN'), not norm_cfg",
    ("mmseg", "BiSeNetV2"): "its branches are built with their default dict(type='BN'), not norm_cfg",
}


def _openmmlab_model(library, module, name, norm_index, default, eval_index, eval_default) -> OpenMMLabModel:
    package = f"{library}.models"
    names = (f"{package}.backbones.{module}.{name}", f"{package}.backbones.{name}", f"{package}.{name}")
    factory = NormFactory(
        library, names, "norm_cfg", norm_index, MMCV_CFG, _MMCV_TRACKING, "BatchNorm2d or SyncBatchNorm", default
    )
    return OpenMMLabModel(factory, eval_index, eval_default, _OPENMMLAB_MISSES.get((library, name), ""))


OPENMMLAB_MODELS: tuple[OpenMMLabModel, ...] = tuple(_openmmlab_model(*row) for row in _OPENMMLAB_ROWS)
OPENMMLAB_MODEL_BY_QUALNAME: dict[str, OpenMMLabModel] = {
    name: model for model in OPENMMLAB_MODELS for name in model.factory.names
}
# The prefilter and the reduction: an import naming `<library>.models` and one of its class names.
for _library in ("mmdet", "mmseg", "mmpretrain"):
    _classes = {m.factory.names[0].rsplit(".", 1)[-1] for m in OPENMMLAB_MODELS if m.factory.library == _library}
    NAMES_BY_LIBRARY[f"{_library}.models"] = tuple(sorted(_classes))
# An OpenMMLab config (families/norm_specs.py: a top-level `_base_ = ...` or `model = dict(...)`) holding a
# norm spec of mmcv's tracking types.
_CONFIG_SPECS = tuple(f"type={quote}{name}{quote}" for name in _MMCV_TRACKING for quote in "'\"")
NAMES_BY_LIBRARY.update({"_base_": _CONFIG_SPECS, "model = dict(": _CONFIG_SPECS})
