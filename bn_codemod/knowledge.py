"""What bn-codemod knows about torch: data only, no logic.

Every entry was checked against torch 2.13.0 (CPU); see ../shared/BATCHNORM_FACTS.md in the steering repo.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model_classes import MODEL_CLASSES, MODEL_LIBRARIES
from .norm_factories import NAMES_BY_LIBRARY
from .torchvision_builders import BUILDERS, Builder

CHECKED_AGAINST = "torch 2.13.0"


@dataclass(frozen=True)
class NormClass:
    """A module class whose constructor takes `track_running_stats`."""

    name: str
    modules: tuple[str, ...]  # every module path the class is importable from
    tracks_by_default: bool  # value of track_running_stats when the argument is absent
    positional_index: int  # index of track_running_stats among the positional parameters
    # Arguments (keyword, positional index) that the class refuses with track_running_stats=False.
    needs_tracking: tuple[tuple[str, int], ...] = ()


_BATCHNORM_MODULES = ("torch.nn", "torch.nn.modules", "torch.nn.modules.batchnorm")
_INSTANCENORM_MODULES = ("torch.nn", "torch.nn.modules", "torch.nn.modules.instancenorm")

# Signature of all: (num_features, eps, momentum, affine, track_running_stats, ...);
# the Lazy classes have no num_features, so the slot moves to index 3.
NORM_CLASSES: tuple[NormClass, ...] = (
    NormClass("BatchNorm1d", _BATCHNORM_MODULES, True, 4),
    NormClass("BatchNorm2d", _BATCHNORM_MODULES, True, 4),
    NormClass("BatchNorm3d", _BATCHNORM_MODULES, True, 4),
    NormClass("LazyBatchNorm1d", _BATCHNORM_MODULES, True, 3),
    NormClass("LazyBatchNorm2d", _BATCHNORM_MODULES, True, 3),
    NormClass("LazyBatchNorm3d", _BATCHNORM_MODULES, True, 3),
    NormClass("SyncBatchNorm", _BATCHNORM_MODULES, True, 4),
    NormClass("InstanceNorm1d", _INSTANCENORM_MODULES, False, 4),
    NormClass("InstanceNorm2d", _INSTANCENORM_MODULES, False, 4),
    NormClass("InstanceNorm3d", _INSTANCENORM_MODULES, False, 4),
    # Tracks by default although its docstring says otherwise (verified on torch 2.13.0).
    NormClass("LazyInstanceNorm1d", _INSTANCENORM_MODULES, True, 3),
    NormClass("LazyInstanceNorm2d", _INSTANCENORM_MODULES, True, 3),
    NormClass("LazyInstanceNorm3d", _INSTANCENORM_MODULES, True, 3),
)

# Norm layers of libraries that take the same flag and pass it to a torch norm layer inside (or update their
# own running stats in place, as HeteroBatchNorm does): checked against torch_geometric 2.8.1's source by
# scripts/verify_model_classes.py, and under vmap with torch 2.14.1.
_PYG_NORM_MODULES = ("torch_geometric.nn", "torch_geometric.nn.norm", "torch_geometric.nn.norm.batch_norm")
LIBRARY_NORM_CLASSES: tuple[NormClass, ...] = (
    # BatchNorm(in_channels, eps, momentum, affine, track_running_stats, allow_single_element, device)
    # allow_single_element=True raises ValueError unless track_running_stats=True.
    NormClass("BatchNorm", _PYG_NORM_MODULES, True, 4, needs_tracking=(("allow_single_element", 5),)),
    # HeteroBatchNorm(in_channels, num_types, eps, momentum, affine, track_running_stats)
    NormClass("HeteroBatchNorm", _PYG_NORM_MODULES, True, 5),
    # InstanceNorm(in_channels, eps, momentum, affine, track_running_stats, device)
    NormClass(
        "InstanceNorm",
        ("torch_geometric.nn", "torch_geometric.nn.norm", "torch_geometric.nn.norm.instance_norm"),
        False,
        4,
    ),
)
NORM_CLASSES = NORM_CLASSES + LIBRARY_NORM_CLASSES

NORM_CLASS_BY_QUALNAME: dict[str, NormClass] = {
    f"{module}.{cls.name}": cls for cls in NORM_CLASSES for module in cls.modules
}

# Modules whose `from M import *` brings these classes into scope.
STAR_EXPORTS: dict[str, frozenset[str]] = {
    module: frozenset(cls.name for cls in NORM_CLASSES if module in cls.modules)
    for module in sorted({m for cls in NORM_CLASSES for m in cls.modules})
}

TRACKING_KEYWORD = "track_running_stats"


@dataclass(frozen=True)
class FunctionalNorm:
    """A functional norm that updates running stats in place when given them and told to."""

    qualified_names: tuple[str, ...]
    running_stats: tuple[tuple[str, int], ...]  # (parameter, positional index) of running_mean/var
    flag: str  # the parameter that switches the update on
    flag_index: int
    flag_default: bool


FUNCTIONAL_NORMS: tuple[FunctionalNorm, ...] = (
    # F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, ...)
    FunctionalNorm(
        ("torch.nn.functional.batch_norm",), (("running_mean", 1), ("running_var", 2)), "training", 5, False
    ),
    # torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn)
    FunctionalNorm(("torch.batch_norm",), (("running_mean", 3), ("running_var", 4)), "training", 5, False),
    # F.instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, ...)
    FunctionalNorm(
        ("torch.nn.functional.instance_norm",),
        (("running_mean", 1), ("running_var", 2)),
        "use_input_stats",
        5,
        True,
    ),
    # torch.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, ...)
    FunctionalNorm(
        ("torch.instance_norm",), (("running_mean", 3), ("running_var", 4)), "use_input_stats", 5, True
    ),
)

FUNCTIONAL_NORM_BY_QUALNAME: dict[str, FunctionalNorm] = {
    name: functional for functional in FUNCTIONAL_NORMS for name in functional.qualified_names
}

RUNTIME_PATCH = "torch.func.replace_all_batch_norm_modules_"
DEPRECATED_RUNTIME_PATCHES = ("functorch.experimental.replace_all_batch_norm_modules_",)

PARTIAL = "functools.partial"

# torchvision.ops blocks whose norm_layer defaults to BatchNorm: (norm class, positional index of norm_layer).
# Conv2dNormActivation(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer, ...)
NORM_ACTIVATION_BLOCKS: dict[str, tuple[str, int]] = {
    "torchvision.ops.Conv2dNormActivation": ("BatchNorm2d", 6),
    "torchvision.ops.misc.Conv2dNormActivation": ("BatchNorm2d", 6),
    "torchvision.ops.Conv3dNormActivation": ("BatchNorm3d", 6),
    "torchvision.ops.misc.Conv3dNormActivation": ("BatchNorm3d", 6),
}

# timm's create_model takes norm_layer for only some architectures: advice, never a rewrite.
TIMM_FACTORIES = ("timm.create_model", "timm.models.create_model", "timm.models._factory.create_model")
TORCHVISION_GET_MODEL = ("torchvision.models.get_model",)

BUILDER_BY_QUALNAME: dict[str, Builder] = {
    f"{module}.{builder.name}": builder for builder in BUILDERS for module in builder.modules
}
# get_model("resnet50") looks names up in torchvision's registry of float models.
BUILDER_BY_NAME: dict[str, Builder] = {builder.name: builder for builder in BUILDERS if not builder.quantization}

# Resolving any finding needs an import naming one of the roots, and every finding's text holds one
# of the tokens: every class above (and any subclass or alias of one, whose definition names it)
# contains "BatchNorm" or "InstanceNorm"; the functionals and the runtime patch contain "batch_norm"
# or "instance_norm"; torchvision builders, blocks and model classes need an import naming
# "torchvision"; timm findings need "create_model". Not "timm" itself: every file of timm names it.
PREFILTER_ROOTS = (
    b"torch", b"timm", b"pretrainedmodels", b"efficientnet_pytorch", *(library.encode() for library in NAMES_BY_LIBRARY)
)
PREFILTER_TOKENS = (b"BatchNorm", b"InstanceNorm", b"batch_norm", b"instance_norm", b"torchvision", b"create_model")

# What code relies on the running statistics the fix removes (hazards.py, BN009-BN011).
# Buffers a norm layer has only with track_running_stats=True (None after the fix).
RUNNING_STAT_NAMES = frozenset({"running_mean", "running_var", "num_batches_tracked"})


@dataclass(frozen=True)
class FusionHelper:
    """A torch function that folds BatchNorm into a conv/linear layer using its running statistics."""

    names: tuple[str, ...]  # short names; importable from each module in `modules`
    modules: tuple[str, ...]
    after_the_fix: str  # what it does with a layer built with track_running_stats=False (torch 2.13)


_FUSE_ASSERT = "raises AssertionError ('bn.running_mean and bn.running_var must not be None')"
_QAT_ASSERT = "raises AssertionError ('Only support fusing BatchNorm2d with tracking_running_stats set to True')"
# Each entry is resolved and called on a patched layer by tests/test_hazard_table.py.
FUSION_HELPERS: tuple[FusionHelper, ...] = (
    FusionHelper(
        ("fuse_conv_bn_eval", "fuse_linear_bn_eval"), ("torch.nn.utils", "torch.nn.utils.fusion"), _FUSE_ASSERT
    ),
    FusionHelper(
        ("fuse_conv_bn_weights", "fuse_linear_bn_weights"),
        ("torch.nn.utils", "torch.nn.utils.fusion"),
        "raises TypeError when given running_var=None",
    ),
    FusionHelper(
        ("fuse_modules",),
        ("torch.ao.quantization", "torch.ao.quantization.fuse_modules", "torch.quantization",
         "torch.quantization.fuse_modules"),
        _FUSE_ASSERT,
    ),
    FusionHelper(("fuse_modules_qat",), ("torch.ao.quantization", "torch.ao.quantization.fuse_modules"), _QAT_ASSERT),
    FusionHelper(
        ("fuse_conv_bn", "fuse_conv_bn_relu", "fuse_linear_bn", "fuse_convtranspose_bn"),
        ("torch.ao.quantization", "torch.ao.quantization.fuser_method_mappings"),
        _FUSE_ASSERT,
    ),
    FusionHelper(
        ("fuse_conv_bn", "fuse_conv_bn_relu", "fuse_linear_bn"),
        ("torch.quantization", "torch.quantization.fuser_method_mappings"),
        _FUSE_ASSERT,
    ),
    FusionHelper(
        ("fuse_fx", "prepare_fx"), ("torch.ao.quantization.quantize_fx", "torch.quantization.quantize_fx"), _FUSE_ASSERT
    ),
    FusionHelper(
        ("prepare_qat_fx",), ("torch.ao.quantization.quantize_fx", "torch.quantization.quantize_fx"), _QAT_ASSERT
    ),
    FusionHelper(
        ("fuse",),
        ("torch.fx.experimental.optimization",),
        "leaves every BatchNorm without running statistics unfused, silently (no error, no speed-up)",
    ),
)

FUSION_HELPER_BY_QUALNAME: dict[str, FusionHelper] = {
    f"{module}.{name}": helper for helper in FUSION_HELPERS for module in helper.modules for name in helper.names
}

LOAD_STATE_DICT = "load_state_dict"
# Receivers of `.load_state_dict(...)` whose name says they are not a model (optimizers, schedulers,
# AMP scalers): a heuristic, the only one among the hazards.
NOT_A_MODEL_HINTS = ("optim", "sched", "scaler")
NOT_A_MODEL_NAMES = ("amp",)  # apex.amp

# Every hazard's text holds one of these: a running-stat name, a `.load_state_dict` call, or a fusion
# helper's name (fx.experimental.optimization.fuse is found through its module's name: plain "fuse" is
# in "diffusers" and timm's "fused_attn"). Not "load_state_dict" alone: optimizers and schedulers
# define it, and timm has 18 such files.
HAZARD_TOKENS = (
    *(name.encode() for name in sorted(RUNNING_STAT_NAMES)),
    f".{LOAD_STATE_DICT}".encode(),
    *sorted({name.encode() for helper in FUSION_HELPERS for name in helper.names if name != "fuse"}),
    b"fx.experimental",
)

# A model class of timm, pretrainedmodels, efficientnet_pytorch or torch_geometric needs an import naming its
# module and the class's own name: (module token, class names). `from timm import models` is not seen.
# torchvision's classes pass the prefilter by the token torchvision.
# Likewise a library norm factory (norm_factories.py): its library and one of its names.
PREFILTER_MODEL_TOKENS: tuple[tuple[bytes, tuple[bytes, ...]], ...] = tuple(
    (library.encode(), tuple(sorted({m.name.split(".")[0].encode() for m in MODEL_CLASSES if m.modules[0].startswith(library)})))
    for library in sorted(MODEL_LIBRARIES - {"torchvision.models", "pretrainedmodels.models"})  # "pretrainedmodels" has both
) + tuple((library.encode(), tuple(name.encode() for name in names)) for library, names in NAMES_BY_LIBRARY.items())
