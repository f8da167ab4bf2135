"""The model-class table's own consistency (scripts/verify_model_classes.py checks it against the sources)."""

from __future__ import annotations

import pytest

from bn_codemod.analysis import may_have_findings
from bn_codemod.model_classes import BATCHNORM_SWITCHES, MODEL_CLASS_BY_QUALNAME, MODEL_CLASSES
from bn_codemod.torchvision_builders import NORM_LAYER_WORKS, RUNTIME_ONLY


@pytest.mark.parametrize("model", MODEL_CLASSES, ids=[f"{m.modules[-1]}.{m.name}" for m in MODEL_CLASSES])
def test_each_entry_says_how_it_is_fixed_or_why_not(model):
    assert model.support in (NORM_LAYER_WORKS, RUNTIME_ONLY)
    if model.support == NORM_LAYER_WORKS:
        assert model.modules[0].startswith("torchvision.models") and model.norm_index >= 0
        assert model.default_norm in ("BatchNorm2d", "BatchNorm3d") and not model.reason
    else:
        assert model.reason and model.norm_index == -1 and not model.default_norm
    for module in model.modules:
        assert MODEL_CLASS_BY_QUALNAME[f"{module}.{model.name}"] is model


def test_qualified_names_are_unique_across_libraries():
    spelled = [f"{module}.{model.name}" for model in MODEL_CLASSES for module in model.modules]
    assert len(spelled) == len(set(spelled)) == len(MODEL_CLASS_BY_QUALNAME)
    assert set(BATCHNORM_SWITCHES) == {"torchvision.models.vgg.make_layers"}


@pytest.mark.parametrize("model", [m for m in MODEL_CLASSES if not m.modules[0].startswith("torchvision")], ids=lambda m: f"{m.modules[-1]}.{m.name}")
def test_a_file_importing_a_model_class_passes_the_prefilter(model):
    """Without BatchNorm, torchvision or create_model in it, the import and the class name are enough."""
    module = model.modules[-1]
    name = model.name.split(".")[0]
    assert may_have_findings(f"from {module} import {name}\n\nmodel = {model.name}()\n".encode())
