from __future__ import annotations

import errno
import os
import pickle
import stat

import pytest
from unprivileged import run_unprivileged

from bn_codemod.source import (
    SourceError,
    SourceFile,
    decode_source,
    encode_source,
    read_source,
    write_atomic,
)

BOM = b"\xef\xbb\xbf"


def write_bytes(tmp_path, name: str, raw: bytes):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def leftover_temp_files(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".bn-codemod.tmp"))


# ---------------------------------------------------------------------------------------------
# SourceError


def test_source_error_without_line():
    error = SourceError("pkg/model.py", "file not found")
    assert str(error) == "pkg/model.py: file not found"
    assert (error.path, error.message, error.line) == ("pkg/model.py", "file not found", None)


def test_source_error_with_line():
    assert str(SourceError("model.py", "source contains a NUL byte", line=7)) == (
        "model.py:7: source contains a NUL byte"
    )


def test_source_error_survives_pickling():
    error = pickle.loads(pickle.dumps(SourceError("model.py", "boom", line=2)))
    assert str(error) == "model.py:2: boom"


# ---------------------------------------------------------------------------------------------
# Round trips: read, encode the unchanged text, write; every byte must survive.

ROUND_TRIPS = {
    "utf-8": (b"name = '\xc3\xa9t\xc3\xa9'\nx = 1\n", "utf-8", False, "name = 'été'\nx = 1\n"),
    "utf-8 with BOM": (BOM + b"x = '\xe2\x82\xac'\n", "utf-8-sig", True, "x = '€'\n"),
    "latin-1 cookie": (
        b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9 \xff'\n",
        "iso-8859-1",
        False,
        "# -*- coding: latin-1 -*-\nname = 'été ÿ'\n",
    ),
    "cp1252 cookie on line 2": (
        b"#!/usr/bin/env python\n# coding: cp1252\nprice = '\x80 5'\n",
        "cp1252",
        False,
        "#!/usr/bin/env python\n# coding: cp1252\nprice = '€ 5'\n",
    ),
    "CRLF": (b"import torch\r\nx = 1\r\n", "utf-8", False, "import torch\r\nx = 1\r\n"),
    "CR only": (b"import torch\rx = 1\r", "utf-8", False, "import torch\rx = 1\r"),
    "mixed newlines": (b"a = 1\r\nb = 2\nc = 3\rd = 4\r\n", "utf-8", False, "a = 1\r\nb = 2\nc = 3\rd = 4\r\n"),
    "no trailing newline": (b"x = 1\ny = 2", "utf-8", False, "x = 1\ny = 2"),
    "empty file": (b"", "utf-8", False, ""),
    "BOM only": (BOM, "utf-8-sig", True, ""),
    "latin-1 cookie with CR only": (
        b"#!/usr/bin/env python\r# coding: latin-1\rx = '\xe9'\r",
        "iso-8859-1",
        False,
        "#!/usr/bin/env python\r# coding: latin-1\rx = 'é'\r",
    ),
}


@pytest.mark.parametrize("raw, encoding, bom, text", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_round_trip_is_byte_identical(tmp_path, raw, encoding, bom, text):
    path = write_bytes(tmp_path, "model.py", raw)

    source = read_source(path)

    assert source == SourceFile(path=str(path), raw=raw, text=text, encoding=encoding, bom=bom)
    encoded = encode_source(source, source.text)
    assert encoded == raw
    write_atomic(path, encoded)
    assert path.read_bytes() == raw


def test_read_source_accepts_a_str_path(tmp_path):
    path = write_bytes(tmp_path, "model.py", b"x = 1\n")
    assert read_source(str(path)).path == str(path)


def test_decode_source_keeps_the_given_path():
    source = decode_source(b"x = 1\r\n", "-")
    assert (source.path, source.text) == ("-", "x = 1\r\n")


# ---------------------------------------------------------------------------------------------
# Modified text goes back in the original encoding, BOM and newlines


def test_modified_text_keeps_bom_once_and_crlf():
    source = decode_source(BOM + b"import torch\r\nbn = torch.nn.BatchNorm2d(3)\r\n", "model.py")
    new_text = source.text.replace("BatchNorm2d(3)", "BatchNorm2d(3, track_running_stats=False)")

    assert encode_source(source, new_text) == (
        BOM + b"import torch\r\nbn = torch.nn.BatchNorm2d(3, track_running_stats=False)\r\n"
    )


def test_text_starting_with_a_second_bom_is_kept():
    raw = BOM + BOM + b"x = 1\n"
    source = decode_source(raw, "model.py")
    assert source.text == "\ufeffx = 1\n"
    assert encode_source(source, source.text) == raw


def test_modified_text_keeps_latin_1():
    source = decode_source(b"# coding: latin-1\nname = '\xe9'\n", "model.py")
    assert encode_source(source, source.text + "other = '\xe0'\r\n") == (
        b"# coding: latin-1\nname = '\xe9'\nother = '\xe0'\r\n"
    )


def test_character_the_encoding_cannot_hold():
    source = decode_source(b"# coding: latin-1\nx = 1\n", "model.py")

    with pytest.raises(SourceError) as caught:
        encode_source(source, "# coding: latin-1\nx = 1\r\ny = '\u20ac'\n")

    assert str(caught.value) == "model.py:3: cannot encode as iso-8859-1: character '€' (U+20AC) at line 3"
    assert caught.value.line == 3


def test_lone_surrogate_cannot_be_written_as_utf_8():
    source = decode_source(b"x = 1\n", "model.py")
    with pytest.raises(SourceError) as caught:
        encode_source(source, "x = '\ud800'\n")
    assert str(caught.value) == "model.py:1: cannot encode as utf-8: character '\\ud800' (U+D800) at line 1"


# ---------------------------------------------------------------------------------------------
# Files CPython would refuse


def decode_error(raw: bytes) -> SourceError:
    with pytest.raises(SourceError) as caught:
        decode_source(raw, "model.py")
    return caught.value


def test_undecodable_byte_without_cookie():
    error = decode_error(b"x = 1\r\ny = 2\nz = '\xff'\n")
    assert str(error) == "model.py:3: cannot decode as utf-8: invalid byte 0xff at line 3"
    assert error.line == 3


def test_undecodable_byte_on_line_1_without_cookie():
    # detect_encoding itself rejects this line; the error must still point at the byte.
    error = decode_error(b"x = '\xe9'\n# coding: latin-1\n")
    assert str(error) == "model.py:1: cannot decode as utf-8: invalid byte 0xe9 at line 1"


def test_undecodable_byte_after_bom():
    error = decode_error(BOM + b"x = 1\n\xc3\n")
    assert str(error) == "model.py:2: cannot decode as utf-8: invalid byte 0xc3 at line 2"


def test_undecodable_byte_with_cookie():
    error = decode_error(b"# coding: ascii\nx = 1\ry = '\xe9'\n")
    assert str(error) == "model.py:3: cannot decode as ascii: invalid byte 0xe9 at line 3"
    assert error.line == 3


def test_nul_byte():
    error = decode_error(b"x = 1\r\ny = 2\nz = '\x00'\n")
    assert str(error) == "model.py:3: source contains a NUL byte"
    assert error.line == 3


def test_unknown_cookie_on_line_1():
    error = decode_error(b"# -*- coding: klingon -*-\nx = 1\n")
    assert str(error) == "model.py:1: unknown encoding 'klingon' in coding cookie"
    assert error.line == 1


def test_unknown_cookie_on_line_2():
    error = decode_error(b"#!/usr/bin/env python\n# vim: set fileencoding=xyz :\n")
    assert str(error) == "model.py:2: unknown encoding 'xyz' in coding cookie"


def test_cookie_on_line_3_is_ignored():
    source = decode_source(b"#!/usr/bin/env python\n\n# coding: xyz\n", "model.py")
    assert source.encoding == "utf-8"


def test_cookie_conflicting_with_bom():
    error = decode_error(BOM + b"# coding: latin-1\nx = 1\n")
    assert str(error) == "model.py:1: coding cookie 'latin-1' conflicts with the UTF-8 BOM"


def test_cookie_naming_a_codec_that_is_not_for_text():
    error = decode_error(b"# coding: rot13\nx = 1\n")
    assert str(error) == "model.py:1: encoding 'rot13' in coding cookie is not a text encoding"


# ---------------------------------------------------------------------------------------------
# Reading problems are SourceErrors, never tracebacks


def read_error(path) -> str:
    with pytest.raises(SourceError) as caught:
        read_source(path)
    return str(caught.value)


def test_read_directory(tmp_path):
    assert read_error(tmp_path) == f"{tmp_path}: is a directory"


def test_read_missing_file(tmp_path):
    missing = tmp_path / "gone.py"
    assert read_error(missing) == f"{missing}: file not found"


def test_read_through_a_file_used_as_directory(tmp_path):
    path = write_bytes(tmp_path, "model.py", b"x = 1\n")
    assert read_error(path / "inner.py") == f"{path / 'inner.py'}: Not a directory"


def test_read_unreadable_file(unprivileged_tmp_path):
    def body():
        path = write_bytes(unprivileged_tmp_path, "model.py", b"x = 1\n")
        path.chmod(0)
        try:
            assert read_error(path) == f"{path}: permission denied"
        finally:
            path.chmod(0o600)

    run_unprivileged(body, cwd=unprivileged_tmp_path)


def test_read_permission_error_is_reported(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"x = 1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    assert read_error(path) == f"{path}: permission denied"


def test_read_other_os_error_uses_strerror(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"x = 1\n")

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "open", fail)
    assert read_error(path) == f"{path}: Input/output error"


def test_read_decode_error_names_the_file(tmp_path):
    path = write_bytes(tmp_path, "model.py", b"\xff\n")
    assert read_error(path) == f"{path}:1: cannot decode as utf-8: invalid byte 0xff at line 1"


# ---------------------------------------------------------------------------------------------
# write_atomic


@pytest.mark.parametrize("mode", [0o755, 0o600, 0o644])
def test_write_keeps_permission_bits(tmp_path, mode):
    path = write_bytes(tmp_path, "model.py", b"old\n")
    path.chmod(mode)

    write_atomic(path, b"new\r\n")

    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert os.listdir(tmp_path) == ["model.py"]


def test_write_replaces_the_inode_instead_of_truncating(tmp_path):
    path = write_bytes(tmp_path, "model.py", b"old\n")
    with open(path, "rb") as reader_opened_before:
        write_atomic(path, b"new\n")
        # A reader that had the file open still sees the complete old content.
        assert reader_opened_before.read() == b"old\n"
    assert path.read_bytes() == b"new\n"


def test_write_creates_a_missing_file(tmp_path):
    path = tmp_path / "new.py"
    write_atomic(path, b"x = 1\n")
    assert path.read_bytes() == b"x = 1\n"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["new.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_write_through_symlink_keeps_the_link(tmp_path):
    real = write_bytes(tmp_path, "real.py", b"old\n")
    real.chmod(0o640)
    link_dir = tmp_path / "links"
    link_dir.mkdir()
    link = link_dir / "model.py"
    link.symlink_to(real)

    write_atomic(link, b"new\n")

    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert real.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["links", "real.py"]
    assert os.listdir(link_dir) == ["model.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_write_through_relative_symlink_chain(tmp_path):
    real = write_bytes(tmp_path, "real.py", b"old\n")
    (tmp_path / "middle.py").symlink_to("real.py")
    (tmp_path / "model.py").symlink_to("middle.py")

    write_atomic(tmp_path / "model.py", b"new\n")

    assert os.readlink(tmp_path / "model.py") == "middle.py"
    assert os.readlink(tmp_path / "middle.py") == "real.py"
    assert real.read_bytes() == b"new\n"
    assert leftover_temp_files(tmp_path) == []


def test_failing_replace_leaves_original_and_no_temp_file(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"original\r\n")

    def fail(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(SourceError) as caught:
        write_atomic(path, b"new\n")

    assert str(caught.value) == f"{path}: cannot write: Invalid cross-device link"
    assert path.read_bytes() == b"original\r\n"
    assert os.listdir(tmp_path) == ["model.py"]


def test_disk_full_during_write(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"original\n")

    def fail(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(SourceError) as caught:
        write_atomic(path, b"new\n")

    assert str(caught.value) == f"{path}: cannot write: No space left on device"
    assert path.read_bytes() == b"original\n"
    assert os.listdir(tmp_path) == ["model.py"]


def test_interrupt_during_write_removes_temp_file_and_propagates(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"original\n")

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, b"new\n")

    assert path.read_bytes() == b"original\n"
    assert os.listdir(tmp_path) == ["model.py"]


def test_temp_file_is_beside_the_target_with_the_agreed_name(tmp_path, monkeypatch):
    path = write_bytes(tmp_path, "model.py", b"original\n")
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((os.path.dirname(src), os.path.basename(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(path, b"new\n")

    [(directory, name, destination)] = seen
    assert directory == str(tmp_path)
    assert name.startswith(".model.py.") and name.endswith(".bn-codemod.tmp")
    assert destination == str(path)


def test_write_onto_a_directory(tmp_path):
    target = tmp_path / "package"
    target.mkdir()
    with pytest.raises(SourceError) as caught:
        write_atomic(target, b"x\n")
    assert str(caught.value) == f"{target}: cannot write: is a directory"
    assert os.listdir(tmp_path) == ["package"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_write_onto_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "model.py"
    os.mkfifo(fifo)
    with pytest.raises(SourceError) as caught:
        write_atomic(fifo, b"x\n")
    assert str(caught.value) == f"{fifo}: cannot write: not a regular file"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_write_into_missing_directory(tmp_path):
    target = tmp_path / "missing" / "model.py"
    with pytest.raises(SourceError) as caught:
        write_atomic(target, b"x\n")
    assert str(caught.value) == f"{target}: cannot write: No such file or directory"


def test_read_only_directory(unprivileged_tmp_path):
    def body():
        directory = unprivileged_tmp_path / "locked"
        directory.mkdir()
        path = write_bytes(directory, "model.py", b"original\n")
        directory.chmod(0o555)
        try:
            with pytest.raises(SourceError) as caught:
                write_atomic(path, b"new\n")
            assert str(caught.value) == f"{path}: read-only, not rewritten (its directory is read-only)"
            assert path.read_bytes() == b"original\n"
            assert os.listdir(directory) == ["model.py"]
        finally:
            directory.chmod(0o755)

    run_unprivileged(body, cwd=unprivileged_tmp_path)


def test_read_only_file_is_not_replaced(unprivileged_tmp_path):
    def body():
        path = write_bytes(unprivileged_tmp_path, "model.py", b"original\n")
        path.chmod(0o444)
        try:
            with pytest.raises(SourceError) as caught:
                write_atomic(path, b"new\n")
            assert str(caught.value) == f"{path}: read-only, not rewritten"
            assert path.read_bytes() == b"original\n"
            assert os.listdir(unprivileged_tmp_path) == ["model.py"]
        finally:
            path.chmod(0o644)

    run_unprivileged(body, cwd=unprivileged_tmp_path)


def test_mkstemp_permission_error_is_reported(tmp_path, monkeypatch):
    # Same path as a read-only directory, but also checked when running as root.
    path = write_bytes(tmp_path, "model.py", b"original\n")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(SourceError) as caught:
        write_atomic(path, b"new\n")
    assert str(caught.value) == f"{path}: cannot write: permission denied"
    assert path.read_bytes() == b"original\n"
