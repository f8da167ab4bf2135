"""A content cache like ruff's: what the visitor found in a file, keyed by the file's content.

One JSON file per (tool version, settings) under `.bn_codemod_cache/`, read once at start and
replaced atomically at the end, so concurrent runs can lose each other's new entries but never
corrupt the file. Anything unexpected in it (other format, other version, bad JSON, wrong types)
makes it an empty cache: it is never trusted, and JSON means loading it runs no code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from . import __version__
from .findings import Finding

CACHE_DIR_NAME = ".bn_codemod_cache"
_FORMAT = 2  # 2: builds_norm_layers
_MAX_ENTRIES = 100_000
_FINDING_FIELDS = tuple(field.name for field in dataclasses.fields(Finding))


@dataclasses.dataclass(frozen=True)
class CachedResult:
    findings: tuple[Finding, ...]
    changed: bool  # whether the fixer would rewrite this content
    builds_norm_layers: bool = False  # whether the file builds norm layers (hazards are per run)


def _finding(item: dict) -> Finding:
    values = {name: item[name] for name in _FINDING_FIELDS}
    for name, expected in _FINDING_TYPES.items():
        value = values[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            if not (name == "cell" and value is None):
                raise ValueError(f"bad cached {name}")
    return Finding(**values)


_FINDING_TYPES = {
    "code": str, "line": int, "column": int, "end_line": int, "end_column": int,
    "message": str, "fixable": bool, "fixed": bool, "cell": int,
}


def content_key(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


class Cache:
    def __init__(self, directory: Path, settings_key: str):
        self.directory = directory
        identity = f"{__version__}\n{settings_key}"
        self._identity = identity
        self._path = directory / f"results-{hashlib.blake2b(identity.encode(), digest_size=8).hexdigest()}.json"
        self._entries: dict[str, dict] = {}
        self._new: dict[str, dict] = {}
        self._load()

    def get(self, key: str) -> Optional[CachedResult]:
        entry = self._new.get(key) or self._entries.get(key)
        if entry is None:
            return None
        try:
            findings = tuple(_finding(item) for item in entry["findings"])
            changed, builds_norm_layers = entry["changed"], entry["builds_norm_layers"]
        except (KeyError, TypeError, ValueError):
            return None  # a hand-edited or foreign entry: analyse the file again
        if not isinstance(changed, bool) or not isinstance(builds_norm_layers, bool):
            return None
        return CachedResult(findings, changed, builds_norm_layers)

    def put(self, key: str, findings: list[Finding], changed: bool, builds_norm_layers: bool = False) -> None:
        self._new[key] = {
            "findings": [dataclasses.asdict(f) for f in findings],
            "changed": changed,
            "builds_norm_layers": builds_norm_layers,
        }

    def save(self) -> None:
        """Write the merged entries atomically; a cache that cannot be written is silently skipped."""
        if not self._new:
            return
        entries = {**self._entries, **self._new}
        if len(entries) > _MAX_ENTRIES:
            entries = dict(self._new)
        document = {"format": _FORMAT, "identity": self._identity, "entries": entries}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore_file = self.directory / ".gitignore"
            if not ignore_file.exists():
                ignore_file.write_text("# Created by bn-codemod: this cache is never committed.\n*\n")
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(document, stream, separators=(",", ":"))
                os.replace(temporary, self._path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only checkout still gets its results, just not cached

    def _load(self) -> None:
        try:
            with open(self._path, encoding="utf-8") as stream:
                document = json.load(stream)
        except (OSError, ValueError):
            return
        if (
            isinstance(document, dict)
            and document.get("format") == _FORMAT
            and document.get("identity") == self._identity
            and isinstance(document.get("entries"), dict)
        ):
            self._entries = {k: v for k, v in document["entries"].items() if isinstance(v, dict)}
