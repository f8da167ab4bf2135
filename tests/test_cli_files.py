"""Never lose user code: bad inputs are named in one line with exit 2, encodings and modes survive."""

from __future__ import annotations

import os
import stat

import pytest

from cli_helpers import main_captured, run
from unprivileged import run_unprivileged

MODEL = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"

BAD_FILES = {
    "syntax_error.py": (b"import torch.nn as nn\nnorm = nn.BatchNorm2d(8\n", "syntax_error.py:2:22: cannot parse: '(' was never closed"),
    "python2.py": (b"import torch.nn as nn\nprint 'BatchNorm2d'\nnorm = nn.BatchNorm2d(8)\n", "python2.py:2:"),
    "truncated.py": (b"import torch.nn as nn\nclass Net(nn.Module):\n    def f(self):\n        x = nn.BatchNorm2d(", "truncated.py:"),
    "nul_bytes.py": (b"import torch.nn as nn\nnorm = nn.BatchNorm2d(8)\x00\n", "nul_bytes.py:2: source contains a NUL byte"),
    "undecodable.py": (b"import torch.nn as nn\n# caf\xe9\nnorm = nn.BatchNorm2d(8)\n", "undecodable.py:2: cannot decode"),
    "bad_cookie.py": (b"# -*- coding: no-such-codec -*-\nimport torch.nn as nn\nnn.BatchNorm2d(8)\n", "bad_cookie.py"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_named_left_untouched_and_the_others_are_still_fixed(tmp_path, name):
    content, expected_error = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run(".", cwd=tmp_path)

    assert result.code == 2
    error_lines = result.err.splitlines()
    assert len(error_lines) == 1, result.err
    assert error_lines[0].startswith(f"error: {expected_error}"), error_lines[0]
    assert (tmp_path / name).read_bytes() == content
    assert (tmp_path / "good.py").read_bytes() == FIXED


def test_check_mode_also_exits_2_on_a_bad_file(tmp_path):
    (tmp_path / "bad.py").write_bytes(BAD_FILES["syntax_error.py"][0])

    assert run("--check", "bad.py", cwd=tmp_path).code == 2


def test_a_missing_path_is_exit_2_and_the_other_paths_are_checked(tmp_path):
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run("--check", "missing.py", "good.py", cwd=tmp_path)

    assert result.code == 2
    assert result.err == "error: missing.py: path does not exist\n"
    assert result.lines[0].startswith("good.py:")


def test_a_missing_path_in_fix_mode_is_exit_2_and_nothing_is_written(tmp_path):
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run("missing.py", "good.py", cwd=tmp_path)

    assert result.code == 2
    assert result.err == "error: missing.py: path does not exist\nerror: nothing was written; fix the paths above and run again\n"
    assert (tmp_path / "good.py").read_bytes() == MODEL


def test_a_directory_named_like_a_python_file_is_walked_as_a_directory(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_bytes(MODEL)

    result = run("x.py", cwd=tmp_path)

    assert result.code == 0
    assert (tmp_path / "x.py" / "inner.py").read_bytes() == FIXED


def test_a_file_deleted_between_discovery_and_reading_is_named(tmp_path, monkeypatch, capsys):
    from bn_codemod import files
    from bn_codemod.cli import main

    (tmp_path / "gone.py").write_bytes(MODEL)
    (tmp_path / "good.py").write_bytes(MODEL)
    monkeypatch.chdir(tmp_path)
    real_discover = files.discover

    def discover_then_delete(*args, **kwargs):
        found = real_discover(*args, **kwargs)
        (tmp_path / "gone.py").unlink()
        return found

    monkeypatch.setattr(files, "discover", discover_then_delete)
    code = main(["."])

    assert code == 2
    assert capsys.readouterr().err == "error: gone.py: file not found\n"
    assert (tmp_path / "good.py").read_bytes() == FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bn_codemod_cache", "good.py"]


def test_crlf_stays_crlf_including_the_inserted_line(tmp_path):
    source = b"from torch import nn\r\nnorm = nn.BatchNorm2d(\r\n    8,\r\n)\r\n"
    (tmp_path / "m.py").write_bytes(source)

    run("m.py", cwd=tmp_path)

    assert (tmp_path / "m.py").read_bytes() == (
        b"from torch import nn\r\nnorm = nn.BatchNorm2d(\r\n    8,\r\n    track_running_stats=False,\r\n)\r\n"
    )


def test_the_bom_is_kept(tmp_path):
    (tmp_path / "m.py").write_bytes(b"\xef\xbb\xbf" + MODEL)

    run("m.py", cwd=tmp_path)

    assert (tmp_path / "m.py").read_bytes() == b"\xef\xbb\xbf" + FIXED


def test_a_coding_cookie_encoding_is_kept(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# Réseau\nimport torch.nn as nn\nnorm = nn.BatchNorm2d(8)\n"
    (tmp_path / "m.py").write_bytes(source.encode("latin-1"))

    result = run("m.py", cwd=tmp_path)

    assert result.code == 0
    expected = source.replace("BatchNorm2d(8)", "BatchNorm2d(8, track_running_stats=False)")
    assert (tmp_path / "m.py").read_bytes() == expected.encode("latin-1")


def test_file_mode_is_kept(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(MODEL)
    os.chmod(path, 0o751)

    run("m.py", cwd=tmp_path)

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert path.read_bytes() == FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == [".bn_codemod_cache", "m.py"], "no temporary file left"


def test_an_unchanged_file_is_not_rewritten(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(FIXED)
    os.utime(path, (1_000_000, 1_000_000))

    run("m.py", cwd=tmp_path)

    assert os.stat(path).st_mtime == 1_000_000


def test_permission_denied_reading_is_reported_in_one_line(unprivileged_tmp_path):
    """As root (CI) the run drops to nobody first: the OS refuses, for real."""
    def body():
        (unprivileged_tmp_path / "locked.py").write_bytes(MODEL)
        (unprivileged_tmp_path / "good.py").write_bytes(MODEL)
        (unprivileged_tmp_path / "locked.py").chmod(0)

        result = main_captured("--no-cache", ".")

        assert (result.code, result.err) == (2, "error: locked.py: permission denied\n")
        assert (unprivileged_tmp_path / "good.py").read_bytes() == FIXED
        (unprivileged_tmp_path / "locked.py").chmod(0o644)
        assert (unprivileged_tmp_path / "locked.py").read_bytes() == MODEL

    run_unprivileged(body, cwd=unprivileged_tmp_path)
