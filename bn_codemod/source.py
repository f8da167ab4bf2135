"""Bytes in and out of user files: decode like CPython does, write back without losing code.

Text keeps its original newlines ("\\r\\n" stays "\\r\\n") and re-encodes in the original
encoding, so an unchanged file round-trips byte for byte. Writes go to a temporary file in the
target's directory and are renamed over it: a crash or a full disk never leaves a half file.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterator

TEMP_SUFFIX = ".bn-codemod.tmp"

# The same rules tokenize.detect_encoding applies (PEP 263); used only to explain its errors.
_COOKIE_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.ASCII)
_BLANK_RE = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
# One line with its ending; "\r" alone ends a line too, as in CPython's tokenizer.
_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class SourceError(Exception):
    """One-line, user-facing reason a file could not be read or written."""

    def __init__(self, path: str, message: str, line: int | None = None):
        # All three in args so pickling rebuilds the error.
        super().__init__(path, message, line)
        self.path = path
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown to the user ("-" for stdin)
    raw: bytes  # exact bytes read
    text: str  # decoded text: BOM stripped, newlines NOT translated (CRLF stays "\r\n")
    encoding: str  # codec used to decode/encode ("utf-8-sig" when the file has a BOM)
    bom: bool  # file started with a UTF-8 BOM


def decode_source(raw: bytes, path: str) -> SourceFile:
    """Decode `raw` the way CPython decodes a source file; raise SourceError if it would refuse it."""
    nul_at = raw.find(b"\0")
    if nul_at != -1:
        raise SourceError(path, "source contains a NUL byte", line=_line_of_offset(raw, nul_at))

    encoding = _detect_encoding(raw, path)
    bom = raw.startswith(codecs.BOM_UTF8)
    body_start = len(codecs.BOM_UTF8) if bom else 0
    codec = _body_codec(encoding)
    try:
        text = raw[body_start:].decode(codec)
    except UnicodeDecodeError as error:
        offset = body_start + error.start
        line = _line_of_offset(raw, offset)
        raise SourceError(
            path, f"cannot decode as {codec}: invalid byte 0x{raw[offset]:02x} at line {line}", line=line
        ) from error
    except LookupError as error:  # a codec that exists but is not for text, e.g. rot13
        cookie = _find_cookie(raw)
        raise SourceError(
            path,
            f"encoding '{encoding}' in coding cookie is not a text encoding",
            line=cookie[0] if cookie else None,
        ) from error
    return SourceFile(path=path, raw=raw, text=text, encoding=encoding, bom=bom)


def read_source(path: str | os.PathLike) -> SourceFile:
    """Read and decode one file; every failure is a SourceError naming the file."""
    return decode_source(read_bytes(path), _shown(path))


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's bytes; every failure is a SourceError naming the file."""
    shown = _shown(path)
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise SourceError(shown, _describe_read_error(error, path)) from error
    except ValueError as error:  # e.g. an embedded NUL in the path
        raise SourceError(shown, f"invalid path: {error}") from error


def encode_source(source: SourceFile, new_text: str) -> bytes:
    """Encode `new_text` like `source` was encoded: same codec, BOM written exactly once if it had one."""
    codec = _body_codec(source.encoding)
    try:
        body = new_text.encode(codec)
    except UnicodeEncodeError as error:
        char = error.object[error.start]
        line = _line_of_offset(error.object, error.start)
        raise SourceError(
            source.path,
            f"cannot encode as {codec}: character {char!r} (U+{ord(char):04X}) at line {line}",
            line=line,
        ) from error
    except LookupError as error:
        raise SourceError(source.path, f"cannot encode as {codec}: {error}") from error
    return codecs.BOM_UTF8 + body if source.bom else body


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Replace the file at `path` with `data` in one rename, keeping its permission bits.

    A symlink is written through (its target is replaced), so the link stays a link. On any
    failure the original file is untouched, the temporary file is removed and SourceError raised.
    """
    shown = _shown(path)
    target = os.path.realpath(path)
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise SourceError(shown, f"cannot write: {_describe_write_error(error)}") from error

    if existing is not None:
        if stat.S_ISDIR(existing.st_mode):
            raise SourceError(shown, "cannot write: is a directory")
        if not stat.S_ISREG(existing.st_mode):
            # Renaming over a FIFO or device would swap it for a plain file.
            raise SourceError(shown, "cannot write: not a regular file")
        if not os.access(target, os.W_OK):
            # Renaming would bypass the read-only bit; refuse like an in-place write would.
            raise SourceError(shown, "cannot write: permission denied")
        mode = stat.S_IMODE(existing.st_mode)
    else:
        mode = 0o666 & ~_current_umask()

    directory, name = os.path.split(target)
    temp_path: str | None = None
    try:
        fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=TEMP_SUFFIX)
        with _open_fd(fd) as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if existing is not None:
            _copy_owner(temp_path, existing)
        os.chmod(temp_path, mode)
        os.replace(temp_path, target)
        temp_path = None
    except BaseException as error:
        if temp_path is not None:
            _remove_quietly(temp_path)
        if isinstance(error, OSError):
            raise SourceError(shown, f"cannot write: {_describe_write_error(error)}") from error
        raise
    _fsync_directory(directory)


def _detect_encoding(raw: bytes, path: str) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(_readline(raw))
    except SyntaxError as error:
        return _explain_detection_failure(raw, path, error)
    return encoding


def _explain_detection_failure(raw: bytes, path: str, error: SyntaxError) -> str:
    """Turn detect_encoding's SyntaxError into a SourceError, or the codec whose decode will say why."""
    bom = raw.startswith(codecs.BOM_UTF8)
    cookie = _find_cookie(raw)
    if cookie is None:
        # Line 1 or 2 is not UTF-8: decoding as UTF-8 reports the exact byte and line.
        return "utf-8-sig" if bom else "utf-8"
    line, name = cookie
    try:
        codecs.lookup(name)
    except LookupError:
        raise SourceError(path, f"unknown encoding '{name}' in coding cookie", line=line) from error
    if bom:
        raise SourceError(path, f"coding cookie '{name}' conflicts with the UTF-8 BOM", line=line) from error
    raise SourceError(path, f"invalid encoding declaration: {error.msg}", line=line) from error


def _find_cookie(raw: bytes) -> tuple[int, str] | None:
    """(line, name) of the PEP 263 cookie, following detect_encoding's rules."""
    lines = _split_lines(raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw)
    for number, line in enumerate(lines, start=1):
        if number > 2:
            break
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            return None
        match = _COOKIE_RE.match(decoded)
        if match:
            return number, match.group(1)
        if not _BLANK_RE.match(line):
            break
    return None


def _readline(raw: bytes) -> Callable[[], bytes]:
    lines = _split_lines(raw)
    return lambda: next(lines, b"")


def _split_lines(raw: bytes) -> Iterator[bytes]:
    return (match.group() for match in _LINE_RE.finditer(raw))


def _body_codec(encoding: str) -> str:
    # The BOM is handled separately (stripped on read, prepended on write) so it appears once.
    return "utf-8" if encoding.lower().replace("_", "-") == "utf-8-sig" else encoding


def _line_of_offset(data: bytes | str, offset: int) -> int:
    """1-based line of data[offset]; "\\r\\n", "\\r" and "\\n" each end one line."""
    before = data[:offset]
    if isinstance(before, bytes):
        return 1 + before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n")
    return 1 + before.count("\n") + before.count("\r") - before.count("\r\n")


def _shown(path: str | os.PathLike) -> str:
    return os.fsdecode(path)


def _describe_read_error(error: OSError, path: str | os.PathLike) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, PermissionError):
        # Windows reports opening a directory as a permission error.
        return "is a directory" if os.path.isdir(path) else "permission denied"
    return _strerror(error)


def _describe_write_error(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return _strerror(error)


def _strerror(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _open_fd(fd: int) -> io.BufferedWriter:
    try:
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def _copy_owner(temp_path: str, existing: os.stat_result) -> None:
    """Keep the file's owner when we may (e.g. running as root); a user can't, and need not."""
    if not hasattr(os, "chown"):
        return
    temp = os.stat(temp_path)
    if (temp.st_uid, temp.st_gid) == (existing.st_uid, existing.st_gid):
        return
    try:
        os.chown(temp_path, existing.st_uid, existing.st_gid)
    except OSError:
        pass


def _current_umask() -> int:
    # os.umask can only be read by setting it; restore at once (the tool is single-threaded).
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; best effort (not possible on Windows, some filesystems refuse)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
