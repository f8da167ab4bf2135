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


def test_batchnorm_with_allow_single_element_is_reported_because_the_fix_would_raise(monkeypatch):
    """pyg's BatchNorm refuses allow_single_element=True without running stats (a ValueError at
    construction, as the stand-in written from pyg 2.8.1's source does): BN004, the call kept as it is."""
    import sys
    from pathlib import Path

    import pytest

    from bn_codemod import fix_source

    monkeypatch.syspath_prepend(str(Path(__file__).parent / "stand_ins"))
    for name in [m for m in sys.modules if m == "torch_geometric" or m.startswith("torch_geometric.")]:
        monkeypatch.delitem(sys.modules, name)
    from torch_geometric.nn import BatchNorm

    source = "from torch_geometric.nn import BatchNorm\n\nnorm = BatchNorm(8, allow_single_element=True)\n"
    new_source, findings = fix_source(source)
    assert new_source == source
    assert [(f.code, f.line, f.column) for f in findings] == [("BN004", 3, 8)]
    with pytest.raises(ValueError, match="allow_single_element"):
        BatchNorm(8, allow_single_element=True, track_running_stats=False)
    BatchNorm(8, allow_single_element=True)  # what the user wrote still builds
