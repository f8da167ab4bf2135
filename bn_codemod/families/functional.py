"""BN007: functional norms (`F.batch_norm`, `F.instance_norm`, ...) that update running stats in place."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..arguments import find_slot, literal_value
from ..knowledge import FUNCTIONAL_NORM_BY_QUALNAME
from . import Family


class FunctionalNorms(Family):
    def leave_call(self, original: cst.Call, updated: cst.Call, callee: str) -> Optional[cst.Call]:
        """Report only: the fix depends on how the caller holds its statistics."""
        functional = FUNCTIONAL_NORM_BY_QUALNAME.get(callee)
        if functional is None:
            return None
        args = original.args
        stats = [find_slot(args, name, index) for name, index in functional.running_stats]
        if not any(s.maybe or (not s.absent and literal_value(args[s.arg_index].value) is not None) for s in stats):
            return updated
        flag = find_slot(args, functional.flag, functional.flag_index)
        if flag.absent and not functional.flag_default:
            return updated
        if not flag.absent and not flag.maybe and literal_value(args[flag.arg_index].value) is False:
            return updated
        short = callee.replace("torch.nn.functional.", "F.")
        self.visitor.report(
            original,
            "BN007",
            f"{short} updates running_mean/running_var in place when {functional.flag} is true, which "
            f"torch.func.vmap cannot do: pass running_mean=None, running_var=None under vmap",
        )
        return updated
