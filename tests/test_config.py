"""[tool.bn-codemod] in the nearest pyproject.toml, overridden by flags; bad config is exit 2."""

from __future__ import annotations

import pytest

from cli_helpers import run

MODEL = "import torch.nn as nn\n\na = nn.BatchNorm2d(8, **kw)\nb = nn.BatchNorm2d(8)\n"


def write_project(root, table: str):
    (root / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n[tool.bn-codemod]\n{table}\n')
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "m.py").write_text(MODEL)


def reported_codes(result) -> list[str]:
    return [line.split()[1] for line in result.lines[:-1]]


def test_select_from_pyproject_in_a_parent_directory(tmp_path):
    write_project(tmp_path, 'select = ["BN005"]')

    result = run("--check", "m.py", cwd=tmp_path / "src")

    assert reported_codes(result) == ["BN005"]


def test_flags_override_the_file(tmp_path):
    write_project(tmp_path, 'select = ["BN005"]\nignore = ["BN001"]')

    result = run("--check", "--select", "BN001", "--ignore", "BN005", "src", cwd=tmp_path)

    assert reported_codes(result) == ["BN001"]


def test_exclude_and_extend_exclude(tmp_path):
    write_project(tmp_path, 'exclude = ["legacy"]\nextend-exclude = ["gen_*.py"]')
    (tmp_path / "src" / "legacy").mkdir()
    (tmp_path / "src" / "legacy" / "old.py").write_text(MODEL)
    (tmp_path / "src" / "gen_model.py").write_text(MODEL)

    result = run("--check", "src", cwd=tmp_path)

    assert {line.split(":")[0] for line in result.lines[:-1]} == {"src/m.py"}


def test_extra_classes_are_fixed_like_batchnorm(tmp_path):
    write_project(tmp_path, 'extra-classes = ["mypkg.layers.MyBatchNorm"]')
    (tmp_path / "src" / "m.py").write_text(
        "from mypkg.layers import MyBatchNorm\nfrom other import MyBatchNorm as Theirs\n\n"
        "a = MyBatchNorm(8)\nb = Theirs(8)\nc = MyBatchNorm(8, track_running_stats=True)\n"
    )

    result = run("src", cwd=tmp_path)

    assert result.code == 0
    assert (tmp_path / "src" / "m.py").read_text() == (
        "from mypkg.layers import MyBatchNorm\nfrom other import MyBatchNorm as Theirs\n\n"
        "a = MyBatchNorm(8, track_running_stats=False)\nb = Theirs(8)\n"
        "c = MyBatchNorm(8, track_running_stats=False)\n"
    )


@pytest.mark.parametrize(
    "table, message",
    [
        ('selec = ["BN001"]', "unknown key 'selec'"),
        ('select = "BN001"', "select: expected a list of strings"),
        ('select = ["BN9"]', "select: unknown rule code or prefix 'BN9'"),
        ('extra-classes = ["MyBatchNorm"]', "'MyBatchNorm' is not a qualified class name"),
        ("select = [", "invalid TOML"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(tmp_path, table, message):
    write_project(tmp_path, table)

    result = run("--check", "src", cwd=tmp_path)

    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith(f"error: {tmp_path / 'pyproject.toml'}")
    assert message in result.err


def test_a_pyproject_without_the_table_is_not_used(tmp_path):
    write_project(tmp_path / "." , 'select = ["BN005"]')
    (tmp_path / "src" / "pyproject.toml").write_text('[project]\nname = "inner"\n')

    result = run("--check", "m.py", cwd=tmp_path / "src")

    assert reported_codes(result) == ["BN005"]
