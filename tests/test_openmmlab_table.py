"""The OpenMMLab backbone table's own consistency (scripts/verify_norm_factories.py checks it against the sources)."""

from __future__ import annotations

import ast

import pytest

from bn_codemod import check_source
from bn_codemod.norm_factories import MMCV_CFG, NAMES_BY_LIBRARY, OPENMMLAB_MODELS


@pytest.mark.parametrize("model", OPENMMLAB_MODELS, ids=[m.factory.names[0] for m in OPENMMLAB_MODELS])
def test_entry_builds_tracking_layers_by_default_and_is_found_by_every_name(model):
    factory = model.factory
    default = ast.parse(factory.default_spec, mode="eval").body
    assert isinstance(default, ast.Call) and default.func.id == "dict"
    assert {k.arg: k.value.value for k in default.keywords}["type"] in factory.tracking_specs
    assert factory.kind == MMCV_CFG and factory.keyword == "norm_cfg"
    package = f"{factory.library}.models"
    assert factory.names[0].rsplit(".", 1)[-1] in NAMES_BY_LIBRARY[package]
    for qualified in factory.names:
        module, _, name = qualified.rpartition(".")
        call = f"{name}(norm_eval=False)" if model.norm_eval_default else f"{name}()"  # None: no norm_eval
        findings = check_source(f"from {module} import {name}\n\nmodel = {call}\n")
        expected = "BN004" if model.misses else "BN003"
        assert [(f.code, f.line) for f in findings] == [(expected, 3)], qualified
