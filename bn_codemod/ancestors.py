"""The nearest directory upward that has something: the configuration file that applies to a file, the git
work tree a path is in. Asked for every file of a walk, so every directory seen is remembered."""

from __future__ import annotations

import os
from typing import Callable, Optional, TypeVar

Found = TypeVar("Found")


def nearest(directory: str, probe: Callable[[str], Optional[Found]], seen: dict[str, Optional[Found]]) -> Optional[Found]:
    """The first non-None `probe(d)` for `directory` and then each of its parents, or None at the root.
    `seen` maps each directory already asked to its answer, and gets every directory this walk passes."""
    visited = []
    current = directory
    found: Optional[Found] = None
    while True:
        if current in seen:
            found = seen[current]
            break
        visited.append(current)
        found = probe(current)
        if found is not None:
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for passed in visited:
        seen[passed] = found
    return found
