"""BN001/BN005: norm classes built directly, `nn.BatchNorm2d(64)` (local subclasses: norm_subclasses.py)."""

from __future__ import annotations

from typing import Optional, Sequence

import libcst as cst

from .. import layout
from ..arguments import UNKNOWN, describe_non_bool, find_slot, literal_value
from ..knowledge import TRACKING_KEYWORD, NormClass
from . import Family
from .builders import RUNTIME_ADVICE

LOCAL_CLASS_PREFIX = "<local>."


class Constructors(Family):
    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        norm_class = self.visitor.norm_classes.get(callee)
        if norm_class is None:
            return None
        return self.construct(original, updated, norm_class, updated.args, offset=0)

    def construct(
        self, original: cst.Call, updated: cst.Call, norm_class: NormClass, args: Sequence[cst.Arg], offset: int
    ) -> cst.Call:
        """BN001/BN005 for `Cls(...)`, and BN002 for `partial(Cls, ...)` where args start after Cls."""
        visitor = self.visitor
        code = "BN002" if offset else "BN001"
        visitor.builds_norm_layers = visitor.builds_norm_layers or norm_class.tracks_by_default
        positional_index = norm_class.positional_index if norm_class.positional_index >= 0 else None
        slot = visitor.factory_values.decide_double_stars(
            find_slot(args[offset:], TRACKING_KEYWORD, positional_index), args[offset:], positional_index
        )
        if slot is None:
            return updated  # a visible **dict sets it to False
        if norm_class.tracks_by_default and self._needs_tracking(original, norm_class, args[offset:]):
            return updated
        hazards = visitor.hazards
        if not offset and hazards.active and hazards.keeps_constructor(original, norm_class, args, slot):
            return updated  # its function writes running statistics (BN009): reported, not fixed
        if slot.maybe:
            if norm_class.tracks_by_default:
                visitor.report(original, "BN005", f"{norm_class.name}: track_running_stats {slot.reason}")
            return updated
        if slot.absent:
            if not norm_class.tracks_by_default:
                return updated
            if not visitor.report(original, code, tracking_message(norm_class, code), fixable=True):
                return updated
            visitor.record(original, "add-keyword", "False")
            return layout.append_keyword(updated, TRACKING_KEYWORD, cst.Name("False"))
        index = slot.arg_index + offset
        value = literal_value(args[index].value)
        if value is UNKNOWN:
            described = describe_non_bool(args[index].value)
            visitor.report(original, "BN005", f"{norm_class.name}: track_running_stats is set to {described}")
            return updated
        if value is not True:
            return updated
        if not visitor.report(original, code, tracking_message(norm_class, code), fixable=True):
            return updated
        visitor.record(original, "set-positional" if slot.positional else "set-keyword", "False", index)
        new_args = list(updated.args)
        # Keep any parentheses around the literal: only the name changes.
        new_args[index] = new_args[index].with_changes(value=new_args[index].value.with_changes(value="False"))
        return updated.with_changes(args=new_args)


    def _needs_tracking(self, original: cst.Call, norm_class: NormClass, args: Sequence[cst.Arg]) -> bool:
        """True, after a BN004, when an argument the class refuses without running stats may be on:
        torch_geometric's BatchNorm(c, allow_single_element=True) raises ValueError with track_running_stats=False."""
        for keyword, position in norm_class.needs_tracking:
            slot = find_slot(args, keyword, position)
            if slot.absent or slot.maybe or literal_value(args[slot.arg_index].value) is False:
                continue
            self.visitor.report(
                original,
                "BN004",
                f"{norm_class.name} with {keyword} needs {TRACKING_KEYWORD}=True, so no argument makes it "
                f"vmap-safe; {RUNTIME_ADVICE}",
            )
            return True
        return False


def tracking_message(norm_class: NormClass, code: str) -> str:
    if code == "BN002":
        return (
            f"{norm_class.name} used as a layer factory builds layers that track running stats, which "
            f"torch.func.vmap cannot update in place: use partial({norm_class.name}, track_running_stats=False)"
        )
    return (
        f"{norm_class.name} tracks running stats, which torch.func.vmap cannot update in place: "
        f"set track_running_stats=False"
    )
