"""Bytes in and out of user files: decode like CPython does, write back without losing code.

Text keeps its original newlines ("\\r\\n" stays "\\r\\n") and re-encodes in the original
encoding, so an unchanged file round-trips byte for byte. Writes go to a temporary file in the
target's directory and are renamed over it: a crash or a full disk never leaves a half file. A file
read with `read_file` is replaced only if it is still exactly what was read (compare-before-replace).
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
CHANGED_DURING_RUN = "changed while bn-codemod was running; run it again"
READ_ONLY = "read-only, not rewritten"
# Flags missing on some platforms count as 0. O_NONBLOCK: opening a FIFO must not wait for a writer.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

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


@dataclass(frozen=True)
class FileSnapshot:
    """A file as it was read. `write_atomic` replaces it only while it is still exactly this."""

    path: str  # as given
    target: str  # the name renamed over: `path`, or the file its symlink led to when it was read
    via_link: bool  # `path` was a symlink when it was read
    raw: bytes
    identity: tuple[int, int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns, st_mode


def _identity(status: os.stat_result) -> tuple[int, int, int, int, int]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_mode)


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
    return read_file(path).raw


def read_file(path: str | os.PathLike) -> FileSnapshot:
    """The file's bytes and what it was when read. Only regular files are read (a FIFO, a device or
    a directory is a SourceError, never a hang); a symlink is followed, and its target recorded."""
    shown = _shown(path)
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
        target = os.path.realpath(path) if is_link else os.fspath(path)
        # O_NOFOLLOW: the name read is the name that will be replaced, never a link swapped in since.
        fd = os.open(target, _READ_FLAGS)
    except OSError as error:
        raise SourceError(shown, _describe_read_error(error, path)) from error
    except ValueError as error:  # e.g. an embedded NUL in the path
        raise SourceError(shown, f"invalid path: {error}") from error
    try:
        opened = os.fstat(fd)
        if stat.S_ISDIR(opened.st_mode):
            raise SourceError(shown, "is a directory")
        if not stat.S_ISREG(opened.st_mode):
            raise SourceError(shown, f"not a regular file ({_kind(opened.st_mode)}); only regular files are read")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            raw = stream.read()
    except OSError as error:
        raise SourceError(shown, _describe_read_error(error, path)) from error
    finally:
        os.close(fd)
    return FileSnapshot(shown, target, is_link, raw, _identity(opened))


def _kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a file")


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


def write_atomic(path: str | os.PathLike, data: bytes, read: FileSnapshot | None = None) -> None:
    """Replace the file at `path` with `data` in one rename, keeping its mode, owner and group.

    With `read`, the file is replaced only if it is still the file that was read (same device,
    inode, size, mtime, mode and bytes, checked just before the rename, never through a symlink
    that was not there when it was read); otherwise SourceError(CHANGED_DURING_RUN). Without it, a
    symlink is written through (its target is replaced), so the link stays a link. A file or
    directory without its owner's write bit is refused, whoever runs this (root included). On any
    failure the original file is untouched, the temporary file is removed and SourceError raised.
    """
    shown = _shown(path)
    target = read.target if read is not None else os.path.realpath(path)
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        if read is not None:
            raise SourceError(shown, CHANGED_DURING_RUN) from None  # a vanished file stays vanished
        existing = None
    except OSError as error:
        raise SourceError(shown, f"cannot write: {_describe_write_error(error)}") from error

    if existing is not None:
        if read is not None and _identity(existing) != read.identity:
            _changed_unless_done(shown, target, data)
            return
        if stat.S_ISDIR(existing.st_mode):
            raise SourceError(shown, "cannot write: is a directory")
        if not stat.S_ISREG(existing.st_mode):
            # Renaming over a FIFO or device would swap it for a plain file.
            raise SourceError(shown, "cannot write: not a regular file")
        _refuse_read_only(shown, target, existing)
        mode = stat.S_IMODE(existing.st_mode)
    else:
        mode = 0o666 & ~_current_umask()

    directory, name = os.path.split(target)
    temp_path: str | None = None
    try:
        fd, temp_path = tempfile.mkstemp(dir=directory or None, prefix=f".{name}.", suffix=TEMP_SUFFIX)
        with _open_fd(fd) as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if existing is not None:
            _copy_owner(temp_path, existing)
        os.chmod(temp_path, mode)
        # As late as possible: what lies between this check and the rename is one system call.
        if read is not None and not _still_as_read(read):
            _remove_quietly(temp_path)
            temp_path = None
            _changed_unless_done(shown, target, data)
            return
        os.replace(temp_path, target)
        temp_path = None
    except BaseException as error:
        if temp_path is not None:
            _remove_quietly(temp_path)
        if isinstance(error, OSError):
            raise SourceError(shown, f"cannot write: {_describe_write_error(error)}") from error
        raise
    _fsync_directory(directory or os.curdir)


def _refuse_read_only(shown: str, target: str, existing: os.stat_result) -> None:
    """The mode bits decide, not who runs us: root would otherwise rename over any read-only file."""
    if not existing.st_mode & stat.S_IWUSR:
        raise SourceError(shown, READ_ONLY)
    if not os.stat(os.path.dirname(target) or os.curdir).st_mode & stat.S_IWUSR:
        raise SourceError(shown, f"{READ_ONLY} (its directory is read-only)")
    if not os.access(target, os.W_OK):
        # Someone else's file: renaming would bypass its permissions; refuse like an in-place write.
        raise SourceError(shown, "cannot write: permission denied")


def _still_as_read(read: FileSnapshot) -> bool:
    """Whether `read.target` is still the very file and bytes read (and its link still leads there)."""
    if not _holds(read.target, read.raw, read.identity):
        return False
    if read.via_link:
        try:
            return _identity(os.stat(read.path)) == read.identity
        except OSError:
            return False
    return True


def _changed_unless_done(shown: str, target: str, data: bytes) -> None:
    """A changed file is left alone; it is an error unless it already holds exactly `data` (another
    run, e.g. a parallel pre-commit hook, made the same fix)."""
    if not _holds(target, data):
        raise SourceError(shown, CHANGED_DURING_RUN)


def _holds(path: str, content: bytes, identity: tuple | None = None) -> bool:
    """Whether `path` is a regular file, not a symlink, with exactly `content` (and `identity`)."""
    try:
        fd = os.open(path, _READ_FLAGS)  # O_NOFOLLOW: a symlink there is ELOOP, so False
    except OSError:
        return False
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or (identity is not None and _identity(status) != identity):
            return False
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read(len(content) + 1) == content
    finally:
        os.close(fd)


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
    """Keep the file's owner and group where we may: root can set both, a user only a group they
    are in; otherwise the new file is ours, as with any editor that saves by rename."""
    if not hasattr(os, "chown"):
        return
    temp = os.stat(temp_path)
    if (temp.st_uid, temp.st_gid) == (existing.st_uid, existing.st_gid):
        return
    for uid in (existing.st_uid, -1):  # -1: leave the owner, set the group only
        try:
            os.chown(temp_path, uid, existing.st_gid)
            return
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
