"""What bn-codemod knows about torch: data only, no logic.

Every entry was checked against torch 2.13.0 (CPU); see ../shared/BATCHNORM_FACTS.md in the steering repo.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED_AGAINST = "torch 2.13.0"


@dataclass(frozen=True)
class NormClass:
    """A module class whose constructor takes `track_running_stats`."""

    name: str
    modules: tuple[str, ...]  # every module path the class is importable from
    tracks_by_default: bool  # value of track_running_stats when the argument is absent
    positional_index: int  # index of track_running_stats among the positional parameters


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

NORM_CLASS_BY_QUALNAME: dict[str, NormClass] = {
    f"{module}.{cls.name}": cls for cls in NORM_CLASSES for module in cls.modules
}

# Modules whose `from M import *` brings these classes into scope.
STAR_EXPORTS: dict[str, frozenset[str]] = {
    module: frozenset(cls.name for cls in NORM_CLASSES if module in cls.modules)
    for module in sorted({m for cls in NORM_CLASSES for m in cls.modules})
}

TRACKING_KEYWORD = "track_running_stats"

# Substrings one of which a file must contain to hold a finding; checked on bytes before parsing.
# Every class name above contains "Norm", and resolving any of them needs an import naming "torch".
PREFILTER_ANY = (b"Norm",)
PREFILTER_ALL = (b"torch",)
