"""Build every model in bn_codemod.torchvision_builders.BUILDERS and check its support kind against reality.

The static half, what torchvision's source says, is scripts/torchvision_source.py (committed as
tests/data/torchvision-0.28.0.json and checked by the tests). This script is the dynamic half. Not run in CI:
it needs torchvision, which the project's own environment never gets. Run it in a separate venv:

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tv/bin/python scripts/verify_torchvision.py            # all builders, about 2.5 minutes on 2 cores
    /tmp/tv/bin/python scripts/verify_torchvision.py resnet50   # only builders whose name contains an argument

Models are only constructed (weights=None, weights_backbone=None, quantize=False), never run.
Exits 1 when any builder disagrees with the table.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import pkgutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torchvision
from torch.nn.modules.batchnorm import _BatchNorm, _NormBase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bn_codemod.torchvision_builders import (  # noqa: E402
    BUILDER_SETS_IT,
    BUILDERS,
    CONSTRUCTION_FAILS,
    HARD_WIRED,
    NO_BATCHNORM,
    NORM_LAYER_WORKS,
    RUNTIME_ONLY,
    SILENTLY_IGNORED,
    Builder,
)


@dataclass
class Row:
    builder: Builder
    before: int | str = "-"  # norm modules tracking running stats, as built by default
    after: int | str = "-"  # same, built with the norm_layer the codemod would add (or after the runtime patch)
    eps_momentum: str = "-"
    verdict: str = "ok"
    seconds: float = 0.0


def qualified(builder: Builder) -> str:
    return f"{builder.modules[-1]}.{builder.name}"


def builder_function(builder: Builder):
    return getattr(importlib.import_module(builder.modules[-1]), builder.name)


def base_kwargs(builder: Builder, function) -> dict:
    kwargs: dict = {"weights": None}
    if "weights_backbone" in inspect.signature(function).parameters:
        kwargs["weights_backbone"] = None  # the default downloads ImageNet weights
    if builder.quantization:
        kwargs["quantize"] = False
    return kwargs


def codemod_norm_layer(builder: Builder):
    """The keyword value the codemod writes: the default norm with its restated keywords, tracking off."""
    restated = {key: eval(value) for key, value in builder.default_kwargs}  # literals from our own table
    return functools.partial(getattr(torch.nn, builder.default_norm), **restated, track_running_stats=False)


def build(function, **kwargs) -> torch.nn.Module:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # googlenet/inception init_weights FutureWarning
        return function(**kwargs)


def tracking(model: torch.nn.Module) -> int:
    return sum(isinstance(m, _NormBase) and m.track_running_stats for m in model.modules())


def batchnorms(model: torch.nn.Module) -> int:
    return sum(isinstance(m, _BatchNorm) for m in model.modules())


def norm_settings(model: torch.nn.Module) -> dict[str, tuple[str, float, float | None]]:
    """Class, eps and momentum of every norm module, by path: the rewrite must keep all three."""
    modules = model.named_modules()
    return {name: (type(m).__name__, m.eps, m.momentum) for name, m in modules if isinstance(m, _NormBase)}


def reason_of_failure(error: Exception) -> str:
    message = str(error)
    if isinstance(error, TypeError) and "multiple values for keyword argument 'norm_layer'" in message:
        return BUILDER_SETS_IT
    if isinstance(error, TypeError) and "unexpected keyword argument 'norm_layer'" in message:
        return HARD_WIRED
    return CONSTRUCTION_FAILS


def check_norm_layer_works(row: Row, function, kwargs: dict) -> None:
    builder = row.builder
    model = build(function, **kwargs)
    row.before = tracking(model)
    try:
        patched = build(function, **kwargs, norm_layer=codemod_norm_layer(builder))
    except Exception as error:  # noqa: BLE001 - any failure disagrees with the table
        row.after = type(error).__name__
        row.verdict = f"MISMATCH: norm_layer raised {type(error).__name__}: {error}"
        return
    row.after = tracking(patched)
    before, after = norm_settings(model), norm_settings(patched)
    row.eps_momentum = "yes" if before == after else "NO"
    problems = []
    if row.before == 0:
        problems.append("no tracking norm module to patch")
    if row.after != 0:
        problems.append(f"{row.after} still tracking")
    if before != after:
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        first = changed[0]
        problems.append(f"class/eps/momentum differ at {changed[:3]}: {before.get(first)} -> {after.get(first)}")
    if problems:
        row.verdict = "MISMATCH: " + "; ".join(problems)


def check_runtime_only(row: Row, function, kwargs: dict) -> None:
    builder = row.builder
    model = build(function, **kwargs)
    row.before = tracking(model)
    # The 2d norm is the common default; 3d models fail the same way.
    attempted = functools.partial(torch.nn.BatchNorm2d, track_running_stats=False)
    try:
        patched = build(function, **kwargs, norm_layer=attempted)
    except Exception as error:  # noqa: BLE001 - the failure is what we record
        row.after = type(error).__name__
        observed = reason_of_failure(error)
    else:
        row.after = tracking(patched)
        observed = SILENTLY_IGNORED if row.after == row.before else "norm_layer works"
    torch.func.replace_all_batch_norm_modules_(model)
    runtime_after = tracking(model)
    row.eps_momentum = f"runtime patch -> {runtime_after}"
    problems = []
    if row.before == 0:
        problems.append("no tracking norm module: should be NO_BATCHNORM")
    if observed != builder.reason:
        problems.append(f"observed {observed!r}, table says {builder.reason!r}")
    if runtime_after != 0:
        problems.append(f"{runtime_after} still tracking after replace_all_batch_norm_modules_")
    if problems:
        row.verdict = "MISMATCH: " + "; ".join(problems)


def check_no_batchnorm(row: Row, function, kwargs: dict) -> None:
    model = build(function, **kwargs)
    row.before = tracking(model)
    found = batchnorms(model)
    if row.before or found:
        row.verdict = f"MISMATCH: {found} BatchNorm modules, {row.before} tracking"


CHECKS = {NORM_LAYER_WORKS: check_norm_layer_works, RUNTIME_ONLY: check_runtime_only, NO_BATCHNORM: check_no_batchnorm}


@functools.lru_cache(maxsize=None)
def public_modules() -> tuple:
    names = [info.name for info in pkgutil.walk_packages(torchvision.models.__path__, "torchvision.models.")]
    public = [name for name in names if not any(part.startswith("_") for part in name.split("."))]
    return (torchvision.models, *(importlib.import_module(name) for name in public))


def public_exporters(function) -> set[str]:
    """Every public torchvision.models module exporting this exact function (by __all__, or a package's star import)."""
    return {module.__name__ for module in public_modules() if exports(module, function)}


def exports(module, function) -> bool:
    names = getattr(module, "__all__", None)
    is_package = hasattr(module, "__path__")
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
        if not is_package:  # a plain module without __all__ exports only what it defines
            names = [n for n in names if getattr(vars(module)[n], "__module__", None) == module.__name__]
    return any(vars(module).get(name) is function for name in names)


def check_modules(builder: Builder) -> str:
    try:
        function = builder_function(builder)
    except (ImportError, AttributeError) as error:
        return f"MISMATCH: {error}"
    claimed = set(builder.modules)
    actual = public_exporters(function)
    if claimed != actual:
        return f"MISMATCH: exported by {sorted(actual)}, table says {sorted(claimed)}"
    return "ok"


def unlisted_registered_builders() -> list[str]:
    """Builders registered with torchvision's model registry that the table does not cover."""
    listed = {builder_function(b) for b in BUILDERS}
    registered = torchvision.models.list_models()
    return sorted(name for name in registered if torchvision.models.get_model_builder(name) not in listed)


@contextlib.contextmanager
def pretend_pretrained_backbones():
    """Let builders 'load' pretrained weights without a download: the load is skipped, everything else runs."""
    from torchvision.models._api import WeightsEnum

    skipped = object()
    original_get, original_load = WeightsEnum.get_state_dict, torch.nn.Module.load_state_dict

    def load_state_dict(self, state_dict, *args, **kwargs):
        return None if state_dict is skipped else original_load(self, state_dict, *args, **kwargs)

    WeightsEnum.get_state_dict = lambda self, *args, **kwargs: skipped
    torch.nn.Module.load_state_dict = load_state_dict
    try:
        yield
    finally:
        WeightsEnum.get_state_dict, torch.nn.Module.load_state_dict = original_get, original_load


def default_backbone_tracking(builder: Builder) -> int | None:
    """Tracking norm modules in a call that keeps the default (pretrained) weights_backbone, or None if no such arg."""
    function = builder_function(builder)
    if "weights_backbone" not in inspect.signature(function).parameters:
        return None
    with pretend_pretrained_backbones():
        return tracking(build(function, weights=None))


def main(filters: list[str]) -> int:
    torch.set_num_threads(2)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    selected = [b for b in BUILDERS if not filters or any(f in b.name for f in filters)]
    rows = []
    for builder in selected:
        row = Row(builder)
        start = time.perf_counter()
        row.verdict = check_modules(builder)
        if row.verdict == "ok":
            function = builder_function(builder)
            CHECKS[builder.support](row, function, base_kwargs(builder, function))
        row.seconds = time.perf_counter() - start
        rows.append(row)
        print(
            f"{qualified(builder):76} {builder.support:10} {row.before!s:>6} {row.after!s:>9} "
            f"{row.eps_momentum:18} {row.seconds:5.1f}s  {row.verdict}",
            flush=True,
        )

    print("\nDefault weights_backbone (pretrained, load skipped): tracking norm modules of a default call")
    for builder in selected:
        if builder.support != NO_BATCHNORM and (count := default_backbone_tracking(builder)) is not None:
            print(f"  {qualified(builder):76} {count}")

    missing = unlisted_registered_builders() if not filters else []
    mismatches = [r for r in rows if r.verdict != "ok"]
    by_support = {kind: sum(r.builder.support == kind for r in rows) for kind in CHECKS}
    print(f"\nregistered builders missing from the table: {missing or 'none'}")
    print(
        f"checked {len(rows)} builders ({', '.join(f'{k}: {v}' for k, v in by_support.items())}); "
        f"{len(rows) - len(mismatches)} agree, {len(mismatches)} mismatch"
    )
    for row in mismatches:
        print(f"  {qualified(row.builder)}: {row.verdict}")
    return 1 if mismatches or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
