"""Running the installed console script the way a user does."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def console_script() -> str:
    """The `bn-codemod` installed next to this interpreter (`pip install -e '.[test]'`)."""
    beside_python = Path(sys.executable).parent / "bn-codemod"
    found = str(beside_python) if beside_python.exists() else shutil.which("bn-codemod")
    assert found, "bn-codemod is not installed: run `pip install -e '.[test]'` (see README)"
    return found


@dataclass
class Result:
    code: int
    out: str
    err: str
    raw_out: bytes

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(*args: str, cwd: Path, stdin: bytes = b"") -> Result:
    completed = subprocess.run(
        [console_script(), *args], cwd=cwd, input=stdin, capture_output=True, timeout=120
    )
    err = completed.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return Result(completed.returncode, completed.stdout.decode("utf-8", "replace"), err, completed.stdout)


# Permission cases: root (as CI runs) may write anything, so they also run without that power.
UNPRIVILEGED_ID = 65534  # "nobody" on Debian, Ubuntu and Fedora


@functools.lru_cache(maxsize=None)
def unprivileged_prefix() -> tuple[str, ...]:
    """A command prefix that runs a program without the power to override file permissions.

    Not root: nothing to drop. Root: `setpriv` to uid/gid 65534, or, where that user cannot read
    the interpreter or this checkout (e.g. a clone under /root), stay uid 0 but drop every
    capability: a process without CAP_DAC_OVERRIDE obeys mode bits like any user.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: setpriv (util-linux) is needed to test permissions unprivileged"
    as_nobody = (setpriv, f"--reuid={UNPRIVILEGED_ID}", f"--regid={UNPRIVILEGED_ID}", "--clear-groups")
    probe = subprocess.run([*as_nobody, console_script(), "--version"], capture_output=True, cwd="/")
    if probe.returncode == 0:
        return as_nobody
    return (setpriv, "--bounding-set=-all", "--inh-caps=-all")


def hand_over(root: Path) -> None:
    """Make `root` and everything below it belong to the unprivileged user (when it is another uid)."""
    prefix = unprivileged_prefix()
    if not any(part.startswith("--reuid") for part in prefix):
        return
    for path in [root, *root.rglob("*")]:
        os.lchown(path, UNPRIVILEGED_ID, UNPRIVILEGED_ID)


def run_unprivileged(*args: str, cwd: Path) -> Result:
    completed = subprocess.run(
        [*unprivileged_prefix(), console_script(), *args], cwd=cwd, capture_output=True, timeout=120
    )
    err = completed.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return Result(completed.returncode, completed.stdout.decode("utf-8", "replace"), err, completed.stdout)
