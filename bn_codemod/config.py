"""Settings: each file uses the closest configuration file above it, overridden by command-line flags.

Resolution, as ruff's:
1. `--config PATH`: that file for every file; its relative paths are relative to the working directory.
2. Otherwise the closest directory at or above the file holding `.bn-codemod.toml`, `bn-codemod.toml`
   or a `pyproject.toml` with a `[tool.bn-codemod]` table (checked in that order within a directory);
   its `exclude` and `per-file-ignores` patterns are relative to that directory.
3. No such file above it: the one found from the working directory upward, as in 2.
4. None there either: the defaults (every rule), relative to the working directory.
Flags apply on top of whichever file is used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .ancestors import nearest
from .rules import RULES

if TYPE_CHECKING:
    from .files import PathGlobs

CONFIG_FILE_NAMES = (".bn-codemod.toml", "bn-codemod.toml", "pyproject.toml")
PYPROJECT = "pyproject.toml"
KNOWN_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude", "extra-classes", "per-file-ignores")
_QUALIFIED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


class ConfigError(Exception):
    """A bad configuration; str() is one line naming the file."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("BN",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # relative to `root`
    extra_classes: tuple[str, ...] = ()
    source: Optional[str] = None  # the configuration file they came from
    root: Optional[str] = None  # the directory `exclude` and `per_file_ignores` are relative to
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes), relative to `root`

    def enabled(self, code: str) -> bool:
        """ruff's rule: the most specific matching prefix wins; on a tie, ignore wins."""
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored

    def key(self) -> str:
        """What a cached result depends on."""
        return repr((sorted(c for c in RULES if self.enabled(c)), self.extra_classes))


@dataclass(frozen=True)
class Overrides:
    """The rule flags of the command line, split at commas. `select` None: not given."""

    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()  # --ignore and --extend-ignore: the same layer, as in ruff

    @classmethod
    def from_flags(
        cls,
        select: Optional[Sequence[str]] = None,
        extend_select: Optional[Sequence[str]] = None,
        ignore: Optional[Sequence[str]] = None,
        extend_ignore: Optional[Sequence[str]] = None,
    ) -> Overrides:
        return cls(
            select=_codes(_split(select), "--select") if select is not None else None,
            extend_select=_codes(_split(extend_select or ()), "--extend-select"),
            ignore=(*_codes(_split(ignore or ()), "--ignore"), *_codes(_split(extend_ignore or ()), "--extend-ignore")),
        )


class Resolver:
    """Which configuration file, and so which settings, apply to each path. Caches per directory."""

    def __init__(self, overrides: Overrides = Overrides(), config: Optional[Path] = None, cwd: Optional[str] = None):
        self._overrides = overrides
        self._cwd = os.path.abspath(cwd or os.getcwd())
        self._config_in: dict[str, Optional[str]] = {}  # directory -> the closest configuration file, if any
        self._tables: dict[str, Optional[dict]] = {}  # configuration file -> its bn-codemod table
        self._settings_of: dict[Optional[str], Settings] = {}
        self._by_directory: dict[str, Settings] = {}
        self._per_file: dict[tuple[Settings, str], Settings] = {}
        self._globs: dict[Settings, "PathGlobs"] = {}
        self._forced = None
        if config is not None:
            path = os.path.abspath(config)
            if not os.path.isfile(path):
                raise ConfigError(f"{config}: --config: no such file")
            self._forced = path
            # ruff (and ESLint): an explicit file's relative paths are relative to the working directory.
            self._settings_of[path] = self._load(path, root=self._cwd, required=True)
        self._default = self._forced or self._closest(self._cwd)

    def config_file(self, path: str) -> Optional[str]:
        """The configuration file that applies to `path` (a file or a directory); None: defaults."""
        if self._forced is not None:
            return self._forced
        return self._closest(os.path.abspath(path)) or self._default

    def settings_for_directory(self, path: str) -> Settings:
        """The settings of `path`'s configuration file, without its per-file-ignores."""
        source = self.config_file(path)
        if source not in self._settings_of:
            self._settings_of[source] = self._load(source, root=os.path.dirname(source) if source else self._cwd)
        return self._settings_of[source]

    def settings_for(self, path: str) -> Settings:
        """The settings for one file, per-file-ignores applied."""
        directory = os.path.dirname(path)  # as given: files of one directory cost one lookup
        settings = self._by_directory.get(directory)
        if settings is None:
            settings = self._by_directory[directory] = self.settings_for_directory(directory or self._cwd)
        if not settings.per_file_ignores:
            return settings
        path = os.path.abspath(path)
        key = (settings, path)
        if key not in self._per_file:
            self._per_file[key] = _apply_per_file_ignores(settings, path)
        return self._per_file[key]

    def exclude_globs(self, path: str) -> PathGlobs:
        """The `exclude` globs of `path`'s configuration file, relative to its project root."""
        from .files import PathGlobs  # the walk has imported it already; --version need not

        settings = self.settings_for_directory(path)
        if settings not in self._globs:
            self._globs[settings] = PathGlobs(settings.exclude, settings.root or self._cwd)
        return self._globs[settings]

    def _closest(self, directory: str) -> Optional[str]:
        """The nearest configuration file at or above `directory` (normalized, absolute)."""
        return nearest(directory, self._config_file_in, self._config_in)

    def _config_file_in(self, directory: str) -> Optional[str]:
        for name in CONFIG_FILE_NAMES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                if path not in self._tables:
                    self._tables[path] = _read_table(path, required=name != PYPROJECT)
                if self._tables[path] is not None:
                    return path
        return None

    def _load(self, source: Optional[str], root: str, required: bool = False) -> Settings:
        if source is None:
            table: dict = {}
        elif required or source not in self._tables:
            table = _read_table(source, required=True) or {}
        else:
            table = self._tables[source] or {}
        where = f"{source}: [tool.bn-codemod]" if source and source.endswith(PYPROJECT) else (source or "")
        unknown = sorted(set(table) - set(KNOWN_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(KNOWN_KEYS)})")
        file_select = table.get("select")
        overrides = self._overrides
        enabled = resolve_selection(
            [
                (("BN",), (), ()),
                (
                    _codes(file_select, f"{where}: select") if file_select is not None else None,
                    _codes(table.get("extend-select", []), f"{where}: extend-select"),
                    _codes(table.get("ignore", []), f"{where}: ignore"),
                ),
                (overrides.select, overrides.extend_select, overrides.ignore),
            ]
        )
        return Settings(
            select=enabled,
            exclude=(
                *_strings(table.get("exclude", []), f"{where}: exclude"),
                *_strings(table.get("extend-exclude", []), f"{where}: extend-exclude"),
            ),
            extra_classes=_qualified_names(table.get("extra-classes", []), f"{where}: extra-classes"),
            source=source,
            root=root,
            per_file_ignores=_per_file_ignores(table.get("per-file-ignores", {}), f"{where}: per-file-ignores"),
        )


def resolve_selection(
    layers: Sequence[tuple[Optional[Sequence[str]], Sequence[str], Sequence[str]]],
) -> tuple[str, ...]:
    """The enabled codes after ruff's layering of (select, extend-select, ignore): defaults, file, flags.

    A layer with a select starts afresh (so `--select` undoes the file's ignore too); otherwise it
    adjusts what the layers before it enabled. Within a layer the more specific prefix wins, and
    on a tie ignore wins.
    """
    enabled: set[str] = set()
    for select, extend_select, ignore in layers:
        if select is not None:
            enabled = set()
        updates = [(prefix, True) for prefix in (*(select or ()), *extend_select)]
        updates += [(prefix, False) for prefix in ignore]
        for prefix, enable in sorted(updates, key=lambda update: (len(update[0]), update[1] is False)):
            matching = {code for code in RULES if code.startswith(prefix)}
            enabled = enabled | matching if enable else enabled - matching
    return tuple(code for code in RULES if code in enabled)


def describe_settings(path: str, settings: Settings, cli_exclude: Sequence[str] = ()) -> str:
    """What `--show-settings` prints: where the settings of `path` come from, and what they are."""

    def toml_list(values: Sequence[str]) -> str:
        return "[" + ", ".join(f'"{value}"' for value in values) + "]"

    lines = [
        f"Resolved settings for: {path}",
        f"Settings path: {settings.source or '(none: defaults)'}",
        f"Project root: {settings.root}",
        f"select = {toml_list([code for code in RULES if settings.enabled(code)])}",
        f"exclude = {toml_list(settings.exclude)}",
        f"exclude (command line, relative to the working directory) = {toml_list(cli_exclude)}",
        f"extra-classes = {toml_list(settings.extra_classes)}",
        "per-file-ignores = {"
        + ", ".join(f'"{pattern}" = {toml_list(codes)}' for pattern, codes in settings.per_file_ignores)
        + "}",
    ]
    return "\n".join(lines) + "\n"


def load_settings(
    pyproject: Optional[Path] = None,
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    exclude: Sequence[str] = (),
) -> Settings:
    """Settings for the working directory (or from `pyproject`), then the flags: for the Python API."""
    resolver = Resolver(Overrides.from_flags(select=select, ignore=ignore), config=pyproject)
    settings = resolver.settings_for_directory(os.getcwd())
    return replace(settings, exclude=(*settings.exclude, *exclude)) if exclude else settings


def _read_table(path: str, required: bool) -> Optional[dict]:
    """The bn-codemod table of `path`; None if a pyproject.toml has none (and may be skipped)."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    is_pyproject = os.path.basename(path) == PYPROJECT
    if is_pyproject and not required and b"bn-codemod" not in raw:
        return None  # cannot hold our table: not parsed, as a pyproject.toml of another tool may be anything
    document = _parse_toml(raw, path)
    if not is_pyproject:
        return document
    tool = document.get("tool", {})
    table = tool.get("bn-codemod") if isinstance(tool, dict) else None
    if table is None:
        return {} if required else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.bn-codemod] must be a table")
    return table


def _parse_toml(raw: bytes, path: str) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.9/3.10: the same parser, as a package (a dependency there)
        import tomli as tomllib
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 (byte 0x{raw[error.start]:02x})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _apply_per_file_ignores(settings: Settings, path: str) -> Settings:
    from .files import PathGlobs

    ignored: list[str] = []
    for pattern, codes in settings.per_file_ignores:
        if PathGlobs([pattern], settings.root or os.getcwd()).matches_absolute(path):
            ignored.extend(codes)
    if not ignored:
        return settings
    return replace(settings, select=tuple(c for c in settings.select if not any(c.startswith(p) for p in ignored)))


def _split(values: Sequence[str]) -> list[str]:
    """`--select BN001,BN002 --select BN5` -> ["BN001", "BN002", "BN5"]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _codes(value: Any, where: str) -> tuple[str, ...]:
    codes = _strings(value, where)
    for code in codes:
        if not any(rule.startswith(code) for rule in RULES):
            raise ConfigError(f"{where}: unknown rule code or prefix '{code}' (rules: {', '.join(RULES)})")
    return codes


def _per_file_ignores(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of glob = [codes], got {value!r}")
    return tuple((pattern, _codes(codes, f"{where}: {pattern}")) for pattern, codes in value.items())


def _qualified_names(value: Any, where: str) -> tuple[str, ...]:
    names = _strings(value, where)
    for name in names:
        if not _QUALIFIED_NAME.match(name):
            raise ConfigError(f"{where}: '{name}' is not a qualified class name like 'mypkg.layers.MyBatchNorm'")
    return names


# The Python API (analysis.api_settings) checks its arguments with the same rules and messages.
check_codes = _codes
check_qualified_names = _qualified_names
