"""Load checkpoints saved before the fix: drop the running statistics a patched model no longer has.

Pure Python on purpose: importing bn-codemod never imports torch, and this works on any mapping from
keys to tensors (torch is only touched through `module.state_dict()` when a module is given).
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Optional, TypeVar

# Buffers of torch's norm layers that exist only with track_running_stats=True.
RUNNING_STAT_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")

StateDict = TypeVar("StateDict", bound=Mapping)


def strip_running_stats(state_dict: StateDict, module: Optional[Any] = None) -> StateDict:
    """A copy of `state_dict` without the running statistics of norm layers.

    Without `module`: a norm layer is a key prefix `P` with both `P.running_mean` and
    `P.running_var`; those two keys and `P.num_batches_tracked` go. A lone `running_mean` (a
    normaliser of your own) stays.
    With `module` (the patched model): exactly the running-stat keys that `module.state_dict()` no
    longer has go, so layers still tracking statistics, and any other module's buffer of the same
    name, keep theirs; keys of other names are never touched, so a genuinely unexpected key still
    fails a strict load.

    The copy has the same mapping type (an OrderedDict stays one) and keeps torch's `_metadata`
    (layer versions) when present; `state_dict` itself is not changed.
    Typical use: `model.load_state_dict(strip_running_stats(torch.load(path), model))`.
    """
    if module is not None:
        kept = set(module.state_dict().keys())
        dropped = {key for key in state_dict if _buffer_name(key) in RUNNING_STAT_BUFFERS and key not in kept}
    else:
        dropped = _norm_layer_statistics(state_dict)
    return _copy_without(state_dict, dropped)


def _buffer_name(key: object) -> Optional[str]:
    return key.rpartition(".")[2] if isinstance(key, str) else None


def _norm_layer_statistics(state_dict: Mapping) -> set:
    prefixes = {key[: -len("running_mean")] for key in state_dict if _buffer_name(key) == "running_mean"}
    norm_prefixes = {prefix for prefix in prefixes if f"{prefix}running_var" in state_dict}
    return {f"{prefix}{name}" for prefix in norm_prefixes for name in RUNNING_STAT_BUFFERS} & set(state_dict)


def _copy_without(state_dict: StateDict, dropped: set) -> StateDict:
    try:
        # copy.copy keeps the type and instance attributes, torch's `_metadata` among them.
        result = copy.copy(state_dict)
        for key in dropped:
            del result[key]  # type: ignore[attr-defined]
    except TypeError:  # an immutable mapping: a plain dict of the rest
        return {key: value for key, value in state_dict.items() if key not in dropped}  # type: ignore[return-value]
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        result._metadata = copy.copy(metadata)  # type: ignore[attr-defined]  # not shared with the original
    return result
