"""The torch_geometric rows of norm_factories.py agree with themselves; scripts/verify_norm_factories.py checks
them against pyg's source (it downloads, so it is not run here)."""

from __future__ import annotations

import ast

from bn_codemod.families.norm_specs import normalize_pyg_name
from bn_codemod.norm_factories import (
    PYG_FIXED,
    PYG_NAME,
    PYG_NORM_FACTORIES,
    PYG_TRACKING_NAMES,
    PYG_TRACKING_SLOT,
)


def test_tracking_names_are_normalised_and_each_has_its_slot():
    assert set(PYG_TRACKING_NAMES) == set(PYG_TRACKING_SLOT)
    assert all(normalize_pyg_name(name) == name for name in PYG_TRACKING_NAMES)


def test_spellings_pyg_accepts_are_recognised_and_others_are_not():
    # torch_geometric.resolver.normalize_string: lower-cased; "-", "_" and " " dropped (nothing else).
    for spelling in ("batch_norm", "BatchNorm", "Batch-Norm", "BATCH NORM", "batch", "B_a_t_c_h", "diff_group_norm"):
        assert normalize_pyg_name(spelling) in PYG_TRACKING_SLOT, spelling
    for spelling in ("batchnorm1d", "BatchNorm2d", "batch\tnorm", "batch.norm", "layer_norm", "instance", "batches"):
        assert normalize_pyg_name(spelling) not in PYG_TRACKING_SLOT, spelling


def test_every_default_spec_builds_a_tracking_layer():
    for factory in PYG_NORM_FACTORIES:
        if not factory.default_spec:
            continue
        default = ast.literal_eval(factory.default_spec)
        if factory.kind == PYG_NAME:
            assert normalize_pyg_name(default) in PYG_TRACKING_SLOT, factory.names[0]
        else:
            assert factory.kind == PYG_FIXED and str(default) in factory.tracking_specs, factory.names[0]


def test_each_row_names_one_class_in_every_module():
    for factory in PYG_NORM_FACTORIES:
        assert len({name.rsplit(".", 1)[-1] for name in factory.names}) == 1, factory.names
        assert all(name.startswith("torch_geometric.nn.") for name in factory.names)
