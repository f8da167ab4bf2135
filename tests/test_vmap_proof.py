"""The point of the tool: the original models fail under torch.func.vmap, the rewrites run.

Needs torch; CI installs it (see .ci/run), so these never skip there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from bn_codemod import fix_source  # noqa: E402

MODELS = sorted((Path(__file__).parent / "fixtures" / "models").glob("*.py"))
VMAP_ERROR = "Batch norm got a batched tensor as input while the running_mean or running_var"


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

    assert findings and all(f.code == "BN001" and f.fixed for f in findings)
    outputs, inputs = run_under_vmap(fixed, str(model_file))
    assert outputs.shape[0] == inputs.shape[0]
    assert torch.isfinite(outputs).all()


def test_rewrite_matches_a_loop_over_the_vmapped_dimension():
    """vmap of the rewritten model computes what a Python loop over the same model computes."""
    source = (Path(__file__).parent / "fixtures" / "models" / "convnet.py").read_text()
    fixed, _ = fix_source(source)
    outputs, inputs = run_under_vmap(fixed, "convnet")
    namespace: dict = {}
    exec(compile(fixed, "convnet", "exec"), namespace)
    torch.manual_seed(0)
    model = namespace["build"]().train()
    looped = torch.stack([model(sample) for sample in inputs])
    torch.testing.assert_close(outputs, looped)
