"""Find the files to lint, the way ruff and black do, and agreeing with git about what it ignores.

Inside a git work tree git itself lists the files (`git ls-files --cached --others --exclude-standard`,
once per repository), so .gitignore, .git/info/exclude and core.excludesFile mean exactly what they
mean to git. Outside git (or when git cannot be run) directories are walked with a .gitignore matcher
that is tested against git. Either way, default directory names, virtual environments and `exclude`
globs are pruned, and a symlink whose target lies outside the directories given is skipped.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from .ancestors import nearest

# ruff's default excludes, less what cannot hold project code anyway, plus our own cache.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",  # Jupyter's copies of every notebook
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
        ".bn_codemod_cache",
    }
)
EGG_INFO_SUFFIX = ".egg-info"
VENV_MARKER = "pyvenv.cfg"  # written by venv and virtualenv into every environment root
GITIGNORE = ".gitignore"
_GIT_LS_FILES = ("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
_GIT_UNLISTABLE = re.compile(rb"^warning: could not open directory '(.*)': (.*)$", re.M)
# Variables a git hook (pre-commit) may set that would point `git -C root` at another repository.
_GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR")


@dataclass(frozen=True)
class DiscoveryError:
    path: str  # as the user gave it (a directory found during the walk: as it would be shown)
    message: str  # one line, e.g. "path does not exist"


@dataclass
class Discovered:
    files: list[Path] = field(default_factory=list)
    errors: list[DiscoveryError] = field(default_factory=list)
    skipped: list[DiscoveryError] = field(default_factory=list)  # left out on purpose, with the reason


ProjectExcludes = Callable[[str], "PathGlobs"]  # absolute directory -> the `exclude` globs of its configuration


def discover_files(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    extensions: Sequence[str] = (".py", ".pyi"),
    force_exclude: bool = False,
) -> tuple[list[Path], list[DiscoveryError]]:
    """Expand `paths` into the files to process, plus the problems met on the way. See `discover`."""
    found = discover(paths, exclude, extensions, force_exclude)
    return found.files, found.errors


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    extensions: Sequence[str] = (".py", ".pyi"),
    force_exclude: bool = False,
    project_excludes: Optional[ProjectExcludes] = None,
    use_git: bool = True,
) -> Discovered:
    """Expand `paths` into the files to process, the problems met and the files skipped. Never raises.

    Files named explicitly are always kept unless `force_exclude` is set; directories are walked
    for files ending with one of `extensions`, skipping default directories, virtual environments,
    `exclude` globs (relative to the working directory), the globs `project_excludes` gives for a
    path (relative to its configuration file), and what git ignores.
    """
    given = _as_strings(paths)
    discovery = _Discovery(_as_strings(exclude), tuple(_as_strings(extensions)), force_exclude, project_excludes, use_git)
    discovery.walk_roots = _real_directories(given)
    for path in given:
        discovery.add(path)
    return discovery.found


def is_force_excluded(
    path: str, exclude: Sequence[str] = (), project_excludes: Optional[ProjectExcludes] = None
) -> bool:
    """Whether `--force-exclude` leaves out the file `path` (which need not exist: stdin's name)."""
    discovery = _Discovery(_as_strings(exclude), (), True, project_excludes)
    return discovery._is_force_excluded(path, is_dir=False)


def _as_strings(values: Sequence[str] | str) -> list[str]:
    # A bare string is one value, not a sequence of characters.
    if isinstance(values, (str, os.PathLike)):
        values = [values]
    return [os.fspath(value) for value in values]


def _real_directories(paths: list[str]) -> tuple[str, ...]:
    directories = []
    for path in paths:
        try:
            if os.path.isdir(path):
                directories.append(os.path.realpath(path))
        except (OSError, ValueError):
            continue
    return tuple(directories)


def is_inside(path: str, directories: Iterable[str]) -> bool:
    """Whether the normalized absolute `path` is one of `directories` or below one."""
    return any(path == directory or path.startswith(directory.rstrip(os.sep) + os.sep) for directory in directories)


class _Discovery:
    def __init__(
        self,
        exclude: list[str],
        extensions: tuple[str, ...],
        force_exclude: bool,
        project_excludes: Optional[ProjectExcludes] = None,
        use_git: bool = True,
    ):
        self.found = Discovered()
        self.files = self.found.files
        self.errors = self.found.errors
        self.walk_roots: tuple[str, ...] = ()
        self._seen: set[str] = set()
        self._cwd = os.getcwd()
        self._cwd_prefix = self._cwd.rstrip(os.sep) + os.sep
        self._excludes = PathGlobs(exclude, self._cwd)
        self._project_excludes = project_excludes
        self._extensions = extensions
        self._force_exclude = force_exclude
        self._use_git = use_git
        self._gitignores: dict[str, GitIgnore | None] = {}
        self._repo_roots: dict[str, str | None] = {}
        self._git_listings: dict[str, list[str] | None] = {}
        self._unlistable: dict[str, list[tuple[str, str]]] = {}  # repository -> (directory, reason) git reported
        self._excluded_dirs: dict[str, bool] = {}
        self._links: set[str] = set()  # absolute paths of the symlinked files the walks found

    def add(self, given: str) -> None:
        try:
            mode = os.stat(given).st_mode
        except (FileNotFoundError, NotADirectoryError):
            self.errors.append(DiscoveryError(given, "path does not exist"))
            return
        except (OSError, ValueError) as err:  # ValueError: embedded NUL byte
            self.errors.append(DiscoveryError(given, f"cannot access path: {_describe(err)}"))
            return
        is_dir = stat.S_ISDIR(mode)
        if self._force_exclude and self._is_force_excluded(given, is_dir):
            return
        if not is_dir:
            refusal = self._explicit_link_refusal(given)
            if refusal is not None:
                self.errors.append(DiscoveryError(given, refusal))
                return
            self._keep(Path(given), os.path.abspath(given))
            return
        root_abs = os.path.abspath(given)
        # Sorting the native relative strings sorts the displayed paths: they share the root's prefix.
        for relative in sorted(relative.replace("/", os.sep) for relative in self._walk(given, root_abs)):
            path, absolute = Path(given, relative), os.path.join(root_abs, relative)
            if absolute in self._links and not is_inside(os.path.realpath(absolute), self.walk_roots):
                # As black: a walk never leads outside the directories given.
                self.found.skipped.append(DiscoveryError(str(path), "symlink to a file outside the directories given"))
                continue
            self._keep(path, absolute)

    def _explicit_link_refusal(self, given: str) -> Optional[str]:
        """Why a symlink named on the command line is refused: its target is outside its project
        (the git work tree holding the link; outside git, the working directory)."""
        if not os.path.islink(given):
            return None
        absolute = os.path.abspath(given)
        project = self._repo_root(os.path.dirname(absolute)) or self._cwd
        target = os.path.realpath(given)
        if is_inside(target, [os.path.realpath(project)]):
            return None
        return f"symlink to {target}, outside the project {project}; not processed (name the target instead)"

    def _keep(self, path: Path, key: str) -> None:
        # `key` is the normalized absolute spelling, so `src/a.py` and `/repo/src/a.py` count once;
        # symlinks are not resolved, so a link and its target are two files, as for ruff.
        if key not in self._seen:
            self._seen.add(key)
            self.files.append(path)

    def _is_excluded(self, name: str, base: str, rel: str, cwd_relative: str, is_dir: bool) -> bool:
        """The `exclude` globs of the command line (relative to the working directory) and of the
        configuration file that applies to `base/rel` (relative to its directory; a directory may
        hold its own)."""
        if self._excludes.matches(name, cwd_relative):
            return True
        if self._project_excludes is None:
            return False
        absolute = os.path.join(base, rel) if rel else base
        globs = self._project_excludes(absolute if is_dir else os.path.dirname(absolute))
        return bool(globs) and globs.matches_absolute(absolute)

    def _walk(self, root: str, root_abs: str) -> list[str]:
        """Paths (relative to `root`, `/`-separated) of the matching files below `root`."""
        repo_root = self._repo_root(root_abs)
        if repo_root is not None and self._use_git:
            listing = self._git_listing(repo_root)
            prefix = _with_slash(_relative_posix(root_abs, repo_root))
            # git lists nothing in a directory it ignores as a whole; named explicitly, it is walked
            # anyway (as ruff and as a default-excluded name), by the matcher, which agrees with git below it.
            if listing is not None and (not prefix or _first_under(listing, prefix) < len(listing)):
                return self._walk_listing(root, root_abs, repo_root, listing)
        return self._walk_directories(root, root_abs, repo_root)

    def _git_listing(self, repo_root: str) -> list[str] | None:
        """Every file git does not ignore in the repository at `repo_root` (one call per repository);
        None if git cannot answer (not installed, a repository it refuses), and the matcher is used."""
        if repo_root not in self._git_listings:
            import subprocess  # only for walks inside git: not at start-up

            environment = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARIABLES}
            try:
                completed = subprocess.run(
                    _GIT_LS_FILES, cwd=repo_root, env=environment, stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                )
            except OSError:
                completed = None
            if completed is None or completed.returncode != 0:
                self._git_listings[repo_root] = None
            else:
                listed = completed.stdout.split(b"\0")
                self._git_listings[repo_root] = sorted({os.fsdecode(path) for path in listed if path})
                # git skips a directory it cannot list with a warning; the walk names it, as the matcher does.
                self._unlistable[repo_root] = [
                    (os.fsdecode(found.group(1)).rstrip("/"), os.fsdecode(found.group(2)).lower())
                    for found in _GIT_UNLISTABLE.finditer(completed.stderr)
                ]
        return self._git_listings[repo_root]

    def _walk_listing(self, root: str, root_abs: str, repo_root: str, listing: list[str]) -> list[str]:
        """The matching files below `root` among git's listing; nested repositories get their own."""
        prefix = _with_slash(_relative_posix(root_abs, repo_root))
        cwd_prefix = _with_slash(self._cwd_relative(root_abs))
        extensions = self._extensions
        submodules = self._submodules(repo_root)
        excluded: dict[str, bool] = {"": False}  # directory (relative to root) -> pruned; root itself never
        found: list[str] = []
        for directory, reason in self._unlistable.get(repo_root, ()):
            # The trailing slash makes _in_excluded_directory judge the directory itself, as for a file in it.
            if directory.startswith(prefix) and not self._in_excluded_directory(
                root_abs, cwd_prefix, directory[len(prefix) :] + "/", excluded
            ):
                shown = str(Path(root, directory[len(prefix) :]))
                self.errors.append(DiscoveryError(shown, f"cannot list directory: {reason}"))
        for index in range(_first_under(listing, prefix), len(listing)):
            listed = listing[index]
            if not listed.startswith(prefix):
                break  # sorted: the paths below `root` are contiguous
            rel = listed[len(prefix) :]
            nested = rel.endswith("/")  # an untracked repository inside this one
            rel = rel.rstrip("/")
            if not rel or self._in_excluded_directory(root_abs, cwd_prefix, rel, excluded):
                continue
            name = rel.rpartition("/")[2]
            if nested or listed in submodules:
                # A submodule or a nested repository is one entry to git: its own git lists its files.
                absolute = os.path.join(root_abs, rel)
                if not os.path.islink(absolute) and not self._is_excluded_dir(absolute, name, cwd_prefix + rel):
                    found.extend(rel + "/" + inner for inner in self._walk(os.path.join(root, rel), absolute))
                continue
            if not name.endswith(extensions) or self._is_excluded(name, root_abs, rel, cwd_prefix + rel, is_dir=False):
                continue
            if self._is_file(os.path.join(root_abs, rel)):  # a tracked file may be deleted, or a link to a directory
                found.append(rel)
        return found

    def _is_file(self, absolute: str) -> bool:
        """A regular file, or a symlink to one (remembered, for the check of where it leads)."""
        try:
            mode = os.lstat(absolute).st_mode
        except (OSError, ValueError):
            return False
        if stat.S_ISLNK(mode):
            if not os.path.isfile(absolute):
                return False
            self._links.add(absolute)
            return True
        return stat.S_ISREG(mode)

    def _submodules(self, repo_root: str) -> frozenset[str]:
        """The submodule paths of .gitmodules (git lists a submodule as one entry, not its files)."""
        if not os.path.isfile(os.path.join(repo_root, ".gitmodules")):
            return frozenset()
        import subprocess

        command = ("git", "config", "--file", ".gitmodules", "-z", "--get-regexp", r"^submodule\..*\.path$")
        try:
            completed = subprocess.run(
                command, cwd=repo_root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError:
            return frozenset()
        # -z: each entry is "key\nvalue\0".
        return frozenset(
            os.fsdecode(entry.partition(b"\n")[2]).strip("/") for entry in completed.stdout.split(b"\0") if entry
        )

    def _in_excluded_directory(self, root_abs: str, cwd_prefix: str, rel: str, excluded: dict[str, bool]) -> bool:
        directory = rel.rpartition("/")[0]
        if directory in excluded:
            return excluded[directory]
        parent_excluded = self._in_excluded_directory(root_abs, cwd_prefix, directory, excluded)
        name = directory.rpartition("/")[2]
        excluded[directory] = parent_excluded or self._is_excluded_dir(
            os.path.join(root_abs, directory), name, cwd_prefix + directory
        )
        return excluded[directory]

    def _walk_directories(self, root: str, root_abs: str, repo_root: str | None) -> list[str]:
        """The matcher walk, for trees outside git: .gitignore rules read by bn-codemod."""
        if repo_root is None:
            # Outside a repository nothing tells where the project ends: only the walk's own .gitignores apply.
            anchor_prefix, ignores = "", ()
        else:
            anchor_prefix = _with_slash(_relative_posix(root_abs, repo_root))
            ignores = self._ignores_above(repo_root, anchor_prefix)
        cwd_prefix = _with_slash(self._cwd_relative(root_abs))
        extensions = self._extensions
        found: list[str] = []
        errors: list[DiscoveryError] = []
        pending: list[tuple[str, str, tuple[tuple[int, GitIgnore], ...]]] = [(root, "", ignores)]
        while pending:
            dir_path, rel_prefix, ignores = pending.pop()
            try:
                with os.scandir(dir_path) as listing:
                    entries = list(listing)
            except OSError as err:
                shown = dir_path if dir_path == root else str(Path(dir_path))
                errors.append(DiscoveryError(shown, f"cannot list directory: {_describe(err)}"))
                continue
            names = {entry.name for entry in entries}
            if rel_prefix and VENV_MARKER in names:
                continue  # a virtual environment, whatever its name
            if rel_prefix and ".git" in names and self._use_git:
                # A repository below a tree outside git (or a nested one): git lists it, with its own rules.
                nested_abs = os.path.join(root_abs, rel_prefix[:-1])
                listing = self._git_listing(nested_abs)
                if listing is not None:
                    inner = self._walk_listing(dir_path, nested_abs, nested_abs, listing)
                    found.extend(rel_prefix + path for path in inner)
                    continue
            if GITIGNORE in names:
                gitignore = self._load_gitignore(os.path.join(dir_path, GITIGNORE))
                if gitignore is not None:
                    ignores = ignores + ((len(anchor_prefix) + len(rel_prefix), gitignore),)
            for entry in entries:
                name = entry.name
                rel = rel_prefix + name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if (
                            name in DEFAULT_EXCLUDED_DIRS
                            or name.endswith(EGG_INFO_SUFFIX)
                            or self._is_excluded(name, root_abs, rel, cwd_prefix + rel, is_dir=True)
                            or _is_ignored(ignores, anchor_prefix + rel, is_dir=True)
                        ):
                            continue
                        pending.append((entry.path, rel + "/", ignores))
                    # is_file() follows symlinks: linked files count, links to directories do not.
                    elif (
                        name.endswith(extensions)
                        and entry.is_file()
                        and not self._is_excluded(name, root_abs, rel, cwd_prefix + rel, is_dir=False)
                        and not _is_ignored(ignores, anchor_prefix + rel, is_dir=False)
                    ):
                        found.append(rel)
                        if entry.is_symlink():  # known from the listing: no system call
                            self._links.add(os.path.join(root_abs, rel))
                except OSError:
                    continue  # the entry vanished or cannot be examined
        self.errors.extend(sorted(errors, key=lambda error: error.path))  # listing order is the filesystem's
        return found

    def _ignores_above(self, repo_root: str, anchor_prefix: str) -> tuple[tuple[int, GitIgnore], ...]:
        """Rules from .git/info/exclude and the .gitignores between the repository root and the walk root."""
        ignores: list[tuple[int, GitIgnore]] = []
        info_exclude = os.path.join(repo_root, ".git", "info", "exclude")
        if os.path.isfile(info_exclude):
            gitignore = self._load_gitignore(info_exclude)
            if gitignore is not None:
                ignores.append((0, gitignore))  # lowest precedence, below every .gitignore
        directory, prefix = repo_root, ""
        for part in anchor_prefix.split("/")[:-1]:  # the walk root's own .gitignore is read by the walk
            candidate = os.path.join(directory, GITIGNORE)
            if os.path.isfile(candidate):
                gitignore = self._load_gitignore(candidate)
                if gitignore is not None:
                    ignores.append((len(prefix), gitignore))
            directory, prefix = os.path.join(directory, part), prefix + part + "/"
        return tuple(ignores)

    def _load_gitignore(self, path: str) -> GitIgnore | None:
        key = os.path.abspath(path)
        if key in self._gitignores:
            return self._gitignores[key]
        gitignore = None
        try:
            # surrogateescape keeps undecodable bytes comparable with os.scandir names; newline=""
            # because git splits on \n only.
            with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
                text = handle.read()
        except OSError as err:
            self.errors.append(DiscoveryError(str(Path(path)), f"cannot read .gitignore: {_describe(err)}"))
        else:
            gitignore = GitIgnore.from_text(text)
            if not gitignore:
                gitignore = None
        self._gitignores[key] = gitignore
        return gitignore

    def _repo_root(self, directory: str) -> str | None:
        """The nearest directory at or above `directory` holding `.git` (a directory, or a file in worktrees)."""
        return nearest(directory, _holds_git, self._repo_roots)

    def _is_force_excluded(self, given: str, is_dir: bool) -> bool:
        """Whether `given` or a directory it lies in is excluded (ruff's --force-exclude; .gitignore not consulted)."""
        absolute = os.path.abspath(given)
        cwd_relative = self._cwd_relative(absolute)
        # Only directories below the working directory (or else the repository root) are checked,
        # so a checkout living in e.g. /home/me/build/ is not excluded wholesale.
        if cwd_relative != ".." and not cwd_relative.startswith("../") and not os.path.isabs(cwd_relative):
            base, parts = self._cwd, cwd_relative.split("/") if cwd_relative else []
        else:
            repo_root = self._repo_root(os.path.dirname(absolute))
            if repo_root is not None and repo_root != absolute:
                base, parts = repo_root, _relative_posix(absolute, repo_root).split("/")
            else:
                base, parts = os.path.dirname(absolute), [os.path.basename(absolute)]
        if not parts:
            return False
        directory = base.rstrip(os.sep)
        for name in parts[:-1]:
            directory = directory + os.sep + name
            if self._is_excluded_dir(directory, name):
                return True
        if is_dir:
            return self._is_excluded_dir(absolute, parts[-1])
        return self._is_excluded(parts[-1], absolute, "", cwd_relative, is_dir=False)

    def _is_excluded_dir(self, directory: str, name: str, cwd_relative: Optional[str] = None) -> bool:
        """Default names, virtual environments and `exclude` globs; cached, as pre-commit names many
        files in the same few directories."""
        if directory not in self._excluded_dirs:
            if cwd_relative is None:
                cwd_relative = self._cwd_relative(directory)
            self._excluded_dirs[directory] = (
                name in DEFAULT_EXCLUDED_DIRS
                or name.endswith(EGG_INFO_SUFFIX)
                or self._is_excluded(name, directory, "", cwd_relative, is_dir=True)
                or os.path.isfile(os.path.join(directory, VENV_MARKER))
            )
        return self._excluded_dirs[directory]

    def _cwd_relative(self, absolute: str) -> str:
        """`/`-separated path relative to the working directory; '' for the directory itself."""
        if absolute.startswith(self._cwd_prefix):  # fast path: both are normalized absolute paths
            return absolute[len(self._cwd_prefix) :].replace(os.sep, "/")
        relative = _relative_posix(absolute, self._cwd)
        return "" if relative == "." else relative


def _first_under(listing: list[str], prefix: str) -> int:
    """Index of the first path of the sorted `listing` that starts with `prefix`; len(listing) if none."""
    index = bisect.bisect_left(listing, prefix)
    return index if index < len(listing) and listing[index].startswith(prefix) else len(listing)


def _relative_posix(path: str, start: str) -> str:
    try:
        relative = os.path.relpath(path, start)
    except ValueError:  # Windows: another drive
        relative = path
    return relative.replace(os.sep, "/")


def _with_slash(relative: str) -> str:
    return "" if relative in ("", ".") else relative + "/"


def _describe(err: Exception) -> str:
    if isinstance(err, PermissionError):
        return "permission denied"
    text = getattr(err, "strerror", None) or str(err)
    return text.splitlines()[0].lower() if text else type(err).__name__


def _is_ignored(ignores: Sequence[tuple[int, GitIgnore]], anchor_rel: str, is_dir: bool) -> bool:
    # The deepest .gitignore that has an opinion decides, as in git.
    for prefix_length, gitignore in reversed(ignores):
        verdict = gitignore.match(anchor_rel[prefix_length:], is_dir)
        if verdict is not None:
            return verdict
    return False


class PathGlobs:
    """`exclude`-style globs: a pattern without `/` matches an entry's name, one with `/` its path
    relative to `anchor` (the directory of the configuration file, or the working directory)."""

    def __init__(self, patterns: Iterable[str], anchor: str):
        self.anchor = anchor
        self._anchor_prefix = anchor.rstrip(os.sep) + os.sep
        name_sources: list[str] = []
        path_sources: list[str] = []
        for pattern in patterns:
            pattern = pattern.replace(os.sep, "/")
            if os.path.isabs(pattern):
                pattern = _relative_posix(pattern, anchor)
            pattern = posixpath.normpath(pattern) if pattern else ""
            if pattern in ("", "."):
                continue
            # `dir/**` excludes everything inside dir: matching dir itself too saves listing it.
            alternatives = [pattern, pattern[:-3]] if pattern.endswith("/**") else [pattern]
            sources = path_sources if "/" in pattern else name_sources
            for alternative in alternatives:
                source = _glob_to_regex(alternative)
                if source is not None:
                    sources.append(source)
        self._name = _compile_alternatives(name_sources)
        self._path = _compile_alternatives(path_sources)

    def __bool__(self) -> bool:
        return self._name is not None or self._path is not None

    def matches(self, name: str, anchor_relative: str) -> bool:
        return bool(
            (self._name is not None and self._name.fullmatch(name))
            or (self._path is not None and self._path.fullmatch(anchor_relative))
        )

    def matches_absolute(self, absolute: str) -> bool:
        """For a normalized absolute path; path patterns match only below the anchor."""
        if absolute.startswith(self._anchor_prefix):
            relative = absolute[len(self._anchor_prefix) :].replace(os.sep, "/")
        else:
            relative = "../"  # matches no normalized pattern
        return self.matches(os.path.basename(absolute), relative)


def _compile_alternatives(sources: list[str]) -> re.Pattern[str] | None:
    if not sources:
        return None
    return re.compile("|".join(f"(?:{source})" for source in sources), re.DOTALL)


class GitIgnore:
    """The rules of one .gitignore file, matched against `/`-separated paths relative to its directory.

    Rules without a slash match the name alone, the others the whole path; each kind is compiled into
    one regex whose alternatives run from the file's last rule to its first, so the alternative that
    matches is the deciding rule of that kind (git: last match wins) and costs one regex call. Rules
    ending in `/` apply to directories only, so files are matched by regexes without them.
    """

    def __init__(self, lines: Iterable[str]):
        self._negated: list[bool] = []
        rules: list[tuple[int, str, bool, bool]] = []  # (index, source, anchored, directory only)
        for line in lines:
            rule = _parse_gitignore_line(line)
            if rule is not None:
                source, negated, anchored, dir_only = rule
                rules.append((len(self._negated), source, anchored, dir_only))
                self._negated.append(negated)
        self._regexes = {
            is_dir: (
                _compile_last_first([(i, source) for i, source, anchored, dir_only in rules
                                     if not anchored and (is_dir or not dir_only)]),
                _compile_last_first([(i, source) for i, source, anchored, dir_only in rules
                                     if anchored and (is_dir or not dir_only)]),
            )
            for is_dir in (False, True)
        }

    @classmethod
    def from_text(cls, text: str) -> GitIgnore:
        return cls(text.lstrip("\ufeff").split("\n"))

    def __bool__(self) -> bool:
        return bool(self._negated)

    def match(self, path: str, is_dir: bool) -> bool | None:
        """True if `path` is ignored, False if a `!` rule re-includes it, None if no rule matches it."""
        (name_regex, name_rules), (path_regex, path_rules) = self._regexes[is_dir]
        deciding_rule = -1
        if name_regex is not None:
            found = name_regex.fullmatch(path.rpartition("/")[2])
            if found is not None:
                deciding_rule = name_rules[found.lastindex or 0]
        if path_regex is not None:
            found = path_regex.fullmatch(path)
            if found is not None:
                deciding_rule = max(deciding_rule, path_rules[found.lastindex or 0])
        if deciding_rule < 0:
            return None
        return not self._negated[deciding_rule]


def _compile_last_first(rules: list[tuple[int, str]]) -> tuple[re.Pattern[str] | None, list[int]]:
    """One regex with a group per rule, last rule first, and the rule index for each group number."""
    if not rules:
        return None, []
    rules = rules[::-1]
    regex = re.compile("|".join(f"({source})" for _, source in rules), re.DOTALL)
    return regex, [-1] + [index for index, _ in rules]  # group numbers start at 1


def _parse_gitignore_line(line: str) -> tuple[str, bool, bool, bool] | None:
    """(regex source, negated, anchored, directory only) for one .gitignore line; None for blanks,
    comments, malformed patterns.

    An anchored source matches the path relative to the .gitignore's directory, the others the name.
    """
    if line.endswith("\r"):
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    line = _trim_trailing_spaces(line)
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    anchored = "/" in line  # a leading or middle slash ties the pattern to the .gitignore's directory
    if line.startswith("/"):
        line = line[1:]
    if not line:
        return None
    source = _glob_to_regex(line, literal_prefix_cut=anchored)
    if source is None:
        return None
    return source, negated, anchored, dir_only


def _trim_trailing_spaces(line: str) -> str:
    """Drop trailing spaces unless escaped with a backslash (git's trim_trailing_spaces)."""
    if not line.endswith(" "):
        return line
    first_trailing_space = None
    index = 0
    while index < len(line):
        char = line[index]
        if char == " ":
            if first_trailing_space is None:
                first_trailing_space = index
        else:
            first_trailing_space = None
            if char == "\\":
                index += 1  # the escaped character is never trimmed
        index += 1
    return line if first_trailing_space is None else line[:first_trailing_space]


def _glob_to_regex(pattern: str, literal_prefix_cut: bool = False) -> str | None:
    """Regex source for a git wildmatch pattern (`*` stays within one path segment, `**` spans segments).

    `literal_prefix_cut`: git matches a .gitignore rule with a slash by comparing the text before its
    first wildcard (`*?[\\`) literally, then wildmatching the rest as a pattern of its own, so a `**`
    that is the first wildcard counts as starting a segment (`a**/b` matches `ab` and `a/x/b`).
    None if the pattern is malformed (unclosed `[`, trailing backslash): git never matches those.
    """
    out: list[str] = []
    index, length = 0, len(pattern)
    seen_wildcard = False
    while index < length:
        char = pattern[index]
        if char == "*":
            end = index
            while end < length and pattern[end] == "*":
                end += 1
            starts_segment = index == 0 or pattern[index - 1] == "/" or (literal_prefix_cut and not seen_wildcard)
            seen_wildcard = True
            if end - index >= 2 and starts_segment and end == length:
                out.append(".*")  # `x/**`: everything inside x (the path `x` itself lacks the slash)
            elif end - index >= 2 and starts_segment and pattern[end] == "/":
                out.append("(?:.*/)?")  # `**/` and `/**/`: zero or more directories
                end += 1
            else:
                out.append("[^/]*")  # other runs of stars are plain `*`
            index = end
        elif char == "?":
            seen_wildcard = True
            out.append("[^/]")
            index += 1
        elif char == "[":
            seen_wildcard = True
            bracket = _bracket_to_regex(pattern, index + 1)
            if bracket is None:
                return None
            out.append(bracket[0])
            index = bracket[1]
        elif char == "\\":
            seen_wildcard = True  # git's literal prefix stops at a backslash too
            if index + 1 == length:
                return None
            out.append(re.escape(pattern[index + 1]))
            index += 2
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def _bracket_to_regex(pattern: str, index: int) -> tuple[str, int] | None:
    """Regex for the bracket expression opening just before `index`, and the index after its `]`.

    Follows git's wildmatch: `!` or `^` negates, a `]` first is literal, backslash escapes,
    `[:class:]` names, and a bracket never matches `/`. None if malformed.
    """
    length = len(pattern)
    negated = index < length and pattern[index] in "!^"
    if negated:
        index += 1
    items: list[str] = []
    previous: str | None = None  # last single character, the start of a possible range
    first = True
    while True:
        if index >= length:
            return None
        char = pattern[index]
        if char == "]" and not first:
            index += 1
            break
        first = False
        if char == "\\":
            index += 1
            if index >= length:
                return None
            previous = pattern[index]
            items.append(re.escape(previous))
        elif char == "-" and previous is not None and index + 1 < length and pattern[index + 1] != "]":
            index += 1
            high = pattern[index]
            if high == "\\":
                index += 1
                if index >= length:
                    return None
                high = pattern[index]
            if previous <= high:
                items.append(f"{re.escape(previous)}-{re.escape(high)}")
            previous = None
        elif char == "[" and pattern.startswith(":", index + 1):
            close = pattern.find("]", index + 2)
            if close == -1:
                return None
            if close - 1 < index + 2 or pattern[close - 1] != ":":
                previous = "["  # no `:]`, so a literal `[`
                items.append(re.escape("["))
            else:
                class_body = _POSIX_CLASSES.get(pattern[index + 2 : close - 1])
                if class_body is None:
                    return None
                items.append(class_body)
                previous = None
                index = close
        else:
            previous = char
            items.append(re.escape(char))
        index += 1
    body = "".join(items)
    if negated:
        return f"[^{body}/]", index
    if not body:
        return "(?!)", index  # only empty ranges: matches nothing
    return f"(?!/)[{body}]", index


def _holds_git(directory: str) -> Optional[str]:
    return directory if os.path.exists(os.path.join(directory, ".git")) else None
