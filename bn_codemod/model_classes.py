"""What bn-codemod knows about model classes and model factories of other libraries: data only, no logic.

A library builds its BatchNorm layers in its own code, which the user does not run bn-codemod on, so the
finding belongs at the user's call of the class (or factory), or at the user's subclass of it.
scripts/verify_model_classes.py checks every entry against the libraries' sources (torchvision 0.28.0,
timm 1.0.31, pretrainedmodels 0.7.4, efficientnet_pytorch 0.7.1, torch_geometric 2.8.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from .torchvision_builders import HARD_WIRED, NORM_LAYER_WORKS, RUNTIME_ONLY

CHECKED_AGAINST = (
    "torchvision 0.28.0, timm 1.0.31, pretrainedmodels 0.7.4, efficientnet_pytorch 0.7.1, torch_geometric 2.8.1 (source)"
)

TIMM_REASON = "timm's model classes pass norm_layer on to only some of their norm layers, or none"
LIBRARY_REASON = "its BatchNorm layers are hard-wired"


@dataclass(frozen=True)
class ModelClass:
    """A library class (or factory function) whose construction builds tracking BatchNorm layers."""

    name: str  # "ResNet"
    modules: tuple[str, ...]  # every public module it is importable from
    support: str  # NORM_LAYER_WORKS or RUNTIME_ONLY (torchvision_builders' constants)
    norm_index: int = -1  # positional index of norm_layer in __init__ (self excluded), for NORM_LAYER_WORKS
    default_norm: str = ""  # the torch.nn class the model uses when norm_layer is None
    default_kwargs: tuple[tuple[str, str], ...] = ()  # that default's keywords as source text, to restate
    reason: str = ""  # for RUNTIME_ONLY: short, user-facing
    # A building block that model classes take as a value (`ResNet(block=Bottleneck)`, smp's `"block": Bottleneck`):
    # as a value it is the model's business, fixed or reported at the model's call; built directly, it is reported.
    block: bool = False


_M = "torchvision.models"
_VIDEO = "torchvision.models.video"


def _tv(submodule: str, exported: bool = True, package: str = _M) -> tuple[str, ...]:
    """A torchvision class's modules: its defining module, and its package when in the module's __all__."""
    defining = f"{package}.{submodule}"
    return (package, defining) if exported else (defining,)


_MOBILENET_V3_BN = (("eps", "0.001"), ("momentum", "0.01"))
_MAXVIT_BN = (("eps", "1e-3"), ("momentum", "0.01"))
_S3D_BN = (("eps", "0.001"), ("momentum", "0.001"))

# torchvision classes: `norm_layer` reaches every BatchNorm of the classes the matching builders (verified by
# building, see torchvision_builders.py) construct; the builders only forward their keywords to these classes.
TORCHVISION_CLASSES: tuple[ModelClass, ...] = (
    ModelClass("ResNet", _tv("resnet"), NORM_LAYER_WORKS, 7, "BatchNorm2d"),
    ModelClass("BasicBlock", _tv("resnet", exported=False), NORM_LAYER_WORKS, 7, "BatchNorm2d", block=True),
    ModelClass("Bottleneck", _tv("resnet", exported=False), NORM_LAYER_WORKS, 7, "BatchNorm2d", block=True),
    ModelClass("MobileNetV2", (*_tv("mobilenetv2"), f"{_M}.mobilenet"), NORM_LAYER_WORKS, 5, "BatchNorm2d"),
    ModelClass(
        "MobileNetV3", (*_tv("mobilenetv3"), f"{_M}.mobilenet"), NORM_LAYER_WORKS, 4, "BatchNorm2d", _MOBILENET_V3_BN
    ),
    ModelClass("RegNet", _tv("regnet"), NORM_LAYER_WORKS, 5, "BatchNorm2d"),
    ModelClass("EfficientNet", _tv("efficientnet"), NORM_LAYER_WORKS, 4, "BatchNorm2d"),
    ModelClass("MaxVit", _tv("maxvit"), NORM_LAYER_WORKS, 7, "BatchNorm2d", _MAXVIT_BN),
    ModelClass("S3D", _tv("s3d", package=_VIDEO), NORM_LAYER_WORKS, 2, "BatchNorm3d", _S3D_BN),
    ModelClass("DenseNet", _tv("densenet"), RUNTIME_ONLY, reason=HARD_WIRED),
    ModelClass("GoogLeNet", _tv("googlenet"), RUNTIME_ONLY, reason=HARD_WIRED),
    ModelClass("Inception3", _tv("inception"), RUNTIME_ONLY, reason=HARD_WIRED),
    ModelClass("MNASNet", _tv("mnasnet"), RUNTIME_ONLY, reason=HARD_WIRED),
    ModelClass("ShuffleNetV2", _tv("shufflenetv2"), RUNTIME_ONLY, reason=HARD_WIRED),
    ModelClass("VideoResNet", _tv("resnet", package=_VIDEO), RUNTIME_ONLY, reason=HARD_WIRED),
)

# `make_layers(cfg, batch_norm=True)` (VGG's feature builder): (keyword, positional index, default). A call
# that turns it on builds hard-wired BatchNorm2d layers.
BATCHNORM_SWITCHES: dict[str, tuple[str, int, bool]] = {
    f"{_M}.vgg.make_layers": ("batch_norm", 1, False),
}

_TIMM = "timm.models"
# timm model classes whose default build has BatchNorm layers, by defining module (timm/models/<module>.py);
# each is also exported by timm.models. Classes whose default norm is LayerNorm/GroupNorm are left out.
_TIMM_CLASSES_BY_MODULE: dict[str, tuple[str, ...]] = {
    "byobnet": ("ByobNet",),
    "convmixer": ("ConvMixer",),
    "cpubone": ("CPUBone",),
    "cspnet": ("CspNet",),
    "cspnext": ("CspNext",),
    "densenet": ("DenseNet",),
    "dla": ("DLA",),
    "dpn": ("DPN",),
    "efficientformer": ("EfficientFormer",),
    "efficientformer_v2": ("EfficientFormerV2",),
    "efficientnet": ("EfficientNet", "EfficientNetFeatures"),
    "efficientvim": ("EfficientViM",),
    "efficientvit_mit": ("EfficientVit", "EfficientVitLarge"),
    "efficientvit_msra": ("EfficientVitMsra",),
    "fasternet": ("FasterNet",),
    "fastvit": ("FastVit",),
    "ghostnet": ("GhostNet",),
    "hgnet": ("HighPerfGpuNet",),
    "hrnet": ("HighResolutionNet", "HighResolutionNetFeatures"),
    "inception_next": ("MetaNeXt",),
    "inception_resnet_v2": ("InceptionResnetV2",),
    "inception_v3": ("InceptionV3",),
    "inception_v4": ("InceptionV4",),
    "lcnetv2": ("LCNetV2",),
    "levit": ("Levit",),
    "lowformer": ("LowFormer",),
    "mobilenetv3": ("MobileNetV3", "MobileNetV3Features"),
    "nasnet": ("NASNetALarge",),
    "nextvit": ("NextViT",),
    "pnasnet": ("PNASNet5Large",),
    "regnet": ("RegNet",),
    "repghost": ("RepGhostNet",),
    "repvit": ("RepVit",),
    "resnet": ("ResNet", "BasicBlock", "Bottleneck"),
    "rexnet": ("RexNet",),
    "selecsls": ("SelecSls",),
    "senet": ("SENet",),
    "starnet": ("StarNet",),
    "swiftformer": ("SwiftFormer",),
    "tiny_vit": ("TinyVit",),
    "tresnet": ("TResNet",),
    "vgg": ("VGG",),
    "vovnet": ("VovNet",),
    "xception": ("Xception",),
    "xception_aligned": ("XceptionAligned",),
}
_TIMM_BLOCKS = frozenset({"BasicBlock", "Bottleneck"})
TIMM_CLASSES: tuple[ModelClass, ...] = tuple(
    ModelClass(name, (_TIMM, f"{_TIMM}.{module}"), RUNTIME_ONLY, reason=TIMM_REASON, block=name in _TIMM_BLOCKS)
    for module, names in _TIMM_CLASSES_BY_MODULE.items()
    for name in names
)

# pretrainedmodels: module-level builders with BatchNorm (they also load ImageNet weights by default),
# by defining module (pretrainedmodels/models/<module>.py); each is exported by pretrainedmodels and
# pretrainedmodels.models.
_PRETRAINEDMODELS_BY_MODULE: dict[str, tuple[str, ...]] = {
    "fbresnet": ("fbresnet152",),
    "cafferesnet": ("cafferesnet101",),
    "bninception": ("bninception",),
    "resnext": ("resnext101_32x4d", "resnext101_64x4d"),
    "inceptionv4": ("inceptionv4",),
    "inceptionresnetv2": ("inceptionresnetv2",),
    "nasnet": ("nasnetalarge",),
    "nasnet_mobile": ("nasnetamobile",),
    "torchvision_models": (
        "densenet121", "densenet169", "densenet201", "densenet161", "resnet18", "resnet34", "resnet50",
        "resnet101", "resnet152", "inceptionv3", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    ),
    "dpn": ("dpn68", "dpn68b", "dpn92", "dpn98", "dpn131", "dpn107"),
    "xception": ("xception",),
    "senet": (
        "senet154", "se_resnet50", "se_resnet101", "se_resnet152", "se_resnext50_32x4d", "se_resnext101_32x4d",
    ),
    "pnasnet": ("pnasnet5large",),
    "polynet": ("polynet",),
}
PRETRAINEDMODELS_FACTORIES: tuple[ModelClass, ...] = tuple(
    ModelClass(
        name,
        ("pretrainedmodels", "pretrainedmodels.models", f"pretrainedmodels.models.{module}"),
        RUNTIME_ONLY,
        reason=LIBRARY_REASON,
    )
    for module, names in _PRETRAINEDMODELS_BY_MODULE.items()
    for name in names
)

# pretrainedmodels' model classes, importable from their defining module only (segmentation libraries
# subclass them for their encoders).
_PRETRAINEDMODELS_CLASSES_BY_MODULE: dict[str, tuple[str, ...]] = {
    "bninception": ("BNInception",),
    "cafferesnet": ("ResNet",),
    "dpn": ("DPN",),
    "fbresnet": ("FBResNet",),
    "inceptionresnetv2": ("InceptionResNetV2",),
    "inceptionv4": ("InceptionV4",),
    "nasnet": ("NASNetALarge",),
    "nasnet_mobile": ("NASNetAMobile",),
    "pnasnet": ("PNASNet5Large",),
    "polynet": ("PolyNet",),
    "senet": ("SENet",),
    "xception": ("Xception",),
}
PRETRAINEDMODELS_CLASSES: tuple[ModelClass, ...] = tuple(
    ModelClass(name, (f"pretrainedmodels.models.{module}",), RUNTIME_ONLY, reason=LIBRARY_REASON)
    for module, names in _PRETRAINEDMODELS_CLASSES_BY_MODULE.items()
    for name in names
)

# efficientnet_pytorch: the class and its two constructors, BatchNorm2d hard-wired in model.py.
_EFFICIENTNET_PYTORCH = ("efficientnet_pytorch", "efficientnet_pytorch.model")
EFFICIENTNET_PYTORCH_CLASSES: tuple[ModelClass, ...] = (
    ModelClass("EfficientNet", _EFFICIENTNET_PYTORCH, RUNTIME_ONLY, reason=LIBRARY_REASON),
    ModelClass("EfficientNet.from_name", _EFFICIENTNET_PYTORCH, RUNTIME_ONLY, reason=LIBRARY_REASON),
    ModelClass("EfficientNet.from_pretrained", _EFFICIENTNET_PYTORCH, RUNTIME_ONLY, reason=LIBRARY_REASON),
)

# torch_geometric (2.8.1) models that build torch.nn.BatchNorm1d themselves, whatever their arguments. Models
# whose norm is a spec (MLP, GCN, GPSConv…) are norm_factories.py's; GPSE (has_bn=True by default) and LINKX
# (BatchNorm only with num_layers > 1 or num_edge_layers > 1) depend on an argument and are left out.
PYG_MODEL_CLASSES: tuple[ModelClass, ...] = tuple(
    ModelClass(name, ("torch_geometric.nn", "torch_geometric.nn.models", f"torch_geometric.nn.models.{module}"),
               RUNTIME_ONLY, reason=LIBRARY_REASON)
    for module, name in (("sgformer", "SGFormer"), ("gnnff", "GNNFF"))
)

MODEL_CLASSES: tuple[ModelClass, ...] = (
    *TORCHVISION_CLASSES,
    *TIMM_CLASSES,
    *PRETRAINEDMODELS_FACTORIES,
    *PRETRAINEDMODELS_CLASSES,
    *EFFICIENTNET_PYTORCH_CLASSES,
    *PYG_MODEL_CLASSES,
)

# Where the model classes live, as a file names it: torchvision.models, timm.models, pretrainedmodels(.models),
# efficientnet_pytorch, torch_geometric.nn.
MODEL_LIBRARIES = frozenset(".".join(model.modules[0].split(".")[:2]) for model in MODEL_CLASSES)

MODEL_CLASS_BY_QUALNAME: dict[str, ModelClass] = {
    f"{module}.{model.name}": model for model in MODEL_CLASSES for module in model.modules
}
