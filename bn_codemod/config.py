"""Settings: `[tool.bn-codemod]` in the nearest pyproject.toml, overridden by command-line flags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from .rules import RULES

KNOWN_KEYS = ("select", "ignore", "exclude", "extend-exclude", "extra-classes")
_HAS_TABLE = re.compile(r'^\s*\[\s*tool\s*\.\s*"?bn-codemod"?\s*\]', re.M)
_QUALIFIED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


class ConfigError(Exception):
    """A bad configuration; str() is one line naming the file."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("BN",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extra_classes: tuple[str, ...] = ()
    source: Optional[str] = None  # the pyproject.toml they came from

    def enabled(self, code: str) -> bool:
        """ruff's rule: the most specific matching prefix wins; on a tie, ignore wins."""
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored

    def key(self) -> str:
        """What a cached result depends on."""
        return repr((sorted(c for c in RULES if self.enabled(c)), self.extra_classes))


def find_pyproject(start: Optional[Path] = None) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.bn-codemod] table, from `start` upward (as ruff and black)."""
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and _HAS_TABLE.search(_read(path)):
            return path
    return None


def load_settings(
    pyproject: Optional[Path] = None,
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    exclude: Sequence[str] = (),
) -> Settings:
    """Settings from the file (found from the current directory when not given), then the flags."""
    path = pyproject if pyproject is not None else find_pyproject()
    table = _tool_table(path) if path is not None else {}
    where = f"{path}: [tool.bn-codemod]" if path is not None else "command line"
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(KNOWN_KEYS)})")
    settings = Settings(
        select=_codes(table.get("select", ["BN"]), f"{where}: select"),
        ignore=_codes(table.get("ignore", []), f"{where}: ignore"),
        exclude=(*_strings(table.get("exclude", []), f"{where}: exclude"),
                 *_strings(table.get("extend-exclude", []), f"{where}: extend-exclude")),
        extra_classes=_qualified_names(table.get("extra-classes", []), f"{where}: extra-classes"),
        source=str(path) if path is not None else None,
    )
    overrides: dict[str, Any] = {}
    if select is not None:
        overrides["select"] = _codes(_split(select), "--select")
    if ignore is not None:
        overrides["ignore"] = _codes(_split(ignore), "--ignore")
    if exclude:
        overrides["exclude"] = (*settings.exclude, *exclude)
    return Settings(**{**settings.__dict__, **overrides}) if overrides else settings


def _tool_table(path: Path) -> dict:
    text = _read(path)
    try:
        document = _parse_toml(text)
    except ValueError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("bn-codemod", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.bn-codemod] must be a table")
    return table


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None


def _parse_toml(text: str) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - exercised on 3.9/3.10
        from ._toml_subset import loads

        return loads(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(str(error)) from None


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


def _qualified_names(value: Any, where: str) -> tuple[str, ...]:
    names = _strings(value, where)
    for name in names:
        if not _QUALIFIED_NAME.match(name):
            raise ConfigError(f"{where}: '{name}' is not a qualified class name like 'mypkg.layers.MyBatchNorm'")
    return names



# The Python API (analysis.api_settings) checks its arguments with the same rules and messages.
check_codes = _codes
check_qualified_names = _qualified_names
