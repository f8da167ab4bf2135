"""The walk agrees with git: git lists the files inside a work tree; the matcher (outside git) is
checked against git (`ls-files` and `check-ignore`) on generated .gitignore rules."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bn_codemod.files import DiscoveryError, discover
from unprivileged import run_unprivileged

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"


def git(*args: str, cwd: Path) -> str:
    environment = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=environment, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    git("init", "-q", ".", cwd=root)
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def walked(root: Path, *paths: str, use_git: bool = True) -> list[str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        found = discover(list(paths) or ["."], use_git=use_git)
    finally:
        os.chdir(cwd)
    assert found.errors == []
    return sorted(path.as_posix().removeprefix("./") for path in found.files)


ISSUE_CASES = {
    "configs/* + !configs/default/": (
        {".gitignore": "configs/*\n!configs/default/\n", "configs/default/model.py": "", "configs/big/x.py": ""},
        ["configs/default/model.py"],
    ),
    "data/* + !data/keep/": (
        {".gitignore": "data/*\n!data/keep/\n", "data/keep/a.py": "", "data/tmp/b.py": "", "data/c.py": ""},
        ["data/keep/a.py"],
    ),
    "nested .gitignore": (
        {"pkg/.gitignore": "*\n!*/\n!*.py\n", "pkg/sub/m.py": "", "pkg/sub/notes.txt": ""},
        ["pkg/sub/m.py"],
    ),
    "d2/*/* + !d2/sub/keep.py": (
        {".gitignore": "d2/*/*\n!d2/sub/keep.py\n", "d2/sub/keep.py": "", "d2/sub/drop.py": "", "d2/top.py": ""},
        ["d2/sub/keep.py", "d2/top.py"],
    ),
}


@pytest.mark.parametrize("case", ISSUE_CASES, ids=list(ISSUE_CASES))
@pytest.mark.parametrize("use_git", [True, False], ids=["git", "matcher"])
def test_the_walk_finds_what_git_finds(tmp_path, case, use_git):
    files, expected = ISSUE_CASES[case]
    make_repo(tmp_path, files)

    assert walked(tmp_path, use_git=use_git) == expected
    assert sorted(p for p in git("ls-files", "-co", "--exclude-standard", cwd=tmp_path).split() if p.endswith(".py")) == expected


def test_a_committed_file_that_gitignore_matches_is_still_walked(tmp_path):
    # git keeps tracking a file added before (or despite) an ignore rule; so does the walk.
    make_repo(tmp_path, {"gen/model.py": MODEL})
    git("add", "gen/model.py", cwd=tmp_path)
    (tmp_path / ".gitignore").write_text("gen/\n")

    assert walked(tmp_path) == ["gen/model.py"]


def test_info_exclude_and_core_excludes_file_are_honoured(tmp_path):
    make_repo(tmp_path, {"a.py": "", "local.py": "", "personal.py": ""})
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local.py\n")
    excludes = tmp_path / "global-ignore"
    excludes.write_text("personal.py\n")
    git("config", "core.excludesFile", str(excludes), cwd=tmp_path)

    assert walked(tmp_path) == ["a.py"]


def test_a_deleted_tracked_file_is_not_listed(tmp_path):
    make_repo(tmp_path, {"a.py": "", "gone.py": ""})
    git("add", ".", cwd=tmp_path)
    (tmp_path / "gone.py").unlink()

    assert walked(tmp_path) == ["a.py"]


def test_a_subdirectory_walk_uses_the_repository_listing(tmp_path):
    make_repo(tmp_path, {".gitignore": "src/gen_*.py\n", "src/m.py": "", "src/gen_x.py": "", "top.py": ""})

    assert walked(tmp_path, "src") == ["src/m.py"]


def test_an_ignored_directory_named_explicitly_is_walked(tmp_path):
    # git lists nothing there; ruff walks a directory you name, and so do we (as for `build`).
    make_repo(tmp_path, {".gitignore": "generated/\n*.tmp.py\n", "generated/m.py": "", "generated/x.tmp.py": "", "a.py": ""})

    assert walked(tmp_path) == ["a.py"]
    assert walked(tmp_path, "generated") == ["generated/m.py"]


def test_a_nested_repository_is_walked_with_its_own_rules(tmp_path):
    make_repo(tmp_path, {"a.py": ""})
    inner = tmp_path / "vendor" / "inner"
    inner.mkdir(parents=True)
    make_repo(inner, {".gitignore": "skip.py\n", "keep.py": "", "skip.py": ""})

    assert walked(tmp_path) == ["a.py", "vendor/inner/keep.py"]


def test_a_submodule_is_walked_with_its_own_rules(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    make_repo(library, {".gitignore": "generated.py\n", "layers.py": ""})
    git("add", "-A", cwd=library)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "library", cwd=library)
    (library / "generated.py").write_text("")
    outer = tmp_path / "outer"
    outer.mkdir()
    make_repo(outer, {"a.py": ""})
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "third_party/library", cwd=outer)
    (outer / "third_party" / "library" / "generated.py").write_text("")

    assert walked(outer) == ["a.py", "third_party/library/layers.py"]
    assert walked(outer, "third_party") == ["third_party/library/layers.py"]


def test_repositories_inside_a_tree_outside_git_are_listed_by_their_git(tmp_path):
    # e.g. a workspace directory holding several checkouts: each repository's own rules, exactly.
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        make_repo(tmp_path / name, {".gitignore": "data/*\n!data/keep/\n", "data/keep/a.py": "", "data/tmp/b.py": ""})
        git("add", "data/keep/a.py", cwd=tmp_path / name)
    (tmp_path / "loose.py").write_text("")

    assert walked(tmp_path) == ["loose.py", "one/data/keep/a.py", "two/data/keep/a.py"]


def test_default_directories_are_pruned_from_the_listing(tmp_path):
    make_repo(tmp_path, {"a.py": "", ".ipynb_checkpoints/a-checkpoint.py": "", "env/pyvenv.cfg": "", "env/x.py": ""})

    assert walked(tmp_path) == ["a.py"]


def test_git_location_variables_of_a_hook_do_not_redirect_the_listing(tmp_path, monkeypatch):
    make_repo(tmp_path, {"a.py": ""})
    other = tmp_path / "other"
    other.mkdir()
    git("init", "-q", ".", cwd=other)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))

    assert walked(tmp_path) == ["a.py"]


def test_a_directory_git_cannot_list_is_named(unprivileged_tmp_path):
    def body():
        make_repo(unprivileged_tmp_path, {"a.py": "", "locked/b.py": "", "z/c.py": ""})
        locked = unprivileged_tmp_path / "locked"
        locked.chmod(0)
        try:
            found = discover(["."])
        finally:
            locked.chmod(0o755)
        assert [path.as_posix() for path in found.files] == ["a.py", "z/c.py"]
        assert found.errors == [DiscoveryError("locked", "cannot list directory: permission denied")]

    run_unprivileged(body, cwd=unprivileged_tmp_path)


# --- the matcher, differentially against git ---------------------------------------------------

SEGMENTS = ["a", "b", "ab", "a.py", "b.py"]
PATTERN_PARTS = st.lists(
    st.sampled_from(
        ["a", "b", "ab", "*", "**", "?", "[ab]", "[!a]*", "*.py", "a.py", "[a-b]", "*a*", "a?", "[[:alpha:]]",
         "\\a", "b.p?", "**a", "a**"]
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def rules(draw):
    parts = draw(PATTERN_PARTS)
    pattern = "/".join(parts)
    if draw(st.booleans()):
        pattern = "/" + pattern
    if draw(st.booleans()):
        pattern += "/"
    if draw(st.booleans()):
        pattern = "!" + pattern
    return pattern


TREE = sorted(
    {"/".join(path) for first in SEGMENTS for second in SEGMENTS for path in ((first,), (first, second))
     if path[-1].endswith(".py") and all(not s.endswith(".py") for s in path[:-1])}
    | {"a/b/a.py", "ab/a/b.py", "b/ab/b/a.py"}
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(top=st.lists(rules(), min_size=1, max_size=4), nested=st.lists(rules(), max_size=3))
@example(top=["a/*", "!a/b/"], nested=[])  # issue 12: `configs/*` + `!configs/default/`
@example(top=["b/*/*", "!b/ab/b/"], nested=[])  # issue 12: `d2/*/*` + `!d2/sub/keep.py`
@example(top=["a**/b"], nested=[])  # git cuts the literal prefix `a`, so `**/b` starts a segment
def test_the_matcher_agrees_with_git_on_generated_rules(tmp_path_factory, top, nested):
    root = tmp_path_factory.mktemp("repo")
    files = {path: "" for path in TREE}
    files[".gitignore"] = "\n".join(top) + "\n"
    files["a/.gitignore"] = "\n".join(nested) + "\n"
    make_repo(root, files)
    listed = git("ls-files", "-z", "--others", "--exclude-standard", cwd=root).split("\0")
    by_ls_files = sorted(path for path in listed if path.endswith(".py"))

    assert walked(root, use_git=False) == by_ls_files == not_ignored_by_check_ignore(root, TREE), (top, nested)


def not_ignored_by_check_ignore(root: Path, paths: list[str]) -> list[str]:
    """`git check-ignore -v -n`: per path, the deciding pattern (a `!` one re-includes), or none."""
    completed = subprocess.run(
        ["git", "check-ignore", "--stdin", "-z", "-v", "-n"], cwd=root, input="\0".join(paths) + "\0",
        capture_output=True, text=True, check=False,
    )
    fields = completed.stdout.split("\0")
    records = [fields[index : index + 4] for index in range(0, len(fields) - 1, 4)]  # source, line, pattern, path
    return sorted(path for source, _, pattern, path in records if not source or pattern.startswith("!"))
