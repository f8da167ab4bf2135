"""Rule codes and their documentation: one source for messages, `--explain`, `--list-rules` and the
README's rule table (tests/test_rules.py keeps the README in sync)."""

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


VMAP_ERROR = (
    "Batch norm got a batched tensor as input while the running_mean or running_var, which will be "
    "updated in place, were not batched."
)
RUNTIME_PATCH_ADVICE = (
    "call torch.func.replace_all_batch_norm_modules_(model) after the model is built and its weights "
    "are loaded, only where you vmap"
)
_CAVEATS = (
    "Without running statistics, eval mode normalises with the statistics of the batch it is given, "
    "so outputs depend on the batch (BatchNorm1d with a batch of one raises even in eval). The "
    "state_dict loses running_mean, running_var and num_batches_tracked, so a strict load of an "
    "ordinary checkpoint fails with 'Unexpected key(s)'. Conv+BN fusion and quantization with fusion "
    "need running statistics and fail."
)
_WHY_TRACKING = (
    "In train mode the layer updates running_mean and running_var in place. Under torch.func.vmap "
    f"the input is batched but those buffers are not, and PyTorch raises '{VMAP_ERROR}'"
)

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            code="BN001",
            title="norm layer constructed with running stats",
            fixable=True,
            what_it_does=(
                "Finds calls that construct a torch.nn BatchNorm1d/2d/3d, LazyBatchNorm1d/2d/3d, "
                "SyncBatchNorm or LazyInstanceNorm1d/2d/3d (which track running statistics by default), "
                "or InstanceNorm1d/2d/3d with track_running_stats=True, and sets "
                "track_running_stats=False: a literal True becomes False, the positional slot is "
                "changed in place, an absent flag is appended."
            ),
            why=_WHY_TRACKING,
            example_before="self.bn = nn.BatchNorm2d(64)",
            example_after="self.bn = nn.BatchNorm2d(64, track_running_stats=False)",
            fix_safety="Changes behaviour. " + _CAVEATS,
        ),
        Rule(
            code="BN002",
            title="norm class used as a layer factory",
            fixable=True,
            what_it_does=(
                "Finds a BatchNorm-family class used as a value that builds layers: a keyword "
                "argument (norm_layer=nn.BatchNorm2d), an assignment, a default parameter value, a "
                "list element or dict value, a return value, or functools.partial(nn.BatchNorm2d, ...). "
                "Wraps the class in partial(..., track_running_stats=False), or adds or flips the keyword "
                "in an existing partial; the partial import is reused or added. isinstance/issubclass "
                "arguments, except clauses, annotations, base classes, comparisons, tuples, sets and "
                "dict keys are never touched. A class passed as a positional argument to another "
                "function is reported without a fix: the callee may compare with it rather than build "
                "layers."
            ),
            why="Every layer the factory builds tracks running statistics. " + _WHY_TRACKING,
            example_before="block = ConvBlock(64, norm_layer=nn.BatchNorm2d)",
            example_after="block = ConvBlock(64, norm_layer=partial(nn.BatchNorm2d, track_running_stats=False))",
            fix_safety=(
                "Changes behaviour as BN001 does. Code that compares the factory with the class "
                "(norm_layer is nn.BatchNorm2d) sees a partial afterwards. " + _CAVEATS
            ),
        ),
        Rule(
            code="BN003",
            title="torchvision builder without a vmap-safe norm layer",
            fixable=True,
            what_it_does=(
                "Finds calls of torchvision builders whose norm_layer argument really replaces every "
                "BatchNorm (resnet, resnext, wide_resnet, mobilenet_v2/v3, efficientnet_b0-b4, regnet, "
                "maxvit_t, s3d, the quantization builders with quantize=False; also via get_model) and "
                "torchvision.ops.Conv2dNormActivation/Conv3dNormActivation, and passes "
                "norm_layer=partial(nn.BatchNorm2d, <the builder's own eps/momentum>, "
                "track_running_stats=False). A builder called with pretrained weights is not rewritten "
                "(see BN004)."
            ),
            why=(
                "The builder's default norm layer tracks running statistics. " + _WHY_TRACKING
                + " A norm_layer replaces the builder's default, so its eps and momentum are restated."
            ),
            example_before="model = torchvision.models.mobilenet_v3_large()",
            example_after=(
                "model = torchvision.models.mobilenet_v3_large(norm_layer=partial(nn.BatchNorm2d, "
                "eps=0.001, momentum=0.01, track_running_stats=False))"
            ),
            fix_safety="Changes behaviour as BN001 does. " + _CAVEATS,
        ),
        Rule(
            code="BN004",
            title="norm layers only a runtime patch can fix",
            fixable=False,
            what_it_does=(
                "Reports model factories whose BatchNorm no argument can fix: torchvision builders with "
                "BatchNorm hard-wired (densenet, vgg*_bn, mnasnet, shufflenet_v2, googlenet, "
                "inception_v3, video resnets), with norm_layer silently ignored (detection and "
                "segmentation models) or rejected (efficientnet_b5-b7, efficientnet_v2), raft_large, "
                "ssdlite; any builder called with pretrained weights; get_model with a non-literal "
                "name; and timm.create_model."
            ),
            why=(
                "An added norm_layer would be ignored or raise, and with pretrained weights the strict "
                "state_dict load fails once the running statistics are gone. " + _WHY_TRACKING
            ),
            example_before="model = torchvision.models.densenet121(weights=None)",
            example_after=(
                "model = torchvision.models.densenet121(weights=None)\n"
                "torch.func.replace_all_batch_norm_modules_(model)  # where you vmap"
            ),
            fix_safety="No automatic fix: " + RUNTIME_PATCH_ADVICE + ".",
        ),
        Rule(
            code="BN005",
            title="track_running_stats cannot be decided statically",
            fixable=False,
            what_it_does=(
                "Reports a norm-layer constructor, partial or builder whose track_running_stats (or "
                "norm_layer) may be set by **kwargs, by *args covering its positional slot, or by a "
                "value other than a literal True or False (a name, an expression, or a non-bool "
                "literal such as 1)."
            ),
            why=(
                "If the value ends up True, the layer fails under torch.func.vmap in train mode; "
                "bn-codemod cannot tell, so it does not guess."
            ),
            example_before="nn.BatchNorm2d(channels, **norm_kwargs)",
            example_after="nn.BatchNorm2d(channels, **norm_kwargs)  # norm_kwargs sets track_running_stats=False",
            fix_safety="No automatic fix: set track_running_stats=False where the value comes from.",
        ),
        Rule(
            code="BN006",
            title="deprecated functorch runtime patch",
            fixable=True,
            what_it_does=(
                "Rewrites functorch.experimental.replace_all_batch_norm_modules_ (import or attribute) "
                "to torch.func.replace_all_batch_norm_modules_."
            ),
            why="functorch is deprecated; torch.func holds the same function since torch 2.0.",
            example_before="from functorch.experimental import replace_all_batch_norm_modules_",
            example_after="from torch.func import replace_all_batch_norm_modules_",
            fix_safety="Safe: the two names are the same object on torch 2.x.",
        ),
        Rule(
            code="BN007",
            title="functional batch norm updating running stats",
            fixable=False,
            what_it_does=(
                "Reports torch.nn.functional.batch_norm, torch.batch_norm, F.instance_norm and "
                "torch.instance_norm called with running_mean/running_var that are not literally None "
                "while training (batch_norm) or use_input_stats (instance_norm) is not literally False."
            ),
            why="They update the running statistics in place, which vmap cannot do: " + VMAP_ERROR,
            example_before="y = F.batch_norm(x, self.running_mean, self.running_var, training=True)",
            example_after="y = F.batch_norm(x, None, None, training=True)  # under vmap",
            fix_safety="No automatic fix: pass running_mean=None, running_var=None on the vmapped path.",
        ),
        Rule(
            code="BN008",
            title="norm subclass with its own __init__",
            fixable=False,
            what_it_does=(
                "Reports a class defined in the file that subclasses a BatchNorm-family class and "
                "defines its own __init__ without passing track_running_stats=False. A subclass that "
                "keeps the parent's signature (no __init__) is treated like the parent instead: its "
                "calls get BN001 fixes."
            ),
            why="Its instances track running statistics, and its own signature hides the flag from bn-codemod.",
            example_before="class MyBN(nn.BatchNorm2d):\n    def __init__(self, c):\n        super().__init__(c)",
            example_after=(
                "class MyBN(nn.BatchNorm2d):\n    def __init__(self, c):\n"
                "        super().__init__(c, track_running_stats=False)"
            ),
            fix_safety="No automatic fix: pass track_running_stats=False to the parent's __init__.",
        ),
    )
}


def explain(code: str) -> str:
    """The `--explain` text of one rule, in ruff's four headings."""
    rule = RULES[code]
    fix = "yes, automatically" if rule.fixable else "no (report only)"
    return (
        f"{rule.code}: {rule.title}\n\n"
        f"What it does\n{rule.what_it_does}\n\n"
        f"Why it matters\n{rule.why}\n\n"
        f"Example\n{_indent(rule.example_before)}\nbecomes\n{_indent(rule.example_after)}\n\n"
        f"Fixable: {fix}\n\n"
        f"Fix safety\n{rule.fix_safety}\n"
    )


def rules_table() -> str:
    """The README's rule table (markdown), generated from RULES."""
    lines = ["| code | what it finds | fixed automatically | example |", "|---|---|---|---|"]
    for rule in RULES.values():
        example = f"`{rule.example_before.splitlines()[0]}`"
        lines.append(f"| {rule.code} | {rule.title} | {'yes' if rule.fixable else 'no'} | {example} |")
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
