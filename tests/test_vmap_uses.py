"""Which torch.func uses need the fix and which do not: the README's table, each row run for real.

The original model is built from MODEL_SOURCE, the fixed one from what bn-codemod makes of it.
Needs torch; CI installs it, so these never skip there.
"""

from __future__ import annotations

import pytest

from bn_codemod import fix_source

torch = pytest.importorskip("torch")
from torch.func import functional_call, grad, jacrev, stack_module_state, vmap  # noqa: E402

MODEL_SOURCE = """\
import torch.nn as nn


def build():
    return nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 2),
    )
"""
# The BatchNorm batching rule's error, and functorch's when the buffers are captured by a grad
# transform instead of passed to it (num_batches_tracked.add_ mutates a captured tensor).
VMAP_ERROR = "Batch norm got a batched tensor as input while the running_mean or running_var"
CAPTURED_ERROR = r"During a grad \(vjp, jvp, grad, etc\) transform, the function provided attempted to call in-place"
ORIGINAL, FIXED = "original", "fixed"


def build(which: str, seed: int = 0):
    source = MODEL_SOURCE
    if which == FIXED:
        source, findings = fix_source(MODEL_SOURCE)
        assert [(f.code, f.fixed) for f in findings] == [("BN001", True)]
    namespace: dict = {}
    exec(compile(source, which, "exec"), namespace)
    torch.manual_seed(seed)
    return namespace["build"]().train()


def weights(model):
    return (
        {name: value.detach() for name, value in model.named_parameters()},
        {name: value.detach() for name, value in model.named_buffers()},
    )


def loss(model, params, buffers, inputs, targets):
    return torch.nn.functional.cross_entropy(functional_call(model, (params, buffers), (inputs,)), targets)


# Uses that need the fix: each fails as written and runs after bn-codemod.


def vmap_over_inputs(model):
    """vmap(model)(x): one module's buffers, a batch of inputs (E, N, C, H, W)."""
    return vmap(model)(torch.randn(5, 8, 3, 6, 6))


def per_sample_gradients(model):
    params, buffers = weights(model)

    def sample_loss(params, buffers, sample, target):
        return loss(model, params, buffers, sample.unsqueeze(0), target.unsqueeze(0))

    inputs, targets = torch.randn(8, 3, 6, 6), torch.randint(0, 2, (8,))
    return vmap(grad(sample_loss), in_dims=(None, None, 0, 0))(params, buffers, inputs, targets)


def maml_inner_loop(model, buffers_captured: bool = False):
    """One adaptation step per task, vmapped over tasks, under an outer grad (MAML)."""
    params, buffers = weights(model)
    task_inputs, task_targets = torch.randn(3, 4, 3, 6, 6), torch.randint(0, 2, (3, 4))

    def adapted_loss(params, buffers, inputs, targets):
        gradients = grad(loss, argnums=1)(model, params, buffers, inputs, targets)
        adapted = {name: params[name] - 0.1 * gradients[name] for name in params}
        return loss(model, adapted, buffers, inputs, targets)

    def meta_loss(params, buffers):
        return vmap(adapted_loss, in_dims=(None, None, 0, 0))(params, buffers, task_inputs, task_targets).mean()

    if buffers_captured:
        return grad(lambda params: meta_loss(params, buffers))(params)
    return grad(meta_loss)(params, buffers)


def maml_buffers_captured(model):
    return maml_inner_loop(model, buffers_captured=True)


def jacobians_per_sample(model):
    """vmap(jacrev(f)) over a batch, the buffers passed to f."""
    params, buffers = weights(model)

    def outputs(params, buffers, inputs):
        return functional_call(model, (params, buffers), (inputs,))

    return vmap(jacrev(outputs, argnums=2), in_dims=(None, None, 0))(params, buffers, torch.randn(3, 4, 3, 6, 6))


def jacobians_of_the_module(model):
    """vmap(jacrev(model)): the module's own buffers, captured by jacrev."""
    return vmap(jacrev(model))(torch.randn(3, 4, 3, 6, 6))


NEEDS_THE_FIX = [
    (vmap_over_inputs, VMAP_ERROR),
    (per_sample_gradients, VMAP_ERROR),
    (maml_inner_loop, VMAP_ERROR),
    (maml_buffers_captured, CAPTURED_ERROR),
    (jacobians_per_sample, VMAP_ERROR),
    (jacobians_of_the_module, CAPTURED_ERROR),
]


@pytest.mark.parametrize("use, error", NEEDS_THE_FIX, ids=[use.__name__ for use, _ in NEEDS_THE_FIX])
def test_fails_in_train_mode_with_running_stats(use, error):
    with pytest.raises(RuntimeError, match=error):
        use(build(ORIGINAL))


@pytest.mark.parametrize("use", [use for use, _ in NEEDS_THE_FIX], ids=[use.__name__ for use, _ in NEEDS_THE_FIX])
def test_runs_after_the_fix(use):
    result = use(build(FIXED))
    for tensor in result.values() if isinstance(result, dict) else [result]:
        assert torch.isfinite(tensor).all()


def test_per_sample_gradients_after_the_fix_match_a_loop():
    model = build(FIXED)
    params, buffers = weights(model)
    inputs, targets = torch.randn(8, 3, 6, 6), torch.randint(0, 2, (8,))

    def sample_loss(params, buffers, sample, target):
        return loss(model, params, buffers, sample.unsqueeze(0), target.unsqueeze(0))

    vmapped = vmap(grad(sample_loss), in_dims=(None, None, 0, 0))(params, buffers, inputs, targets)
    for index in range(len(inputs)):
        looped = grad(sample_loss)(params, buffers, inputs[index], targets[index])
        for name in params:
            torch.testing.assert_close(vmapped[name][index], looped[name])


# Uses that do not need the fix: they run with running statistics as written.


def test_ensembling_with_stack_module_state_needs_no_fix():
    """Each model's buffers are stacked and vmapped with it, so train mode updates each model's own
    statistics in place, exactly as running that model alone would."""
    models = [build(ORIGINAL, seed) for seed in range(3)]
    params, buffers = stack_module_state(models)
    skeleton = build(ORIGINAL).to("meta")
    inputs = torch.randn(8, 3, 6, 6)

    outputs = vmap(lambda p, b, x: functional_call(skeleton, (p, b), (x,)), in_dims=(0, 0, None))(
        params, buffers, inputs
    )

    for index, model in enumerate(models):
        torch.testing.assert_close(outputs[index], model(inputs))  # updates the model's own stats
        torch.testing.assert_close(buffers["1.running_mean"][index], model[1].running_mean)
        torch.testing.assert_close(buffers["1.running_var"][index], model[1].running_var)
    assert buffers["1.num_batches_tracked"].tolist() == [1, 1, 1]


def test_eval_mode_vmaps_with_running_stats():
    model = build(ORIGINAL)
    model(torch.randn(16, 3, 6, 6))  # running statistics that are not the defaults
    model.eval()
    inputs = torch.randn(5, 8, 3, 6, 6)

    outputs = vmap(model)(inputs)

    torch.testing.assert_close(outputs, torch.stack([model(batch) for batch in inputs]))


@pytest.mark.parametrize("use", [use for use, _ in NEEDS_THE_FIX], ids=[use.__name__ for use, _ in NEEDS_THE_FIX])
def test_every_use_runs_in_eval_mode_with_running_stats(use):
    model = build(ORIGINAL)
    model(torch.randn(16, 3, 6, 6))
    before = model[1].running_mean.clone()
    model.eval()

    result = use(model)

    for tensor in result.values() if isinstance(result, dict) else [result]:
        assert torch.isfinite(tensor).all()
    torch.testing.assert_close(model[1].running_mean, before)  # read, never updated
