"""Inputs that must never crash the tool or lose code: each is processed, or named in one error line
with exit 2 while the other files are still fixed. (tests/test_cli_files.py has the basic bad files.)"""

from __future__ import annotations

import base64
import errno
import os
import random
import stat
import subprocess
import time

import pytest

from cli_helpers import Result, console_script, run

MODEL = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"
BN_CALL = b"norm = nn.BatchNorm2d(8)\n"
BN_FIXED = b"norm = nn.BatchNorm2d(8, track_running_stats=False)\n"


def run_within(seconds: float, *args: str, cwd) -> Result:
    """Like cli_helpers.run, with a time limit: a hang is a failure too (the child is killed)."""
    completed = subprocess.run([console_script(), *args], cwd=cwd, capture_output=True, timeout=seconds)
    err = completed.stderr.decode("utf-8", "replace")
    return Result(completed.returncode, completed.stdout.decode("utf-8", "replace"), err, completed.stdout)


def assert_processed_or_one_clear_error(result: Result, name: str, original: bytes, path) -> None:
    assert "Traceback" not in result.err, result.err
    assert result.code in (0, 2), f"exit {result.code} (a negative code is a signal: the process crashed)"
    if result.code == 2:
        assert result.err.count("\n") == 1 and result.err.startswith(f"error: {name}"), result.err
        assert path.read_bytes() == original


def test_an_empty_file_is_fine(tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run("empty.py", "good.py", cwd=tmp_path)

    assert (result.code, result.err) == (0, "")
    assert (tmp_path / "empty.py").read_bytes() == b""
    assert (tmp_path / "good.py").read_bytes() == FIXED


def test_a_10_mb_file_is_fixed_in_reasonable_time(tmp_path):
    # Embedded data (as in generated model files) plus ordinary code, with the layer at the very end.
    blob = base64.b64encode(random.Random(6).randbytes(7_800_000)).decode()
    data = "".join(blob[i : i + 76] + "\n" for i in range(0, len(blob), 76)).encode()
    code = b"".join(b"def layer_%d(x):\n    return x * %d  # scale\n\n" % (i, i) for i in range(2000))
    source = b'import torch.nn as nn\n\nWEIGHTS = """\n' + data + b'"""\n\n' + code + BN_CALL
    assert len(source) > 10 * 1024 * 1024
    (tmp_path / "big.py").write_bytes(source)

    started = time.monotonic()
    result = run_within(120, "big.py", cwd=tmp_path)

    assert (result.code, result.err) == (0, "")
    assert (tmp_path / "big.py").read_bytes() == source[: -len(BN_CALL)] + BN_FIXED
    assert time.monotonic() - started < 120


DEEP = {
    # CPython accepts this one; libcst parses it, the analysis runs out of stack and says so.
    "sum_1000_terms": b"x = " + b"+".join([b"a"] * 1000) + b"\n",
    "sum_2000_terms": b"x = " + b"+".join([b"a"] * 2000) + b"\n",
}
CRASHING_DEEP = {
    # CPython rejects both at once (too many nested parentheses / recursion); libcst segfaults,
    # taking every other file's result down with it (the 100k-term sum only after ~9 minutes).
    "parentheses_5000": b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
    "sum_100k_terms": b"x = " + b"+".join([b"a"] * 100_000) + b"\n",
}


def _deep_case(tmp_path, expression: bytes):
    source = b"import torch.nn as nn\n" + expression + BN_CALL
    (tmp_path / "deep.py").write_bytes(source)
    (tmp_path / "good.py").write_bytes(MODEL)
    return source


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_processed_or_named(tmp_path, name):
    source = _deep_case(tmp_path, DEEP[name])

    result = run_within(60, "deep.py", "good.py", cwd=tmp_path)

    assert_processed_or_one_clear_error(result, "deep.py", source, tmp_path / "deep.py")
    assert (tmp_path / "good.py").read_bytes() == FIXED


# libcst's native parser segfaults on these; CPython's parser runs first and rejects them at once.
@pytest.mark.parametrize("name", sorted(CRASHING_DEEP))
def test_nesting_cpython_rejects_is_named_not_a_crash(tmp_path, name):
    source = _deep_case(tmp_path, CRASHING_DEEP[name])

    result = run_within(15, "deep.py", "good.py", cwd=tmp_path)

    assert_processed_or_one_clear_error(result, "deep.py", source, tmp_path / "deep.py")
    assert result.code == 2
    assert (tmp_path / "good.py").read_bytes() == FIXED


def test_a_directory_named_like_a_python_file_inside_a_walk_is_walked(tmp_path):
    (tmp_path / "pkg" / "x.py").mkdir(parents=True)
    (tmp_path / "pkg" / "x.py" / "inner.py").write_bytes(MODEL)

    result = run(".", cwd=tmp_path)

    assert (result.code, result.err) == (0, "")
    assert (tmp_path / "pkg" / "x.py" / "inner.py").read_bytes() == FIXED


@pytest.fixture
def symlink_loops(tmp_path):
    (tmp_path / "good.py").write_bytes(MODEL)
    os.symlink("self.py", tmp_path / "self.py")
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    (tmp_path / "pkg").mkdir()
    os.symlink("..", tmp_path / "pkg" / "up")
    os.symlink("..", tmp_path / "pkg" / "up.py")
    return tmp_path


def test_symlink_loops_in_a_walk_are_skipped(symlink_loops):
    result = run(".", cwd=symlink_loops)

    assert (result.code, result.err) == (0, "")
    assert result.lines[-1] == "Found 1 issue in 1 file (1 fixed, 0 remaining)."
    assert (symlink_loops / "good.py").read_bytes() == FIXED
    assert os.readlink(symlink_loops / "self.py") == "self.py"


def test_symlink_loops_named_explicitly_are_named_in_one_line_each(symlink_loops):
    good = (symlink_loops / "good.py").read_bytes()

    result = run("self.py", "a.py", "good.py", cwd=symlink_loops)

    assert result.code == 2
    assert result.err.splitlines() == [
        "error: self.py: cannot access path: too many levels of symbolic links",
        "error: a.py: cannot access path: too many levels of symbolic links",
        "error: nothing was written; fix the paths above and run again",
    ]
    assert (symlink_loops / "good.py").read_bytes() == good  # fix mode: all paths valid, or nothing written


UNDECODABLE_WITH_COOKIE = {
    "ascii.py": (
        b"# -*- coding: ascii -*-\nimport torch.nn as nn\n# caf\xe9\nnorm = nn.BatchNorm2d(8)\n",
        "error: ascii.py:3: cannot decode as ascii: invalid byte 0xe9 at line 3",
    ),
    "utf8.py": (
        b"# coding: utf-8\nimport torch.nn as nn\nnorm = nn.BatchNorm2d(8)  # \xff\xfe\n",
        "error: utf8.py:3: cannot decode as utf-8: invalid byte 0xff at line 3",
    ),
    "vim_cp1252.py": (
        b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nimport torch.nn as nn\nnorm = nn.BatchNorm2d(8)  # \x81\n",
        "error: vim_cp1252.py:4: cannot decode as cp1252: invalid byte 0x81 at line 4",
    ),
    "bom.py": (
        b"\xef\xbb\xbfimport torch.nn as nn\nnorm = nn.BatchNorm2d(8)  # \xc3\n",
        "error: bom.py:2: cannot decode as utf-8: invalid byte 0xc3 at line 2",
    ),
}


@pytest.mark.parametrize("name", sorted(UNDECODABLE_WITH_COOKIE))
def test_undecodable_bytes_under_a_declared_encoding_are_named(tmp_path, name):
    content, error_line = UNDECODABLE_WITH_COOKIE[name]
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run(".", cwd=tmp_path)

    assert result.code == 2
    assert result.err.splitlines() == [error_line]
    assert (tmp_path / name).read_bytes() == content
    assert (tmp_path / "good.py").read_bytes() == FIXED


# The OS refusing a write the mode bits allow (someone else's file, a directory we may not write):
# injected in-process. Real read-only files and directories: tests/test_write_guarantees.py.
def _python_files(directory) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file() and ".bn_codemod_cache" not in p.parts)


def test_a_read_only_file_is_named_left_untouched_and_the_others_are_fixed(tmp_path, monkeypatch, capsys):
    from bn_codemod import source
    from bn_codemod.cli import main

    (tmp_path / "locked.py").write_bytes(MODEL)
    (tmp_path / "good.py").write_bytes(MODEL)
    monkeypatch.chdir(tmp_path)
    real_access = os.access
    locked = os.path.realpath(tmp_path / "locked.py")

    def access(path, mode, *args, **kwargs):
        if os.path.realpath(path) == locked and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(source.os, "access", access)
    code = main(["."])

    assert code == 2
    assert capsys.readouterr().err == "error: locked.py: cannot write: permission denied\n"
    assert (tmp_path / "locked.py").read_bytes() == MODEL
    assert (tmp_path / "good.py").read_bytes() == FIXED
    assert _python_files(tmp_path) == ["good.py", "locked.py"]


def test_a_read_only_directory_is_named_left_untouched_and_the_others_are_fixed(tmp_path, monkeypatch, capsys):
    import tempfile

    from bn_codemod.cli import main

    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "m.py").write_bytes(MODEL)
    (tmp_path / "good.py").write_bytes(MODEL)
    monkeypatch.chdir(tmp_path)
    real_mkstemp = tempfile.mkstemp
    locked = os.path.realpath(tmp_path / "locked")

    def mkstemp(*args, **kwargs):
        if os.path.realpath(kwargs.get("dir") or "") == locked:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    code = main(["."])

    assert code == 2
    assert capsys.readouterr().err == f"error: {os.path.join('locked', 'm.py')}: cannot write: permission denied\n"
    assert (tmp_path / "locked" / "m.py").read_bytes() == MODEL
    assert (tmp_path / "good.py").read_bytes() == FIXED
    assert _python_files(tmp_path) == ["good.py", os.path.join("locked", "m.py")]


# Only regular files are read: a FIFO would block forever, /dev/zero never ends.
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_named_explicitly_is_named_not_waited_for(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run_within(60, "--no-cache", "pipe.py", "good.py", cwd=tmp_path)

    assert (result.code, result.err) == (
        2, "error: pipe.py: not a regular file (a named pipe); only regular files are read\n"
    )
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.py").st_mode)
    assert (tmp_path / "good.py").read_bytes() == FIXED


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_named_explicitly_is_named_not_read(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    (tmp_path / "good.py").write_bytes(MODEL)

    result = run_within(60, "--no-cache", device, "good.py", cwd=tmp_path)

    assert (result.code, result.err) == (
        2, f"error: {device}: not a regular file (a character device); only regular files are read\n"
    )
    assert (tmp_path / "good.py").read_bytes() == FIXED
