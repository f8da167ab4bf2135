"""A content cache like ruff's: what the visitor found in a file, keyed by the file's content.

One JSON file per (tool version, hash of bn-codemod's own code, settings) under
`.bn_codemod_cache/`, read once at start and replaced atomically at the end, so concurrent runs
can lose each other's new entries but never corrupt the file. Anything unexpected in it (other
format or identity, bad JSON, an unknown rule code, a position below 1, a control character in a
message) makes it an empty cache: it is never trusted, and JSON means loading it runs no code. A
cache directory that is a symlink is not used at all.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Optional

from . import __version__
from .findings import Finding
from .rules import RULES

CACHE_DIR_NAME = ".bn_codemod_cache"
PROJECT_MARKERS = (".git", ".hg", "pyproject.toml")  # black's: where a project starts
_FORMAT = 2
_MAX_ENTRIES = 100_000
_FINDING_FIELDS = tuple(field.name for field in dataclasses.fields(Finding))
_CONTENT_KEY = re.compile(r"[0-9a-f]{40}")
_POSITIONS = ("line", "column", "end_line", "end_column")
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class CachedResult:
    findings: tuple[Finding, ...]
    changed: bool  # whether the fixer would rewrite this content


def _finding(item: object) -> Finding:
    """A cached finding, or ValueError: it must be exactly what this code would have stored."""
    if not isinstance(item, dict) or set(item) != set(_FINDING_FIELDS):
        raise ValueError("bad cached finding")
    for name, expected in _FINDING_TYPES.items():
        value = item[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            if not (name == "cell" and value is None):
                raise ValueError(f"bad cached {name}")
    if item["code"] not in RULES or item["fixed"]:
        raise ValueError("bad cached code")
    if min(item[name] for name in _POSITIONS) < 1 or (item["cell"] is not None and item["cell"] < 1):
        raise ValueError("bad cached position")
    if not item["message"].isprintable():  # no escape sequence reaches the user's terminal
        raise ValueError("bad cached message")
    return Finding(**item)


_FINDING_TYPES = {
    "code": str, "line": int, "column": int, "end_line": int, "end_column": int,
    "message": str, "fixable": bool, "fixed": bool, "cell": int,
}


def _entry(key: object, value: object) -> CachedResult:
    if not isinstance(key, str) or not _CONTENT_KEY.fullmatch(key):
        raise ValueError("bad cache key")
    if not isinstance(value, dict) or set(value) != {"findings", "changed"}:
        raise ValueError("bad cache entry")
    if not isinstance(value["findings"], list) or not isinstance(value["changed"], bool):
        raise ValueError("bad cache entry")
    return CachedResult(tuple(_finding(item) for item in value["findings"]), value["changed"])


@functools.lru_cache(maxsize=None)
def code_hash() -> str:
    """A hash of bn-codemod's own source, so a new build never reuses an old build's results (the
    version stays 0.1.0 across commits). Its content, not its mtimes: ~1.5 ms for 250 kB."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def project_root(configured_root: Optional[str], start: Optional[Path] = None) -> Optional[Path]:
    """Where the project the run is about starts: the directory of the configuration file that applies
    (`configured_root`), else the nearest directory from `start` (the current one) upward holding .git,
    .hg or a pyproject.toml, as black decides; None outside any project."""
    if configured_root:
        return Path(configured_root)
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        if any(os.path.lexists(candidate / marker) for marker in PROJECT_MARKERS):
            return candidate
    return None


def content_key(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


class Cache:
    """`create`: whether save() may make the directory (--check and --diff make none outside a project)."""

    def __init__(self, directory: Path, settings_key: str, create: bool = True):
        self.directory = directory
        self.create = create
        identity = f"{__version__}\n{code_hash()}\n{settings_key}"
        self._identity = identity
        self._path = directory / f"results-{hashlib.blake2b(identity.encode(), digest_size=8).hexdigest()}.json"
        self._entries: dict[str, CachedResult] = {}
        self._new: dict[str, dict] = {}
        # A committed symlink would make even --check write wherever it points.
        self.unusable = f"{directory} is a symlink; the cache is not used" if directory.is_symlink() else None
        if self.unusable is None:
            self._load()

    def get(self, key: str) -> Optional[CachedResult]:
        if key in self._new:
            return _entry(key, self._new[key])
        return self._entries.get(key)

    def put(self, key: str, findings: list[Finding], changed: bool) -> None:
        entry = {"findings": [dataclasses.asdict(f) for f in findings], "changed": changed}
        try:
            _entry(key, entry)
        except ValueError:
            return  # e.g. a control character in a message: it would make the whole file untrusted
        self._new[key] = entry

    def save(self) -> None:
        """Write the merged entries atomically; a cache that cannot be written is silently skipped."""
        if not self._new or self.unusable is not None or not (self.create or self.directory.is_dir()):
            return
        entries = {**{key: _stored(result) for key, result in self._entries.items()}, **self._new}
        if len(entries) > _MAX_ENTRIES:
            entries = dict(self._new)
        document = {"format": _FORMAT, "identity": self._identity, "entries": entries}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if self.directory.is_symlink():
                return  # appeared since we started
            _create_gitignore(self.directory / ".gitignore")
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
        document = _read_json(self._path)
        if not (
            isinstance(document, dict)
            and document.get("format") == _FORMAT
            and document.get("identity") == self._identity
            and isinstance(document.get("entries"), dict)
        ):
            return
        try:
            self._entries = {key: _entry(key, value) for key, value in document["entries"].items()}
        except ValueError:
            self._entries = {}  # one bad entry and the whole file is not trusted


def _stored(result: CachedResult) -> dict:
    return {"findings": [dataclasses.asdict(f) for f in result.findings], "changed": result.changed}


def _read_json(path: Path) -> object:
    """The parsed file, or None: only a regular file is read (never through a symlink, never a FIFO)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, encoding="utf-8", closefd=False) as stream:
            return json.load(stream)
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)


def _create_gitignore(path: Path) -> None:
    """So git never sees the cache; created only if absent, never written through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as stream:
        stream.write("# Created by bn-codemod: this cache is never committed.\n*\n")
