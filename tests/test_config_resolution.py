"""Which configuration applies to which file (ruff's hierarchy), rule layering, TOML errors, stdin,
default excludes."""

from __future__ import annotations

import pytest

from cli_helpers import run

# BN001 at 3:5 (fixable), BN005 at 4:5, BN004 at 6:5.
MODEL = (
    "import torch.nn as nn\nimport torchvision\na = nn.BatchNorm2d(8)\nb = nn.BatchNorm2d(8, **kw)\n"
    "\nc = torchvision.models.densenet121()\n"
)


def write(root, relative: str, text: str = MODEL):
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def codes_by_file(result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in result.lines:
        if ": BN" in line:
            path, _, rest = line.partition(":")
            found.setdefault(path, []).append(rest.split(": ", 1)[1].split()[0])
    return found


# --- item 2: the closest configuration file above each file -------------------------------------


@pytest.fixture
def monorepo(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod]\nignore = ["BN004"]\n')
    write(tmp_path, "top.py")
    write(tmp_path, "sub/pyproject.toml", '[tool.bn-codemod]\nselect = ["BN005"]\nexclude = ["legacy", "gen/*.py"]\n')
    write(tmp_path, "sub/m.py")
    write(tmp_path, "sub/legacy/old.py")
    write(tmp_path, "sub/gen/made.py")
    write(tmp_path, "gen/made.py")  # the sub-project's `gen/*.py` is relative to sub/, not to here
    return tmp_path


def test_each_file_uses_the_closest_configuration_file(monorepo):
    result = run("check", ".", cwd=monorepo)

    assert codes_by_file(result) == {
        "gen/made.py": ["BN001", "BN005"],
        "sub/m.py": ["BN005"],
        "top.py": ["BN001", "BN005"],
    }


def test_a_subproject_exclude_holds_for_files_named_by_pre_commit(monorepo):
    before = (monorepo / "sub" / "legacy" / "old.py").read_text()

    result = run("--force-exclude", "sub/legacy/old.py", "sub/gen/made.py", "top.py", cwd=monorepo)

    assert (monorepo / "sub" / "legacy" / "old.py").read_text() == before
    assert (monorepo / "sub" / "gen" / "made.py").read_text() == before
    assert "track_running_stats=False" in (monorepo / "top.py").read_text()
    assert result.code == 1  # BN005 remains in top.py


def test_the_working_directory_does_not_choose_the_configuration(monorepo):
    from_root = run("check", "sub/m.py", cwd=monorepo)
    from_inside = run("check", "m.py", cwd=monorepo / "sub")

    assert codes_by_file(from_root) == {"sub/m.py": ["BN005"]}
    assert codes_by_file(from_inside) == {"m.py": ["BN005"]}


def test_bn_codemod_toml_wins_over_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod]\nselect = ["BN005"]\n')
    write(tmp_path, "bn-codemod.toml", 'select = ["BN004"]\n')
    write(tmp_path, "m.py")

    assert codes_by_file(run("check", ".", cwd=tmp_path)) == {"m.py": ["BN004"]}
    write(tmp_path, ".bn-codemod.toml", 'select = ["BN001"]\n')
    assert codes_by_file(run("check", ".", cwd=tmp_path)) == {"m.py": ["BN001"]}


def test_a_file_outside_any_configuration_uses_the_working_directory_one(tmp_path):
    write(tmp_path, "project/pyproject.toml", '[tool.bn-codemod]\nselect = ["BN004"]\n')
    write(tmp_path, "elsewhere/m.py")

    result = run("check", "../elsewhere/m.py", cwd=tmp_path / "project")

    assert codes_by_file(result) == {"../elsewhere/m.py": ["BN004"]}


def test_config_flag_forces_one_file_with_paths_relative_to_the_working_directory(monorepo):
    write(monorepo, "ci.toml", 'select = ["BN001"]\nexclude = ["sub/legacy"]\n')

    result = run("check", "--config", "ci.toml", ".", cwd=monorepo)

    assert codes_by_file(result) == {
        "gen/made.py": ["BN001"], "sub/gen/made.py": ["BN001"], "sub/m.py": ["BN001"], "top.py": ["BN001"],
    }


def test_a_missing_config_file_is_exit_2(tmp_path):
    write(tmp_path, "m.py")

    result = run("check", "--config", "nope.toml", "m.py", cwd=tmp_path)

    assert (result.code, result.err) == (2, "error: nope.toml: --config: no such file\n")


def test_stdin_uses_the_settings_of_the_stdin_filename(monorepo):
    result = run("check", "--stdin-filename", "sub/m.py", "-", cwd=monorepo, stdin=MODEL.encode())

    assert codes_by_file(result) == {"sub/m.py": ["BN005"]}


def test_show_settings_names_the_file_and_what_it_gets(monorepo):
    result = run("--show-settings", "sub/m.py", cwd=monorepo)

    assert result.code == 0
    assert result.lines[:5] == [
        "Resolved settings for: sub/m.py",
        f"Settings path: {monorepo / 'sub' / 'pyproject.toml'}",
        f"Project root: {monorepo / 'sub'}",
        'select = ["BN005"]',
        'exclude = ["legacy", "gen/*.py"]',
    ]
    assert (monorepo / "sub" / "m.py").read_text() == MODEL


def test_the_cache_goes_to_the_project_root_of_the_files(monorepo):
    run("check", "sub/m.py", cwd=monorepo)

    assert (monorepo / "sub" / ".bn_codemod_cache").is_dir()
    assert not (monorepo / ".bn_codemod_cache").exists()


# --- item 4: ruff's select/ignore layering -------------------------------------------------------


def test_cli_select_undoes_the_configured_ignore(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod]\nignore = ["BN004"]\n')
    write(tmp_path, "m.py")

    result = run("check", "--select", "BN004", "m.py", cwd=tmp_path)

    assert (result.code, codes_by_file(result)) == (1, {"m.py": ["BN004"]})


def test_extend_select_and_extend_ignore_layer_on_the_configuration(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod]\nselect = ["BN001"]\nignore = ["BN004"]\n')
    write(tmp_path, "m.py")

    assert codes_by_file(run("check", "--extend-select", "BN005", "m.py", cwd=tmp_path)) == {"m.py": ["BN001", "BN005"]}
    assert codes_by_file(run("check", "--extend-select", "BN0", "--extend-ignore", "BN001", "m.py", cwd=tmp_path)) == {
        "m.py": ["BN005", "BN004"]
    }
    assert codes_by_file(run("check", "--ignore", "BN001", "m.py", cwd=tmp_path)) == {}


def test_extend_select_in_the_file(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod]\nselect = ["BN001"]\nextend-select = ["BN005"]\n')
    write(tmp_path, "m.py")

    assert codes_by_file(run("check", "m.py", cwd=tmp_path)) == {"m.py": ["BN001", "BN005"]}


def test_per_file_ignores(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.bn-codemod.per-file-ignores]\n"tests/*" = ["BN001"]\n"conftest.py" = ["BN0"]\n')
    write(tmp_path, "tests/t.py")
    write(tmp_path, "pkg/conftest.py")
    write(tmp_path, "pkg/m.py")

    assert codes_by_file(run("check", ".", cwd=tmp_path)) == {
        "pkg/m.py": ["BN001", "BN005", "BN004"],
        "tests/t.py": ["BN005", "BN004"],
    }


# --- item 6: the whole file through the standard TOML parser --------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ('[tool.bn-codemod\nselect = ["BN001"]\n', "invalid TOML"),
        ('[tool.bn-codemod]\nselect = ["BN001"]\nselect = ["BN005"]\n', "invalid TOML"),
        ("[tool.bn-codemod]\nselect = [None]\n", "invalid TOML"),
        ("[tool.bn-codemod]\nignore = ['BN0\\\\1']\n", "unknown rule code or prefix 'BN0\\\\1'"),
        ('[project]\nname = "x\n[tool.bn-codemod]\n', "invalid TOML"),
    ],
)
def test_bad_toml_in_the_applicable_file_is_one_line_and_exit_2(tmp_path, text, message):
    write(tmp_path, "sub/pyproject.toml", text)
    write(tmp_path, "sub/m.py")

    result = run("fix", ".", cwd=tmp_path)

    assert result.code == 2
    assert result.err.startswith(f"error: {tmp_path / 'sub' / 'pyproject.toml'}: ")
    assert message in result.err and len(result.err.splitlines()) == 1
    assert (tmp_path / "sub" / "m.py").read_text() == MODEL


def test_the_inline_table_form_is_read(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool]\nbn-codemod = { select = ["BN005"] }\n')
    write(tmp_path, "m.py")

    assert codes_by_file(run("check", "m.py", cwd=tmp_path)) == {"m.py": ["BN005"]}


def test_a_pyproject_of_another_tool_is_not_parsed(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.black\nline-length = 100\n')  # broken, but not ours
    write(tmp_path, "m.py")

    assert run("check", "m.py", cwd=tmp_path).code == 1


# --- item 7: stdin and --force-exclude -----------------------------------------------------------


@pytest.mark.parametrize("subcommand", ["fix", "check"])
def test_stdin_of_a_force_excluded_name_is_passed_through(tmp_path, subcommand):
    result = run(
        subcommand, "--force-exclude", "--exclude", "legacy", "--stdin-filename", "legacy/x.py", "-",
        cwd=tmp_path, stdin=MODEL.encode(),
    )

    assert result.code == 0
    assert result.out == (MODEL if subcommand == "fix" else "")


def test_stdin_force_exclude_uses_the_configured_exclude(monorepo):
    result = run("--force-exclude", "--stdin-filename", "sub/legacy/x.py", "-", cwd=monorepo, stdin=MODEL.encode())

    assert (result.code, result.out) == (0, MODEL)


# --- item 8: default excludes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "directory",
    [".ipynb_checkpoints", "site-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pypackages__",
     "_build", "buck-out"],
)
def test_ruffs_default_excludes(tmp_path, directory):
    write(tmp_path, "m.py")
    write(tmp_path, f"nb/{directory}/copy.py")

    result = run("fix", ".", cwd=tmp_path)

    assert (tmp_path / "nb" / directory / "copy.py").read_text() == MODEL
    assert "copy.py" not in result.out


def test_without_tomllib_the_tomli_package_reads_the_same(tmp_path, monkeypatch):
    # Python 3.9/3.10 have no tomllib; tomli (declared for them) is the same parser.
    import sys

    pytest.importorskip("tomli")
    from bn_codemod.config import ConfigError, Resolver

    write(tmp_path, "pyproject.toml", '[tool]\nbn-codemod = { select = ["BN005"], ignore = [] }\n')
    write(tmp_path, "bad/pyproject.toml", '[tool.bn-codemod]\nselect = ["BN001"]\nselect = ["BN005"]\n')
    monkeypatch.setitem(sys.modules, "tomllib", None)  # `import tomllib` now raises ImportError

    assert Resolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "m.py")).select == ("BN005",)
    with pytest.raises(ConfigError, match="invalid TOML"):
        Resolver(cwd=str(tmp_path)).settings_for(str(tmp_path / "bad" / "m.py"))


def test_settings_root_is_the_directory_of_the_applicable_configuration(monorepo, tmp_path_factory, monkeypatch):
    from bn_codemod.config import Resolver

    def root(path: str) -> str:
        return Resolver().settings_for(path).root

    monkeypatch.chdir(monorepo)
    assert root(str(monorepo / "sub" / "legacy" / "old.py")) == str(monorepo / "sub")
    assert root("top.py") == str(monorepo)
    assert root("sub/m.py") == str(monorepo / "sub")
    bare = tmp_path_factory.mktemp("bare")
    monkeypatch.chdir(bare)
    assert root("x.py") == str(bare)  # no configuration anywhere: the working directory
