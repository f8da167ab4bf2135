"""Rule codes and their documentation: one source for messages, `--explain` and the README table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    fixable: bool
    what_it_does: str
    why: str
    example_before: str
    example_after: str
    fix_safety: str


_CAVEATS = (
    "Without running statistics, eval mode normalises with the statistics of the batch it is given, "
    "so outputs depend on the batch (BatchNorm1d with batch size 1 raises even in eval). The "
    "state_dict loses running_mean, running_var and num_batches_tracked, so a strict load of an "
    "ordinary checkpoint fails with 'Unexpected key(s)'. Conv+BN fusion and quantization with fusion "
    "need running statistics and fail."
)

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code="BN001",
            title="norm layer tracks running stats",
            fixable=True,
            what_it_does=(
                "Finds calls that construct a torch.nn BatchNorm1d/2d/3d, LazyBatchNorm1d/2d/3d, "
                "SyncBatchNorm or LazyInstanceNorm1d/2d/3d (which track running statistics by default), "
                "or InstanceNorm1d/2d/3d with track_running_stats=True, and sets "
                "track_running_stats=False."
            ),
            why=(
                "In train mode the layer updates running_mean/running_var in place. Under "
                "torch.func.vmap the input is batched but those buffers are not, and PyTorch raises "
                "'Batch norm got a batched tensor as input while the running_mean or running_var, "
                "which will be updated in place, were not batched.'"
            ),
            example_before="self.bn = nn.BatchNorm2d(64)",
            example_after="self.bn = nn.BatchNorm2d(64, track_running_stats=False)",
            fix_safety=(
                "The fix changes behaviour. " + _CAVEATS + " If you need eval-mode statistics, keep "
                "the layer and call torch.func.replace_all_batch_norm_modules_(model) at run time "
                "only where you vmap."
            ),
        ),
        Rule(
            code="BN005",
            title="track_running_stats cannot be decided statically",
            fixable=False,
            what_it_does=(
                "Reports a norm-layer constructor whose track_running_stats may be set by **kwargs, "
                "by *args covering its positional slot, or by a value that is not a literal."
            ),
            why=(
                "If the value ends up True, the layer fails under torch.func.vmap in train mode; "
                "bn-codemod cannot tell, so it does not guess."
            ),
            example_before="nn.BatchNorm2d(channels, **norm_kwargs)",
            example_after="nn.BatchNorm2d(channels, **norm_kwargs)  # make sure norm_kwargs sets track_running_stats=False",
            fix_safety="No automatic fix: set track_running_stats=False where the value comes from.",
        ),
    )
}
