"""The point of the tool: the original models fail under torch.func.vmap, the rewrites run.

Needs torch; CI installs it (see .ci/run), so these never skip there.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from bn_codemod import fix_source  # noqa: E402

MODELS = sorted((Path(__file__).parent / "fixtures" / "models").glob("*.py"))
VMAP_ERROR = "Batch norm got a batched tensor as input while the running_mean or running_var"
STAND_INS = Path(__file__).parent / "stand_ins"


@pytest.fixture(autouse=True)
def libraries_or_their_stand_ins(monkeypatch):
    """The real torchvision, torch_geometric, monai, mmcv and OpenMMLab backbones when installed, else stand-ins
    that follow the contracts bn-codemod relies on (tests/stand_ins)."""
    for package in ("torchvision", "torch_geometric", "monai", "mmcv", "mmdet", "mmseg", "mmpretrain"):
        try:
            importlib.import_module(package)
        except ImportError:
            monkeypatch.syspath_prepend(str(STAND_INS))
            for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
                monkeypatch.delitem(sys.modules, name)


def run_under_vmap(source: str, name: str):
    namespace: dict = {}
    exec(compile(source, name, "exec"), namespace)
    torch.manual_seed(0)
    model = namespace["build"]()
    model.train()
    inputs = torch.randn(*namespace["INPUT_SHAPE"])
    return torch.func.vmap(model)(inputs), inputs


@pytest.mark.parametrize("model_file", MODELS, ids=[p.stem for p in MODELS])
def test_original_fails_under_vmap(model_file):
    with pytest.raises(RuntimeError, match=VMAP_ERROR):
        run_under_vmap(model_file.read_text(), str(model_file))


@pytest.mark.parametrize("model_file", MODELS, ids=[p.stem for p in MODELS])
def test_rewrite_runs_under_vmap(model_file):
    fixed, findings = fix_source(model_file.read_text())

    assert findings and all(f.code in ("BN001", "BN002", "BN003", "BN008") and f.fixed for f in findings)
    outputs, inputs = run_under_vmap(fixed, str(model_file))
    assert outputs.shape[0] == inputs.shape[0]
    assert torch.isfinite(outputs).all()


@pytest.mark.parametrize("model_file", MODELS, ids=[p.stem for p in MODELS])
def test_rewrite_matches_a_loop_over_the_vmapped_dimension(model_file):
    """vmap of the rewritten model computes what a Python loop over the same model computes."""
    fixed, _ = fix_source(model_file.read_text())
    outputs, inputs = run_under_vmap(fixed, model_file.stem)
    namespace: dict = {}
    exec(compile(fixed, model_file.stem, "exec"), namespace)
    torch.manual_seed(0)
    model = namespace["build"]().train()
    looped = torch.stack([model(sample) for sample in inputs])
    torch.testing.assert_close(outputs, looped)


def test_bn006_rewrite_patches_with_torch_func():
    """The deprecated functorch import becomes torch.func's, and that patch makes vmap work."""
    source = (
        "from functorch.experimental import replace_all_batch_norm_modules_\n"
        "\n"
        "def patch(model):\n"
        "    replace_all_batch_norm_modules_(model)\n"
        "    return model\n"
    )
    fixed, findings = fix_source(source)
    assert [(f.code, f.fixed) for f in findings] == [("BN006", True)]
    assert "from torch.func import replace_all_batch_norm_modules_" in fixed

    namespace: dict = {}
    exec(compile(fixed, "patched", "exec"), namespace)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)).train()
    inputs = torch.randn(2, 4, 3, 6, 6)
    with pytest.raises(RuntimeError, match=VMAP_ERROR):
        torch.func.vmap(model)(inputs)
    namespace["patch"](model)
    assert torch.func.vmap(model)(inputs).shape == (2, 4, 4, 4, 4)


def test_openmmlab_norm_eval_backbone_is_left_alone_and_runs_after_train():
    """mmdet's ResNet defaults to norm_eval=True: no finding, because train() keeps its BatchNorms in eval mode and
    vmap then runs it unchanged; only a model never put in train() (fresh from __init__) still fails."""
    source = "from mmdet.models.backbones import ResNet\n\ndef build():\n    return ResNet(depth=18)\n"
    fixed, findings = fix_source(source)
    assert (fixed, findings) == (source, [])
    namespace: dict = {}
    exec(compile(source, "norm_eval", "exec"), namespace)
    model = namespace["build"]()
    inputs = torch.randn(3, 2, 3, 8, 8)
    with pytest.raises(RuntimeError, match=VMAP_ERROR):
        torch.func.vmap(model)(inputs)
    model.train()
    outputs = torch.func.vmap(model)(inputs)[0]
    torch.testing.assert_close(outputs, torch.stack([model(sample)[0] for sample in inputs]))
