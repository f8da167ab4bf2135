"""BN003/BN004/BN005: calls that build norm layers inside a library: torchvision builders and
get_model, torchvision's norm-activation blocks, timm.create_model. The builders and blocks are
data (torchvision_builders.py, knowledge.py); this module applies them.
"""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from .. import layout
from ..arguments import find_slot, literal_value, string_literal
from ..knowledge import (
    BUILDER_BY_NAME,
    BUILDER_BY_QUALNAME,
    NORM_ACTIVATION_BLOCKS,
    TIMM_FACTORIES,
    TORCHVISION_GET_MODEL,
    TRACKING_KEYWORD,
)
from ..scopes import dotted_name
from ..torchvision_builders import NO_BATCHNORM, NORM_LAYER_WORKS, RUNTIME_ONLY, Builder
from . import Family

RUNTIME_ADVICE = "call torch.func.replace_all_batch_norm_modules_(model) after loading weights, where you vmap"


class Builders(Family):
    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        builder = BUILDER_BY_QUALNAME.get(callee)
        if builder is not None:
            return self._builder(original, updated, builder)
        if callee in TORCHVISION_GET_MODEL:
            return self._get_model(original, updated)
        if callee in NORM_ACTIVATION_BLOCKS:
            return self._norm_activation_block(original, updated, *NORM_ACTIVATION_BLOCKS[callee])
        if callee in TIMM_FACTORIES:
            self.visitor.report(
                original,
                "BN004",
                f"timm.create_model: norm_layer works for only some architectures (ignored or a TypeError "
                f"for the rest); {RUNTIME_ADVICE}",
            )
            return updated
        return None

    def partial(self, original: cst.Call, updated: cst.Call, target: str) -> Optional[cst.Call]:
        """`partial(torchvision.models.resnet50, ...)`, `partial(timm.create_model, ...)`: the call's rule (a
        builder takes norm_layer, weights and pretrained by keyword only, so the partial's first argument is
        never one of them)."""
        builder = BUILDER_BY_QUALNAME.get(target)
        if builder is not None:
            return self._builder(original, updated, builder)
        return self.leave_call(original, updated, target) if target in TIMM_FACTORIES else None

    def reference(self, node: cst.BaseExpression, qualified_name: str) -> bool:
        """`model_fn = torchvision.models.resnet50`: a builder as a value, reported where it is named. Builders
        that build BatchNorm only without pretrained weights (detection models) are left out: as a value, which
        weights its call loads is unknown."""
        builder = BUILDER_BY_QUALNAME.get(qualified_name)
        if builder is None or builder.support == NO_BATCHNORM or builder.frozen_unless_untrained:
            return False
        report_as_value(self.visitor, node, builder.name, builder.support, builder.default_norm, builder.reason)
        return True

    def _builder(self, original: cst.Call, updated: cst.Call, builder: Builder) -> cst.Call:
        if builder.support == NO_BATCHNORM:
            return updated
        if builder.quantization:
            quantize = find_slot(original.args, "quantize", None)
            if not quantize.absent and literal_value(original.args[quantize.arg_index].value) is True:
                return updated  # a quantized model has its BatchNorm fused away
        if builder.frozen_unless_untrained and not _builds_untrained(original.args):
            return updated  # FrozenBatchNorm2d: nothing updates running stats
        if builder.support == RUNTIME_ONLY:
            self.visitor.report(original, "BN004", f"{builder.name}: {builder.reason}; {RUNTIME_ADVICE}")
            return updated
        norm = (builder.default_norm, builder.default_kwargs)
        return self.add_norm_layer(original, updated, builder.name, norm, None, none_means_default=True)

    def _get_model(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        name = string_literal(original.args[0].value) if original.args and not original.args[0].keyword else None
        if name is None:
            self.visitor.report(original, "BN004", f"get_model with a model name that is not a literal; {RUNTIME_ADVICE}")
            return updated
        builder = BUILDER_BY_NAME.get(name)
        return self._builder(original, updated, builder) if builder is not None else updated

    def _norm_activation_block(
        self, original: cst.Call, updated: cst.Call, norm_name: str, norm_index: int
    ) -> cst.Call:
        block = dotted_name(original.func) or "block"
        return self.add_norm_layer(original, updated, block, (norm_name, ()), norm_index, none_means_default=False)

    def add_norm_layer(
        self,
        original: cst.Call,
        updated: cst.Call,
        what: str,
        norm: tuple[str, tuple[tuple[str, str], ...]],
        norm_index: Optional[int],
        none_means_default: bool,
    ) -> cst.Call:
        """BN003: pass norm_layer=partial(<the default norm>, <its defaults>, track_running_stats=False).

        `none_means_default`: builders treat norm_layer=None as their default BatchNorm; the ops
        blocks treat it as "no norm layer".
        """
        visitor = self.visitor
        for keyword, loads in (("weights", lambda v: v is not None), ("pretrained", lambda v: v not in (False, None))):
            slot = find_slot(original.args, keyword, None)
            if not slot.absent and not slot.maybe and loads(literal_value(original.args[slot.arg_index].value)):
                visitor.report(
                    original,
                    "BN004",
                    f"{what}: loads pretrained weights ({keyword}=...), and a norm layer without running stats "
                    f"fails the strict state_dict load; {RUNTIME_ADVICE}",
                )
                return updated
        slot = find_slot(original.args, "norm_layer", norm_index)
        if slot.maybe:
            visitor.report(original, "BN005", f"{what}: norm_layer {slot.reason}")
            return updated
        if not slot.absent and (literal_value(original.args[slot.arg_index].value) is not None or not none_means_default):
            return updated  # the user's own norm layer (a class there is BN002's business), or none
        norm_name, defaults = norm
        reported = visitor.report(
            original,
            "BN003",
            f"{what} builds {norm_name} layers that track running stats: pass "
            f"norm_layer=partial({norm_name}, ..., track_running_stats=False)",
            fixable=True,
        )
        if not reported:
            return updated
        statement = visitor.current_statement
        partial = visitor.imports.partial(visitor.scopes, statement)
        norm_class = visitor.imports.torch_nn_class(norm_name, visitor.scopes, statement)
        arguments = ", ".join([norm_class, *(f"{k}={v}" for k, v in defaults), f"{TRACKING_KEYWORD}=False"])
        value_source = f"{partial}({arguments})"
        value = cst.parse_expression(value_source)
        if slot.absent:
            visitor.record(original, "add-keyword", value_source, keyword="norm_layer")
            return layout.append_keyword(updated, "norm_layer", value)
        action = "set-positional" if slot.positional else "set-keyword"
        visitor.record(original, action, value_source, slot.arg_index, keyword="norm_layer")
        new_args = list(updated.args)
        new_args[slot.arg_index] = new_args[slot.arg_index].with_changes(value=value)
        return updated.with_changes(args=new_args)


def _builds_untrained(args: Sequence[cst.Arg]) -> bool:
    """Whether a detection builder may build BatchNorm2d rather than FrozenBatchNorm2d: only when
    both `weights` (default None) and `weights_backbone` (default pretrained) are None."""
    for keyword, default_is_none in (("weights", True), ("weights_backbone", False)):
        slot = find_slot(args, keyword, None)
        if slot.maybe:
            continue  # **kwargs may set it to None
        if slot.absent and not default_is_none:
            return False
        if not slot.absent and literal_value(args[slot.arg_index].value) is not None:
            return False
    return True


def report_as_value(
    visitor, node: cst.BaseExpression, shown: str, support: str, default_norm: str, reason: str
) -> None:
    """BN004 for a model class or builder used as a value: its call, where the layers are built, is out of sight."""
    if support == NORM_LAYER_WORKS:
        advice = f"pass norm_layer=partial({default_norm}, ..., track_running_stats=False) there, or {RUNTIME_ADVICE}"
    else:
        advice = f"{reason}; {RUNTIME_ADVICE}"
    visitor.report(
        node,
        "BN004",
        f"{shown} used as a value: where it is called, out of bn-codemod's sight, it builds "
        f"{default_norm or 'BatchNorm'} layers that track running stats; {advice}",
    )
