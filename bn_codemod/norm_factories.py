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
MONAI_HARD_WIRED = "monai-hard-wired"  # a MONAI network some of whose BatchNorm layers no argument reaches
PYG_NAME = "pyg"  # "batch_norm": pyg's normalization_resolver(norm, channels, **norm_kwargs) builds each layer
PYG_RESOLVER = "pyg-resolver"  # normalization_resolver("batch_norm", *args, **kwargs): the call's own arguments
PYG_FIXED = "pyg-fixed"  # "batch" or a True flag: compared as is, BatchNorm1d built with the channel count only


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

# ---- torch_geometric (i14-pyg) ----------------------------------------------------------------------------
# Checked by scripts/verify_norm_factories.py --pyg against torch_geometric 2.8.1 (the release pip offers; its
# resolver, MLP, BasicGNN, GPSConv and GENConv are identical on main 5c6461b, 2026-08-17) and built with it on
# torch 2.13.0 (--build-pyg).
#
# normalization_resolver(query, *args, **kwargs) looks a string up by normalize_string: lower-cased, with
# "-", "_" and " " removed; it matches a class of torch_geometric.nn.norm by its name so normalised, or with
# "norm" removed. Of those classes BatchNorm (BatchNorm1d inside), HeteroBatchNorm (its own running stats)
# and DiffGroupNorm (BatchNorm1d inside) track by default, and all three take track_running_stats, which
# **kwargs hands them; a class, an instance or None is returned as is, so only a string is a spec.
PYG_TRACKING_NAMES = ("batchnorm", "batch", "heterobatchnorm", "heterobatch", "diffgroupnorm", "diffgroup")
PYG_BUILDS = "torch_geometric BatchNorm, HeteroBatchNorm or DiffGroupNorm"
# The models hand `norm_kwargs` (the parameter right after `norm`, positionally too) to every resolver call;
# BasicGNN resolves once and deep-copies the layer, GIN and EdgeCNN pass norm and norm_kwargs on to their MLPs.
PYG_NORM_KWARGS = "norm_kwargs"
# MLP's deprecated `batch_norm=<bool>` (read from **kwargs) overrides norm with "batch_norm" or None, and
# norm_kwargs with `batch_norm_kwargs or {}`.
PYG_MLP_LEGACY = ("batch_norm", "batch_norm_kwargs")
PYG_MLP_NAMES = ("torch_geometric.nn.MLP", "torch_geometric.nn.models.MLP", "torch_geometric.nn.models.mlp.MLP")
_PYG_BASIC_GNNS = ("GCN", "GraphSAGE", "GIN", "GAT", "PNA", "EdgeCNN")

PYG_NORM_FACTORIES: tuple[NormFactory, ...] = (
    # MLP(channel_list=None, *, ..., norm="batch_norm", norm_kwargs=None, plain_last=True, bias=True, **kwargs)
    NormFactory("torch_geometric", PYG_MLP_NAMES, "norm", None, PYG_NAME, PYG_TRACKING_NAMES, PYG_BUILDS, '"batch_norm"'),
    # BasicGNN(in_channels, hidden_channels, num_layers, out_channels, dropout, act, act_first, act_kwargs,
    # norm=None, norm_kwargs=None, jk=None, **kwargs), for each subclass
    *(
        NormFactory(
            "torch_geometric",
            tuple(f"{module}.{name}" for module in ("torch_geometric.nn", "torch_geometric.nn.models", "torch_geometric.nn.models.basic_gnn")),
            "norm",
            8,
            PYG_NAME,
            PYG_TRACKING_NAMES,
            PYG_BUILDS,
        )
        for name in _PYG_BASIC_GNNS
    ),
    # GPSConv(channels, conv, heads, dropout, act, act_kwargs, norm='batch_norm', norm_kwargs=None, ...)
    NormFactory(
        "torch_geometric",
        ("torch_geometric.nn.GPSConv", "torch_geometric.nn.conv.GPSConv", "torch_geometric.nn.conv.gps_conv.GPSConv"),
        "norm",
        6,
        PYG_NAME,
        PYG_TRACKING_NAMES,
        PYG_BUILDS,
        "'batch_norm'",
    ),
    # normalization_resolver(query, *args, **kwargs): the layer class(*args, **kwargs)
    NormFactory(
        "torch_geometric",
        ("torch_geometric.nn.resolver.normalization_resolver",),
        "query",
        0,
        PYG_RESOLVER,
        PYG_TRACKING_NAMES,
        PYG_BUILDS,
    ),
    # GENConv(in_channels, out_channels, aggr, t, learn_t, p, learn_p, msg_norm, learn_msg_scale, norm='batch',
    # ...): its own MLP appends BatchNorm1d(channels, affine=True) when norm == 'batch'
    NormFactory(
        "torch_geometric",
        ("torch_geometric.nn.GENConv", "torch_geometric.nn.conv.GENConv", "torch_geometric.nn.conv.gen_conv.GENConv"),
        "norm",
        9,
        PYG_FIXED,
        ("batch",),
        "BatchNorm1d",
        "'batch'",
    ),
    # CGConv(channels, dim=0, aggr='add', batch_norm=False, bias=True, **kwargs): if batch_norm, BatchNorm1d(c)
    NormFactory(
        "torch_geometric",
        ("torch_geometric.nn.CGConv", "torch_geometric.nn.conv.CGConv", "torch_geometric.nn.conv.cg_conv.CGConv"),
        "batch_norm",
        3,
        PYG_FIXED,
        ("True",),
        "BatchNorm1d",
    ),
    # Polynormer(in_channels, hidden_channels, out_channels, local_layers, global_layers, in_dropout, dropout,
    # global_dropout, heads, beta, qk_shared, pre_ln, post_bn=True, local_attn): if post_bn, BatchNorm1d(c)
    NormFactory(
        "torch_geometric",
        (
            "torch_geometric.nn.Polynormer",
            "torch_geometric.nn.models.Polynormer",
            "torch_geometric.nn.models.polynormer.Polynormer",
        ),
        "post_bn",
        12,
        PYG_FIXED,
        ("True",),
        "BatchNorm1d",
        "True",
    ),
)
# In normalization_resolver("batch_norm", c, ...) the layer's own parameters follow the query: the class each
# tracking name builds, and the positional index of track_running_stats among the resolver's *args.
PYG_TRACKING_SLOT: dict[str, tuple[str, int]] = {
    "batchnorm": ("BatchNorm", 4),
    "batch": ("BatchNorm", 4),
    "heterobatchnorm": ("HeteroBatchNorm", 5),
    "heterobatch": ("HeteroBatchNorm", 5),
    "diffgroupnorm": ("DiffGroupNorm", 6),
    "diffgroup": ("DiffGroupNorm", 6),
}
NORM_FACTORIES = NORM_FACTORIES + PYG_NORM_FACTORIES
# ---- end torch_geometric ----------------------------------------------------------------------------------

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
# --- MONAI networks and blocks (issue 14) ---------------------------------------------------------------
# Constructors of monai.networks.nets / monai.networks.blocks that hand their norm spec to every norm layer
# they build (checked by building each one with the rewritten spec: scripts/verify_norm_factories.py
# --build), and networks whose BatchNorm layers are partly or wholly out of the spec's reach (BN004).
_MONAI_NETS = "monai.networks.nets"
_MONAI_BLOCKS = "monai.networks.blocks"
_MONAI_BATCH = "BatchNorm1d/2d/3d"


def _monai_names(module: str, aliases: tuple[str, ...], package: str) -> tuple[str, ...]:
    """Every alias, as exported by the package and as bound in its defining module."""
    return tuple(f"{where}.{alias}" for alias in aliases for where in (package, f"{package}.{module}"))


def _monai_spec(
    module: str, aliases: tuple[str, ...], keyword: str, index: Optional[int], default: str = "", package: str = _MONAI_NETS
) -> NormFactory:
    return NormFactory(
        "monai", _monai_names(module, aliases, package), keyword, index, MONAI_SPEC, MONAI_TRACKING_NAMES, _MONAI_BATCH, default
    )


def _monai_hard_wired(module: str, aliases: tuple[str, ...], why: str) -> NormFactory:
    return NormFactory("monai", _monai_names(module, aliases, _MONAI_NETS), "", None, MONAI_HARD_WIRED, (), why)


_BATCH = '"batch"'
_EFFICIENTNET_BATCH = '("batch", {"eps": 1e-3, "momentum": 0.01})'
_DENSENET_VARIANT = ("DenseNet121", "DenseNet169", "DenseNet201", "DenseNet264")
_SENET = (
    ("SENet", "SEnet", "Senet"),
    ("SENet154", "SEnet154", "Senet154", "senet154"),
    *((f"SEResNet{d}", f"SEresnet{d}", f"Seresnet{d}", f"seresnet{d}") for d in (50, 101, 152)),
    *((f"SEResNext{d}", f"SEResNeXt{d}", f"SEresnext{d}", f"Seresnext{d}", f"seresnext{d}") for d in (50, 101)),
)
MONAI_PARTLY_REACHED = "BatchNorm layers, some of which its norm argument never reaches"
_HARD_WIRED = "BatchNorm layers that no argument reaches"

MONAI_NETWORKS: tuple[NormFactory, ...] = (
    # The spec reaches every norm layer; the default builds no BatchNorm.
    _monai_spec("unet", ("UNet", "Unet"), "norm", 9),
    _monai_spec("basic_unet", ("BasicUNet", "BasicUnet", "Basicunet", "basicunet"), "norm", 5),
    _monai_spec(
        "basic_unetplusplus", ("BasicUNetPlusPlus", "BasicUnetPlusPlus", "BasicunetPlusPlus", "basicunetplusplus"), "norm", 6
    ),
    _monai_spec("dynunet", ("DynUNet", "DynUnet", "Dynunet"), "norm_name", 8),
    _monai_spec("unetr", ("UNETR",), "norm_name", 8),
    _monai_spec("swin_unetr", ("SwinUNETR",), "norm_name", 9),
    _monai_spec("segresnet", ("SegResNet",), "norm", 6),
    _monai_spec("segresnet", ("SegResNetVAE",), "norm", 10),
    _monai_spec("autoencoder", ("AutoEncoder",), "norm", 12),
    _monai_spec("varautoencoder", ("VarAutoEncoder",), "norm", 13),
    _monai_spec("classifier", ("Classifier",), "norm", 7),
    _monai_spec("classifier", ("Discriminator", "Critic"), "norm", 6),
    _monai_spec("regressor", ("Regressor",), "norm", 7),
    _monai_spec("generator", ("Generator",), "norm", 7),
    _monai_spec("dints", ("DiNTS",), "norm_name", 4),
    _monai_spec("dints", ("TopologyInstance", "TopologySearch"), "norm_name", 7),
    _monai_spec("convolutions", ("Convolution",), "norm", 7, package=_MONAI_BLOCKS),
    _monai_spec("convolutions", ("ResidualUnit",), "norm", 8, package=_MONAI_BLOCKS),
    _monai_spec("acti_norm", ("ADN",), "norm", 3, package=_MONAI_BLOCKS),
    _monai_spec("dynunet_block", ("UnetBasicBlock", "UnetResBlock"), "norm_name", 5, package=_MONAI_BLOCKS),
    _monai_spec("dynunet_block", ("UnetUpBlock",), "norm_name", 6, package=_MONAI_BLOCKS),
    _monai_spec("unetr_block", ("UnetrBasicBlock", "UnetrUpBlock"), "norm_name", 5, package=_MONAI_BLOCKS),
    _monai_spec("unetr_block", ("UnetrPrUpBlock",), "norm_name", 7, package=_MONAI_BLOCKS),
    # The spec reaches every norm layer, and the default builds BatchNorm: restated with the key when absent.
    _monai_spec("segresnet_ds", ("SegResNetDS", "SegResNetDS2"), "norm", 5, _BATCH),
    _monai_spec("densenet", ("DenseNet", "Densenet"), "norm", 8, _BATCH),
    *(_monai_spec("densenet", (name, f"Densenet{name[8:]}", f"densenet{name[8:]}"), "norm", None, _BATCH) for name in _DENSENET_VARIANT),
    _monai_spec("resnet", ("ResNetBlock", "ResNetBottleneck"), "norm", 6, _BATCH),
    _monai_spec("efficientnet", ("EfficientNetBN", "EfficientNetBNFeatures", "EfficientNetEncoder"), "norm", 6, _EFFICIENTNET_BATCH),
    _monai_spec("efficientnet", ("EfficientNet",), "norm", 8, _EFFICIENTNET_BATCH),
    _monai_spec("highresnet", ("HighResNet",), "norm_type", 3, '("batch", {"affine": True})'),
    _monai_spec("highresnet", ("HighResBlock",), "norm_type", 5, '("batch", {"affine": True})'),
    _monai_spec("patchgan_discriminator", ("PatchDiscriminator",), "norm", 7, '"BATCH"'),
    _monai_spec("patchgan_discriminator", ("MultiScalePatchDiscriminator",), "norm", 8, '"BATCH"'),
    _monai_spec("aspp", ("SimpleASPP",), "norm_type", 5, '"BATCH"', package=_MONAI_BLOCKS),
    # Some norm layers are out of the spec's reach: ResNet._make_layer is called without norm, HoVerNet's
    # decoders and FlexibleUNet's encoder build their own.
    _monai_hard_wired("resnet", ("ResNet",), MONAI_PARTLY_REACHED),
    *(_monai_hard_wired("resnet", (f"resnet{depth}",), MONAI_PARTLY_REACHED) for depth in (10, 18, 34, 50, 101, 152, 200)),
    _monai_hard_wired("hovernet", ("HoVerNet", "HoVernet", "HoverNet", "Hovernet"), MONAI_PARTLY_REACHED),
    _monai_hard_wired("flexible_unet", ("FlexibleUNet", "FlexUNet"), MONAI_PARTLY_REACHED),
    # No norm argument at all.
    _monai_hard_wired("resnet", ("ResNetFeatures", "ResNetEncoder"), _HARD_WIRED),
    _monai_hard_wired("attentionunet", ("AttentionUnet",), _HARD_WIRED),
    _monai_hard_wired("vnet", ("VNet",), _HARD_WIRED),
    _monai_hard_wired("ahnet", ("AHNet", "AHnet", "Ahnet"), _HARD_WIRED),
    _monai_hard_wired("regunet", ("RegUNet", "LocalNet", "GlobalNet"), _HARD_WIRED),
    *(_monai_hard_wired("senet", aliases, _HARD_WIRED) for aliases in _SENET),
)
NORM_FACTORIES += MONAI_NETWORKS
# Blocks handed to MONAI's ResNet(block=...), which builds them with its own norm: silent as values.
MONAI_BLOCKS_AS_VALUES = frozenset(_monai_names("resnet", ("ResNetBlock", "ResNetBottleneck"), _MONAI_NETS))
NORM_FACTORY_BY_QUALNAME.update((name, f) for f in MONAI_NETWORKS for name in f.names)
# Found without a spec in the text: by the class's own name, in a file naming monai.networks.
NAMES_BY_LIBRARY["monai.networks"] += tuple(
    sorted({name.rsplit(".", 1)[-1] for f in MONAI_NETWORKS if f.default_spec or f.kind == MONAI_HARD_WIRED for name in f.names})
)
# torch_geometric: a call of MLP, GPSConv, GENConv, CGConv, Polynormer or normalization_resolver, or a norm=
# keyword given a tracking spec starting in lower, upper or title case. pyg's own files name its classes and
# 'batch' (a data key) all over: with the bare class names its tree (--check -j 1, min of 3) read 293 of 1336
# files instead of main's 65 (3.0x main's CPU time), with quote+"batch" 158 (2.0x), with these 92 (1.27x and
# 1.35x in two runs; its examples/ 1.28x-1.40x, 37 of 152 files instead of 22; timm reads the same files as
# main, 1.02x-1.04x, noise). The BasicGNN
# models (default None) are not looked for by name: `GCN(` alone is in 43 of pyg's files (152 read). Not
# looked for: an aliased class, a spec given positionally (unless the file calls one of the names above),
# with spaces around "=", starting with a separator or in mixed case ("bAtch").
NAMES_BY_LIBRARY["torch_geometric"] = (
    *(f"{f.names[0].rsplit('.', 1)[-1]}(" for f in PYG_NORM_FACTORIES if f.default_spec or f.kind != PYG_NAME),
    *(
        f"norm={quote}{spelling}"
        for quote in ("'", '"')
        for spelling in ("batch", "Batch", "BATCH", "diff", "Diff", "DIFF", "hetero", "Hetero", "HETERO")
    ),
)
# Also a partial of any of those classes, and a class whose default builds BatchNorm named as a value anywhere
# (reported where named: `model_cls = MLP`, `{"mlp": MLP}`, `[MLP, GCN]`, `a if c else GENConv`): by its bare name.
NAMES_BY_LIBRARY["torch_geometric"] += (
    *(f"partial({f.names[0].rsplit('.', 1)[-1]}" for f in PYG_NORM_FACTORIES if f.kind != PYG_RESOLVER),
    *(f.names[0].rsplit(".", 1)[-1] for f in PYG_NORM_FACTORIES if f.default_spec),
)
