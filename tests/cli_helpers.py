"""Running the installed console script the way a user does."""

from __future__ import annotations

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


def main_captured(*args: str) -> Result:
    """bn_codemod.cli.main in this process (e.g. in unprivileged.run_unprivileged's child), its output captured."""
    import contextlib
    import io

    from bn_codemod.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue(), out.getvalue().encode())
