"""The torchvision builder table, checked for consistency and against torchvision 0.28.0's own source.

Hermetic: the facts of torchvision's source (where each builder is exported, its parameters, where a caller's
`norm_layer=` keyword goes) are committed in tests/data/torchvision-0.28.0.json, extracted from the wheel by
scripts/torchvision_source.py. The one test marked `needs_index` downloads that wheel, checks its sha256 and
extracts the facts again. What shows only at construction time (how many BatchNorms track, ssdlite's failing
forward, vgg's batch_norm=False) is checked by scripts/verify_torchvision.py, run by hand where torchvision is
installed.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

from bn_codemod.torchvision_builders import (
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

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "torchvision_source.py"
REASONS = {HARD_WIRED, SILENTLY_IGNORED, BUILDER_SETS_IT, CONSTRUCTION_FAILS}
BATCHNORM_CLASSES = ("BatchNorm2d", "BatchNorm3d")
# NO_BATCHNORM builders whose code does hold a BatchNorm, switched off by an argument the builder passes
# (vgg: batch_norm=False; raft_small: context_encoder_norm_layer=None). scripts/verify_torchvision.py builds them.
BATCHNORM_SWITCHED_OFF = {"vgg11", "vgg13", "vgg16", "vgg19", "raft_small"}


def entry_id(builder: Builder) -> str:
    return f"{builder.modules[-1].removeprefix('torchvision.models.')}.{builder.name}"


# --- internal consistency -----------------------------------------------------------------------


def test_every_norm_layer_entry_names_a_batchnorm_and_literal_kwargs() -> None:
    for builder in BUILDERS:
        if builder.support == NORM_LAYER_WORKS:
            assert builder.default_norm in BATCHNORM_CLASSES, builder
            assert not builder.reason, builder
        else:
            assert builder.default_norm == "" and builder.default_kwargs == (), builder
        for key, value in builder.default_kwargs:
            assert key.isidentifier(), builder
            assert isinstance(ast.literal_eval(value), (int, float)), builder


def test_every_runtime_entry_has_a_known_reason() -> None:
    for builder in BUILDERS:
        assert builder.support in (NORM_LAYER_WORKS, RUNTIME_ONLY, NO_BATCHNORM), builder
        if builder.support == RUNTIME_ONLY:
            assert builder.reason in REASONS, builder
        else:
            assert builder.reason == "", builder


def test_no_builder_is_listed_twice_in_one_module() -> None:
    pairs = [(module, builder.name) for builder in BUILDERS for module in builder.modules]
    assert len(pairs) == len(set(pairs))
    assert all(len(set(builder.modules)) == len(builder.modules) for builder in BUILDERS)
    # get_model("name") registry names: quantization builders register as "quantized_<name>".
    registry_names = [("quantized_" if b.quantization else "") + b.name for b in BUILDERS]
    assert len(registry_names) == len(set(registry_names))


def test_every_module_is_under_torchvision_models() -> None:
    for builder in BUILDERS:
        assert builder.modules, builder
        for module in builder.modules:
            assert module == "torchvision.models" or module.startswith("torchvision.models."), builder
        assert builder.quantization == builder.modules[0].startswith("torchvision.models.quantization"), builder


def load_script():
    spec = importlib.util.spec_from_file_location("torchvision_source", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


torchvision_source = load_script()
FACTS = torchvision_source.load_facts()


def facts_of(builder: Builder) -> tuple[str, dict]:
    """(defining module, facts): the one registered builder of that name among the modules listed."""
    found = [(m, FACTS["builders"][f"{m}:{builder.name}"]) for m in builder.modules if f"{m}:{builder.name}" in FACTS["builders"]]
    assert len(found) == 1, f"{builder.name} is defined in {[m for m, _ in found]} of {builder.modules}"
    return found[0]


def default_norm(facts: dict) -> tuple[str, dict]:
    default = facts["norm_layer"]["default"]
    assert default is not None, "no default norm layer found"
    return default["class"], default["keywords"]


# --- torchvision 0.28.0's source, as committed -------------------------------------------------


def test_the_facts_are_of_the_version_the_table_was_checked_against() -> None:
    assert FACTS["torchvision"] == torchvision_source.TORCHVISION_VERSION == "0.28.0"
    assert FACTS["wheel"] == torchvision_source.WHEEL_NAME
    assert len(FACTS["sha256"]) == 64


def test_the_table_covers_every_registered_builder() -> None:
    listed = {f"{facts_of(b)[0]}:{b.name}" for b in BUILDERS}
    assert listed == set(FACTS["builders"])


@pytest.mark.parametrize("builder", BUILDERS, ids=entry_id)
def test_builder_is_exported_exactly_where_listed(builder: Builder) -> None:
    _, facts = facts_of(builder)
    assert facts["exported_from"] == sorted(builder.modules)
    assert ("quantize" in facts["parameters"]) == builder.quantization


@pytest.mark.parametrize("builder", BUILDERS, ids=entry_id)
def test_signature_takes_weights_and_a_norm_layer_slot(builder: Builder) -> None:
    parameters = facts_of(builder)[1]["parameters"]
    assert "weights" in parameters
    assert "**kwargs" in parameters or "norm_layer" in parameters


@pytest.mark.parametrize("builder", BUILDERS, ids=entry_id)
def test_support_matches_where_norm_layer_goes(builder: Builder) -> None:
    facts = facts_of(builder)[1]
    trace = facts["norm_layer"]
    accepts, builder_sets_it, rejected = trace["accepted"], trace["builder_sets_it"], trace["rejected"]
    batchnorm_in_code = facts["batchnorm_in_code"]
    if builder.support == NORM_LAYER_WORKS:
        assert accepts and not builder_sets_it and not rejected, trace
        restated = {key: ast.literal_eval(value) for key, value in builder.default_kwargs}
        assert default_norm(facts) == (builder.default_norm, restated)
    elif builder.reason == BUILDER_SETS_IT:
        assert builder_sets_it, trace
    elif builder.reason == HARD_WIRED:
        assert rejected and not accepts and batchnorm_in_code, trace
    elif builder.reason == SILENTLY_IGNORED:
        assert not (accepts or rejected or builder_sets_it) and batchnorm_in_code, trace
    elif builder.reason == CONSTRUCTION_FAILS:
        # Accepted with a BatchNorm default; the failure shows only when built (scripts/verify_torchvision.py).
        assert accepts and default_norm(facts)[0] in BATCHNORM_CLASSES, trace
    else:
        assert builder.support == NO_BATCHNORM
        if accepts:  # the norm slot is a LayerNorm
            assert default_norm(facts)[0] not in BATCHNORM_CLASSES, trace
        else:
            assert not batchnorm_in_code or builder.name in BATCHNORM_SWITCHED_OFF, trace


# --- the committed facts, against the wheel itself ---------------------------------------------


@pytest.mark.needs_index
def test_committed_facts_match_the_torchvision_wheel(tmp_path: Path) -> None:
    wheel = torchvision_source.download_wheel(tmp_path)
    extracted = torchvision_source.extract(wheel)

    assert extracted["sha256"] == FACTS["sha256"], "the index serves a different wheel than the facts came from"
    assert torchvision_source.render(extracted) == torchvision_source.FACTS.read_text(encoding="utf-8")
