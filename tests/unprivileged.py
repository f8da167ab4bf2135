"""Permission cases that mean the same for every caller: as root (CI), the test body runs in a forked
child that has dropped to the `nobody` user, since root reads and writes through any mode bits.

A fork, not a new interpreter: the child keeps the modules already imported, so it needs no read access
to the Python installation (root's home, where it may live, is often mode 0700).
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _unprivileged_ids() -> tuple[int, int]:
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


@pytest.fixture
def unprivileged_tmp_path(tmp_path: Path) -> Iterator[Path]:
    """A scratch directory the unprivileged user owns (pytest's own tmp_path is root's, mode 0700)."""
    if not IS_ROOT:
        yield tmp_path
        return
    directory = Path(tempfile.mkdtemp(prefix="bn-codemod-unprivileged-"))
    os.chown(directory, *_unprivileged_ids())
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_unprivileged(body: Callable[[], None], cwd: Path, groups: tuple[int, ...] = ()) -> None:
    """Run `body` in `cwd` as the unprivileged user when we are root, else here; its failures fail the test.
    `groups`: supplementary groups the user is given (as root only)."""
    if not IS_ROOT:
        previous = os.getcwd()
        os.chdir(cwd)
        try:
            body()
        finally:
            os.chdir(previous)
        return
    uid, gid = _unprivileged_ids()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups(list(groups))
            os.setgid(gid)
            os.setuid(uid)
            assert (os.getuid(), os.geteuid()) == (uid, uid), "still privileged"
            os.chdir(cwd)
            body()
            code = 0
        except BaseException:  # noqa: BLE001 - any failure must reach the parent, not pytest in the child
            os.write(write_end, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read().decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        pytest.fail(f"as user nobody (uid {uid}):\n{report}", pytrace=False)

