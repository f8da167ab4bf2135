"""Two runs over the same files at once, and failures at every step of a write: a file is always either
its original or its complete fixed version, and no temporary file is left behind."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import subprocess
import threading

import pytest

from bn_codemod import source as source_module
from bn_codemod.analysis import analyze
from bn_codemod.source import TEMP_SUFFIX, SourceError, write_atomic
from cli_helpers import console_script

FILES = 50
ROUNDS = 3
# Over 400 kB in all, so that a run on several cores uses its process pool; a docstring parses fast.
FILLER = '"""' + "Padding text.\n" * 800 + '"""\n\n' + "".join(f"def helper_{i}(x):\n    return x + {i}\n\n" for i in range(5))
SHAPES = (
    "{filler}import torch.nn as nn\n\nnorm = nn.BatchNorm2d({n})\n",
    "from torch import nn\n\n{filler}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.bn = nn.BatchNorm1d(\n            {n},\n            eps=1e-3,\n        )\n",
    "import torch.nn as nn\n\n{filler}def make(norm_layer=nn.BatchNorm2d):\n    return norm_layer({n})\n",
    "import torch.nn as nn\n\n{filler}norm = nn.BatchNorm2d({n}, track_running_stats=False)\n",  # already fixed
    "import os\n\n{filler}value = {n}\n",  # nothing to do
)


def originals() -> dict[str, bytes]:
    return {
        f"m{i:02d}.py": SHAPES[i % len(SHAPES)].format(filler=FILLER, n=i + 1).encode() for i in range(FILES)
    }


def leftovers(directory) -> list[str]:
    """Temporary files of the writer or of the cache, anywhere below `directory`."""
    return sorted(
        str(p.relative_to(directory)) for p in directory.rglob("*") if p.name.endswith((TEMP_SUFFIX, ".tmp"))
    )


def test_two_runs_fixing_the_same_files_at_once_agree(tmp_path):
    files = originals()
    expected = {name: analyze(content.decode()).new_source.encode() for name, content in files.items()}
    assert sum(expected[name] != files[name] for name in files) == 30, "three of the five shapes get fixed"

    for round_number in range(ROUNDS):
        for name, content in files.items():
            (tmp_path / name).write_bytes(content)
        torn: list[str] = []
        stop = threading.Event()

        def watch() -> None:
            # Every read while both runs write must see one whole version of the file.
            while not stop.is_set():
                for name in files:
                    try:
                        seen = (tmp_path / name).read_bytes()
                    except FileNotFoundError:
                        torn.append(f"{name} missing")
                        continue
                    if seen not in (files[name], expected[name]):
                        torn.append(f"{name}: {len(seen)} bytes")

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            runs = [
                subprocess.Popen([console_script(), "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)
            ]
            results = [run.communicate(timeout=300) for run in runs]
        finally:
            stop.set()
            watcher.join()

        for run, (_out, err) in zip(runs, results):
            assert b"Traceback" not in err, err.decode()
            assert (run.returncode, err) == (0, b""), f"round {round_number}: {err.decode()}"
        assert torn == [], f"round {round_number}"
        assert {name: (tmp_path / name).read_bytes() for name in files} == expected, f"round {round_number}"
        assert leftovers(tmp_path) == []
        for cache_file in (tmp_path / ".bn_codemod_cache").glob("*.json"):
            json.loads(cache_file.read_text(encoding="utf-8"))  # never a half-written cache either


# Fault injection: each step of write_atomic fails in turn.
ORIGINAL = b"import torch.nn as nn\nnorm = nn.BatchNorm2d(8)\n"
NEW = b"import torch.nn as nn\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"


class _HalfWriter(io.RawIOBase):
    """Writes half of what it is given to the real file, then fails, like a disk filling up."""

    def __init__(self, stream, error: BaseException):
        self._stream = stream
        self._error = error

    def write(self, data) -> int:
        self._stream.write(bytes(data[: len(data) // 2]))
        self._stream.flush()
        raise self._error

    def fileno(self) -> int:
        return self._stream.fileno()

    def close(self) -> None:
        self._stream.close()
        super().close()


def _fail_when(function, applies, error: BaseException):
    def failing(*args, **kwargs):
        if applies(*args):
            raise error
        return function(*args, **kwargs)

    return failing


def _is_directory_fd(fd, *rest) -> bool:
    return stat.S_ISDIR(os.fstat(fd).st_mode)


# (step, patch target, which calls fail, whether the rename has already happened)
STEPS = [
    ("create temporary file", (source_module.tempfile, "mkstemp"), lambda *args: True, False),
    ("write", None, None, False),
    ("fsync file", (os, "fsync"), lambda fd: not _is_directory_fd(fd), False),
    ("chmod", (os, "chmod"), lambda *args: True, False),
    ("rename", (os, "replace"), lambda *args: True, False),
    ("open directory to fsync", (os, "open"), lambda path, *rest: os.path.isdir(path), True),
    ("fsync directory", (os, "fsync"), _is_directory_fd, True),
]
ERRORS = {
    "disk full": lambda: OSError(errno.ENOSPC, "No space left on device"),
    "interrupt": KeyboardInterrupt,
}


@pytest.mark.parametrize("error_name", sorted(ERRORS))
@pytest.mark.parametrize("step, target, applies, renamed", STEPS, ids=[step[0] for step in STEPS])
def test_a_failure_at_any_step_leaves_a_whole_file_and_no_temporary_file(
    tmp_path, monkeypatch, step, target, applies, renamed, error_name
):
    path = tmp_path / "model.py"
    path.write_bytes(ORIGINAL)
    error = ERRORS[error_name]()
    if target is None:
        real_open_fd = source_module._open_fd
        monkeypatch.setattr(source_module, "_open_fd", lambda fd: _HalfWriter(real_open_fd(fd), error))
    else:
        owner, name = target
        monkeypatch.setattr(owner, name, _fail_when(getattr(owner, name), applies, error))

    # After the rename only the durability of the directory entry is at stake: the write stands.
    swallowed = renamed and isinstance(error, OSError)
    if swallowed:
        write_atomic(path, NEW)
    else:
        with pytest.raises(SourceError if isinstance(error, OSError) else KeyboardInterrupt) as caught:
            write_atomic(path, NEW)
        if isinstance(error, OSError):
            assert str(caught.value) == f"{path}: cannot write: No space left on device"

    monkeypatch.undo()
    assert path.read_bytes() == (NEW if renamed else ORIGINAL)
    assert sorted(os.listdir(tmp_path)) == ["model.py"]
