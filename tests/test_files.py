"""File discovery: walking, default excludes, exclude globs, .gitignore semantics, explicit paths."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
from unprivileged import run_unprivileged

from bn_codemod import files
from bn_codemod.files import (
    DEFAULT_EXCLUDED_DIRS,
    DiscoveryError,
    GitIgnore,
    discover_files,
)


def make(root: Path, *entries: str) -> None:
    """Create files (empty) and, for names ending in '/', directories."""
    for entry in entries:
        target = root / entry
        if entry.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("")


def write(root: Path, relative: str, text: str) -> None:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def found(*paths: str, **options) -> list[str]:
    result, errors = discover_files(list(paths), **options)
    assert errors == []
    return [path.as_posix() for path in result]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- walking -----------------------------------------------------------------------------------


def test_walks_recursively_for_py_and_pyi_only(project: Path) -> None:
    make(project, "b.py", "a.py", "pkg/__init__.py", "pkg/m.pyi", "pkg/sub/z.py", "notes.txt", "pkg/data.json", "c.pyc")
    assert found(".") == ["a.py", "b.py", "pkg/__init__.py", "pkg/m.pyi", "pkg/sub/z.py"]


def test_extensions_choose_the_files(project: Path) -> None:
    make(project, "a.py", "b.pyi", "c.txt", "d.PY")
    assert found(".", extensions=(".py",)) == ["a.py"]
    assert found(".", extensions=(".txt", ".pyi")) == ["b.pyi", "c.txt"]
    assert found(".", extensions=".pyi") == ["b.pyi"]  # a bare string is one extension


def test_relative_paths_stay_relative(project: Path) -> None:
    make(project, "src/a.py", "src/pkg/b.py")
    assert found("src") == ["src/a.py", "src/pkg/b.py"]
    assert found("./src/") == ["src/a.py", "src/pkg/b.py"]
    assert found("src/pkg/b.py") == ["src/pkg/b.py"]
    result, _ = discover_files(["src"])
    assert all(isinstance(path, Path) and not path.is_absolute() for path in result)


def test_absolute_paths_stay_absolute_and_unresolved(project: Path) -> None:
    make(project, "real/a.py")
    (project / "link").symlink_to(project / "real", target_is_directory=True)
    assert found(str(project / "link")) == [f"{project.as_posix()}/link/a.py"]
    assert found(str(project / "real" / "a.py")) == [f"{project.as_posix()}/real/a.py"]


def test_order_is_sorted_within_a_path_and_given_paths_keep_their_order(project: Path) -> None:
    make(project, "a.py", "a/b.py", "a-b.py", "B.py", "z/y.py", "tests/t.py", "src/s.py")
    assert found(".") == ["B.py", "a-b.py", "a.py", "a/b.py", "src/s.py", "tests/t.py", "z/y.py"]
    assert found("tests", "src", "z/y.py") == ["tests/t.py", "src/s.py", "z/y.py"]


def test_order_does_not_depend_on_creation_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"d{i % 7}/f{i}.py" for i in range(60)]
    results = []
    for seed in range(3):
        root = tmp_path / str(seed)
        shuffled = names[:]
        random.Random(seed).shuffle(shuffled)
        make(root, *shuffled)
        monkeypatch.chdir(root)
        results.append(found("."))
    assert results[0] == results[1] == results[2] == sorted(names)


def test_duplicates_are_removed_first_occurrence_wins(project: Path) -> None:
    make(project, "src/a.py", "src/b.py", "top.py", "tests/t.py")
    assert found("src/b.py", "src", str(project / "src" / "a.py"), ".", "./top.py") == [
        "src/b.py",
        "src/a.py",
        "tests/t.py",
        "top.py",
    ]


def test_no_paths_no_files() -> None:
    assert discover_files([]) == ([], [])


def test_nonexistent_path_is_reported_and_the_others_still_found(project: Path) -> None:
    make(project, "src/a.py", "b.py")
    (project / "dangling.py").symlink_to(project / "gone.py")
    result, errors = discover_files(["missing", "src", "missing/x.py", "dangling.py", "b.py/inner.py", "b.py"])
    assert [path.as_posix() for path in result] == ["src/a.py", "b.py"]
    assert errors == [
        DiscoveryError("missing", "path does not exist"),
        DiscoveryError("missing/x.py", "path does not exist"),
        DiscoveryError("dangling.py", "path does not exist"),
        DiscoveryError("b.py/inner.py", "path does not exist"),
    ]


# --- default excludes ----------------------------------------------------------------------------


@pytest.mark.parametrize("directory", sorted(DEFAULT_EXCLUDED_DIRS) + ["pkg.egg-info", "nested/build"])
def test_default_directories_are_skipped(project: Path, directory: str) -> None:
    make(project, f"{directory}/x.py", f"{directory}/deeper/y.py", "keep/x.py", "a.py")
    expected = ["a.py", "keep/x.py"]
    assert found(".") == expected


def test_default_directories_are_only_directory_names(project: Path) -> None:
    make(project, "build.py", "dist.pyi", "venv_tools/a.py", "mybuild/b.py")
    assert found(".") == ["build.py", "dist.pyi", "mybuild/b.py", "venv_tools/a.py"]


def test_default_directory_given_explicitly_is_walked(project: Path) -> None:
    make(project, "build/gen.py", "build/lib/x.py", "build/__pycache__/c.py")
    assert found("build") == ["build/gen.py", "build/lib/x.py"]


def test_virtual_environment_of_any_name_is_skipped(project: Path) -> None:
    make(
        project,
        "myenv/pyvenv.cfg",
        "myenv/lib/site.py",
        "myenv/bin/tool.py",
        "app/main.py",
        "app/env2/pyvenv.cfg",
        "app/env2/x.py",
    )
    assert found(".") == ["app/main.py"]


def test_virtual_environment_given_explicitly_is_walked(project: Path) -> None:
    make(project, "myenv/pyvenv.cfg", "myenv/lib/site.py")
    assert found("myenv") == ["myenv/lib/site.py"]


# --- exclude globs -------------------------------------------------------------------------------


def test_exclude_by_name(project: Path) -> None:
    make(project, "legacy/a.py", "src/legacy/b.py", "src/legacy.py", "src/api_pb2.py", "src/core.py", "api_pb2.pyi")
    assert found(".", exclude=["legacy", "*_pb2.py"]) == ["api_pb2.pyi", "src/core.py", "src/legacy.py"]


def test_exclude_by_path_relative_to_working_directory(project: Path) -> None:
    make(
        project,
        "src/legacy/a.py",
        "src/legacy/deep/b.py",
        "src/new.py",
        "tests/fixtures/f.py",
        "tests/fixtures/x/g.py",
        "tests/test_a.py",
        "other/src/legacy/c.py",
    )
    assert found(".", exclude=["src/legacy/*", "tests/fixtures/**"]) == [
        "other/src/legacy/c.py",
        "src/new.py",
        "tests/test_a.py",
    ]
    # Relative to the working directory, not to the walked path.
    assert found("src", exclude=["legacy/*"]) == ["src/legacy/a.py", "src/legacy/deep/b.py", "src/new.py"]
    assert found("src", exclude=["src/legacy"]) == ["src/new.py"]


def test_exclude_path_forms(project: Path) -> None:
    make(project, "src/a.py", "src/pkg/b.py", "src/legacy/c.py", "lib/d.py")
    # `*` stays within one directory; `**` spans directories.
    assert found(".", exclude=["src/*.py"]) == ["lib/d.py", "src/legacy/c.py", "src/pkg/b.py"]
    assert found(".", exclude=["src/**/*.py"]) == ["lib/d.py"]
    assert found(".", exclude=["**/legacy"]) == ["lib/d.py", "src/a.py", "src/pkg/b.py"]
    assert found(".", exclude=["./src/legacy/", "lib/"]) == ["src/a.py", "src/pkg/b.py"]
    assert found(".", exclude=["legacy/**", "pkg/**"]) == ["lib/d.py", "src/a.py", "src/legacy/c.py", "src/pkg/b.py"]
    assert found(".", exclude=["src/pkg/**"]) == ["lib/d.py", "src/a.py", "src/legacy/c.py"]
    assert found(".", exclude=[str(project / "src" / "pkg")]) == ["lib/d.py", "src/a.py", "src/legacy/c.py"]


def test_excluded_directory_is_not_descended_into(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(project, "huge/a/b.py", "src/c.py")
    listed: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path):
        listed.append(Path(path).as_posix())
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", recording_scandir)
    assert found(".", exclude=["huge"]) == ["src/c.py"]
    assert sorted(listed) == [".", "src"]
    listed.clear()
    assert found(".", exclude=["huge/**"]) == ["src/c.py"]
    assert sorted(listed) == [".", "src"]


# --- explicit files and force_exclude ------------------------------------------------------------


EXPLICIT = [
    "notes.txt",
    "build/gen.py",
    ".venv/lib/site.py",
    "myenv/lib/site.py",
    "pkg.egg-info/x.py",
    "src/api_pb2.py",
    "src/legacy/old.py",
    "ignored.py",
    "src/ok.py",
]


@pytest.fixture
def explicit_project(project: Path) -> Path:
    make(project, *EXPLICIT, "myenv/pyvenv.cfg")
    write(project, ".gitignore", "ignored.py\n")
    return project


def test_explicit_files_are_always_included(explicit_project: Path) -> None:
    assert found(*EXPLICIT, exclude=["*_pb2.py", "src/legacy"]) == EXPLICIT


def test_force_exclude_applies_excludes_to_explicit_files(explicit_project: Path) -> None:
    # .gitignore still does not apply to named files (as in ruff and black): pre-commit only names tracked files.
    assert found(*EXPLICIT, exclude=["*_pb2.py", "src/legacy"], force_exclude=True) == [
        "notes.txt",
        "ignored.py",
        "src/ok.py",
    ]


def test_force_exclude_applies_to_explicit_directories(explicit_project: Path) -> None:
    assert found("build", "myenv", "src", exclude=["legacy"], force_exclude=True) == ["src/api_pb2.py", "src/ok.py"]
    assert found("src/legacy", "src", exclude=["src/legacy"], force_exclude=True) == ["src/api_pb2.py", "src/ok.py"]


def test_force_exclude_checks_absolute_paths_below_working_directory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checkout itself lives in a directory named `build`: that must not exclude everything.
    checkout = tmp_path / "build" / "proj"
    make(checkout, "src/a.py", "dist/b.py")
    monkeypatch.chdir(checkout)
    assert found(str(checkout / "src" / "a.py"), str(checkout / "dist" / "b.py"), force_exclude=True) == [
        f"{checkout.as_posix()}/src/a.py"
    ]
    assert found("src/a.py", force_exclude=True) == ["src/a.py"]


# --- .gitignore ----------------------------------------------------------------------------------


def test_gitignore_basic_patterns(project: Path) -> None:
    write(project, ".gitignore", "*.gen.py\nsecret.py\n")
    make(project, "a.py", "x.gen.py", "pkg/y.gen.py", "secret.py", "pkg/deep/secret.py", "pkg/secret.pyi")
    assert found(".") == ["a.py", "pkg/secret.pyi"]


def test_gitignore_comments_blanks_and_escapes(project: Path) -> None:
    write(project, ".gitignore", "# a.py\n\n   \n\\#hash.py\n\\!bang.py\n #space.py\n")
    make(project, "a.py", "#hash.py", "!bang.py", " #space.py", "# a.py")
    assert found(".") == ["# a.py", "a.py"]


def test_gitignore_negation(project: Path) -> None:
    write(project, ".gitignore", "*.py\n!keep.py\n!sub/\n")
    make(project, "a.py", "keep.py", "sub/keep.py", "sub/b.py", "sub/c.pyi")
    assert found(".") == ["keep.py", "sub/c.pyi", "sub/keep.py"]


def test_gitignore_later_rule_wins(project: Path) -> None:
    write(project, ".gitignore", "!keep.py\n*.py\n")
    make(project, "keep.py", "other.pyi")
    assert found(".") == ["other.pyi"]


def test_gitignore_cannot_reinclude_inside_excluded_directory(project: Path) -> None:
    write(project, ".gitignore", "out/\n!out/keep.py\nvendor/**\n!vendor/keep.py\n")
    make(project, "out/keep.py", "out/x.py", "vendor/keep.py", "vendor/x.py", "vendor/sub/y.py", "a.py")
    # `vendor/**` ignores the contents but not vendor itself, so a file in it can be re-included.
    assert found(".") == ["a.py", "vendor/keep.py"]


def test_gitignore_trailing_spaces(project: Path) -> None:
    write(project, ".gitignore", "a.py   \nb.py\\ \n")
    make(project, "a.py", "b.py", "b.py ")
    assert found(".", extensions=(".py", ".py ")) == ["b.py"]


def test_gitignore_directory_only_patterns(project: Path) -> None:
    write(project, ".gitignore", "lib.py/\ngen/\n")
    make(project, "lib.py/inner.py", "sub/lib.py", "lib.py/x/y.py", "a/gen/z.py", "gen.py")
    assert found(".") == ["gen.py", "sub/lib.py"]


def test_gitignore_anchored_patterns(project: Path) -> None:
    write(project, ".gitignore", "/top.py\nsub/gen.py\n/only_root/\n")
    make(project, "top.py", "sub/top.py", "sub/gen.py", "other/sub/gen.py", "only_root/a.py", "x/only_root/b.py")
    assert found(".") == ["other/sub/gen.py", "sub/top.py", "x/only_root/b.py"]


def test_gitignore_double_star(project: Path) -> None:
    write(project, ".gitignore", "**/fixtures\na/**/gen.py\n**/cache/*.py\n")
    make(
        project,
        "fixtures/f.py",
        "t/u/fixtures/g.py",
        "a/gen.py",
        "a/x/gen.py",
        "a/x/y/gen.py",
        "b/a/gen.py",
        "cache/c.py",
        "p/cache/d.py",
        "p/cache/sub/e.py",
        "keep.py",
    )
    assert found(".") == ["b/a/gen.py", "keep.py", "p/cache/sub/e.py"]


def test_gitignore_wildcards_and_brackets(project: Path) -> None:
    write(project, ".gitignore", "test_[ab].py\nmod?.py\nx[!0-9].py\n")
    make(project, "test_a.py", "test_b.py", "test_c.py", "mod1.py", "mod12.py", "xa.py", "x1.py")
    assert found(".") == ["mod12.py", "test_c.py", "x1.py"]


def test_nested_gitignore_files(project: Path) -> None:
    write(project, ".gitignore", "gen.py\n")
    write(project, "sub/.gitignore", "*.py\n!keep.py\n!gen.py\n/local.pyi\n")
    make(
        project,
        "gen.py",
        "a.py",
        "sub/a.py",
        "sub/keep.py",
        "sub/gen.py",
        "sub/local.pyi",
        "sub/deeper/local.pyi",
        "sub/deeper/b.py",
        "sibling/a.py",
        "sibling/gen.py",
        "sibling/local.pyi",
    )
    assert found(".") == [
        "a.py",
        "sibling/a.py",
        "sibling/local.pyi",
        "sub/deeper/local.pyi",
        "sub/gen.py",
        "sub/keep.py",
    ]


def test_gitignore_above_the_walk_root_applies_up_to_repository_root(project: Path, monkeypatch) -> None:
    make(project, ".git/", "src/a.py", "src/generated/g.py", "src/x.tmp.py", "src/pkg/b.py", "src/pkg/y.tmp.py")
    write(project, ".gitignore", "src/generated/\n*.tmp.py\n")
    write(project, "src/.gitignore", "pkg/b.py\n")
    assert found("src") == ["src/a.py"]
    assert found("src/pkg") == []
    monkeypatch.chdir(project / "src")
    assert found(".") == ["a.py"]


def test_gitignore_above_the_repository_root_is_ignored(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, ".gitignore", "*.py\n")
    repo = tmp_path / "repo"
    make(repo, ".git/", "src/a.py")
    monkeypatch.chdir(repo)
    assert found("src") == ["src/a.py"]


def test_gitignore_above_the_walk_root_needs_a_repository(project: Path) -> None:
    write(project, ".gitignore", "*.py\n")
    make(project, "src/a.py", "b.py")
    assert found("src") == ["src/a.py"]
    assert found(".") == []


def test_git_info_exclude(project: Path) -> None:
    make(project, ".git/info/", "a.py", "scratch/s.py", "src/local_notes.py")
    write(project, ".git/info/exclude", "# a comment\nscratch/\nlocal_*.py\n")
    write(project, "src/.gitignore", "!local_notes.py\n")  # any .gitignore outranks info/exclude
    assert found(".") == ["a.py", "src/local_notes.py"]
    assert found("src") == ["src/local_notes.py"]


def test_gitignore_with_crlf_and_bom(project: Path) -> None:
    (project / ".gitignore").write_bytes(b"\xef\xbb\xbfa.py\r\nsub/\r\n")
    make(project, "a.py", "b.py", "sub/c.py")
    assert found(".") == ["b.py"]


@pytest.mark.skipif(sys.platform != "linux", reason="needs arbitrary bytes in file names")
def test_gitignore_with_undecodable_bytes(project: Path) -> None:
    (project / ".gitignore").write_bytes(b"caf\xe9.py\n")
    open(os.fsencode(project) + b"/caf\xe9.py", "w").close()
    open(os.fsencode(project) + b"/caf\xe9s.py", "w").close()
    assert found(".") == [os.fsdecode(b"caf\xe9s.py")]


# The matcher on its own: (pattern text, path, is_dir, expected verdict).
@pytest.mark.parametrize(
    "rules, path, is_dir, expected",
    [
        ("foo", "foo", False, True),
        ("foo", "a/b/foo", True, True),
        ("foo", "foobar", False, None),
        ("foo/", "foo", False, None),
        ("foo/", "a/foo", True, True),
        ("/foo", "a/foo", False, None),
        ("a/b", "x/a/b", False, None),
        ("a/b", "a/b", False, True),
        ("*.py", "a/b.py", False, True),
        ("a/*.py", "a/b/c.py", False, None),
        ("a/*", "a/b", True, True),
        ("a/**", "a", True, None),
        ("a/**", "a/b/c", False, True),
        ("**/b", "b", False, True),
        ("**/b", "x/y/b", True, True),
        ("a/**/b", "a/b", False, True),
        ("a/**/b", "a/x/y/b", False, True),
        ("a/**/b", "a/xb", False, None),
        ("a**/b", "ab", True, True),  # git compares `a` literally, then wildmatches `**/b` from a segment start
        ("a**/b", "a/x/b", False, True),
        ("x/a**/b", "x/ab/c", True, None),
        ("**", "anything/at/all", False, True),
        ("***/x", "p/q/x", False, True),
        ("foo**bar", "foo/bar", False, None),
        ("foo**bar", "fooXbar", False, True),
        ("?.py", "ab.py", False, None),
        ("?", "/", False, None),
        ("[abc].py", "b.py", False, True),
        ("[!abc].py", "b.py", False, None),
        ("x/a[!b]c", "x/a/c", False, None),  # no wildcard matches the separator
        ("x/a[--0]c", "x/a/c", False, None),
        ("x/a?c", "x/a/c", False, None),
        ("x/a*c", "x/a/c", False, None),
        ("[^abc].py", "d.py", False, True),
        ("[a-c].py", "d.py", False, None),
        ("[]].py", "].py", False, True),
        ("[!]].py", "].py", False, None),
        ("[a-].py", "-.py", False, True),
        ("[[:digit:]].py", "7.py", False, True),
        ("[[:digit:]].py", "x.py", False, None),
        ("[[:bogus:]].py", "x.py", False, None),
        ("[abc", "[abc", False, None),  # unclosed bracket: git never matches
        ("\\[abc]", "[abc]", False, True),
        ("\\*.py", "*.py", False, True),
        ("\\*.py", "a.py", False, None),
        ("trailing\\", "trailing\\", False, None),
        ("name\nline2", "line2", False, True),
        ("#comment", "#comment", False, None),
        ("!", "!", False, None),
        ("/", "x", True, None),
        ("*\n!keep", "keep", False, False),
        ("*\n!keep\nkeep", "keep", False, True),
        ("/keep\n!keep", "keep", False, False),  # name and path rules still obey file order
        ("!keep\n/keep", "keep", False, True),
        ("!/keep\nkeep", "keep", False, True),
        ("keep\n!/keep", "keep", False, False),
        ("", "x", False, None),
    ],
)
def test_gitignore_matcher(rules: str, path: str, is_dir: bool, expected) -> None:
    assert GitIgnore.from_text(rules).match(path, is_dir) is expected


# --- symlinks and unreadable directories ---------------------------------------------------------


def test_directory_symlinks_are_not_followed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(project, "pkg/a.py", "outside/o.py")
    (project / "pkg" / "loop").symlink_to(project / "pkg", target_is_directory=True)
    (project / "pkg" / "up").symlink_to(project, target_is_directory=True)
    (project / "pkg" / "out").symlink_to(project / "outside", target_is_directory=True)
    listed: list[str] = []
    real_scandir = os.scandir

    def bounded_scandir(path):
        # Fail fast instead of hanging if the loops were followed.
        listed.append(Path(path).as_posix())
        assert len(listed) < 50, "walk follows directory symlinks"
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", bounded_scandir)
    assert found("pkg") == ["pkg/a.py"]
    assert listed == ["pkg"]


def test_file_symlinks_are_included_and_dangling_ones_skipped(project: Path) -> None:
    make(project, "real/a.py")
    (project / "link.py").symlink_to(project / "real" / "a.py")
    (project / "dangling.py").symlink_to(project / "nowhere.py")
    assert found(".") == ["link.py", "real/a.py"]


def test_unreadable_directory_is_reported_and_walk_continues(unprivileged_tmp_path: Path) -> None:
    def body():
        make(unprivileged_tmp_path, "a.py", "locked/b.py", "z/c.py")
        locked = unprivileged_tmp_path / "locked"
        locked.chmod(0)
        try:
            result, errors = discover_files(["."])
        finally:
            locked.chmod(0o755)
        assert [path.as_posix() for path in result] == ["a.py", "z/c.py"]
        assert errors == [DiscoveryError("locked", "cannot list directory: permission denied")]

    run_unprivileged(body, cwd=unprivileged_tmp_path)


REAL_SCANDIR = os.scandir


class SortedListing:
    """Stands in for os.scandir's iterator, listing in name order for a reproducible walk."""

    def __init__(self, path):
        with REAL_SCANDIR(path) as listing:
            self.entries = sorted(listing, key=lambda entry: entry.name)

    def __enter__(self):
        return iter(self.entries)

    def __exit__(self, *exc_info):
        return False


def test_permission_error_while_listing_is_reported(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Same as above but independent of the user running the tests (root ignores chmod).
    make(project, "a.py", "src/locked/b.py", "src/c.py", "other/d.py")

    def scandir(path):
        if Path(path).as_posix() in ("src/locked", "other"):
            raise PermissionError(13, "Permission denied", path)
        return SortedListing(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    result, errors = discover_files(["src", "other", "a.py", "."])
    assert [path.as_posix() for path in result] == ["src/c.py", "a.py"]
    assert errors == [
        DiscoveryError("src/locked", "cannot list directory: permission denied"),
        DiscoveryError("other", "cannot list directory: permission denied"),
        DiscoveryError("other", "cannot list directory: permission denied"),
        DiscoveryError("src/locked", "cannot list directory: permission denied"),
    ]


def test_unreadable_gitignore_is_reported(unprivileged_tmp_path: Path) -> None:
    def body():
        make(unprivileged_tmp_path, "a.py")
        write(unprivileged_tmp_path, ".gitignore", "a.py\n")
        (unprivileged_tmp_path / ".gitignore").chmod(0)
        try:
            result, errors = discover_files(["."])
        finally:
            (unprivileged_tmp_path / ".gitignore").chmod(0o644)
        assert [path.as_posix() for path in result] == ["a.py"]
        assert errors == [DiscoveryError(".gitignore", "cannot read .gitignore: permission denied")]

    run_unprivileged(body, cwd=unprivileged_tmp_path)
