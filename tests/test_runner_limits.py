"""How much runs at once: --jobs never exceeds the CPUs available or the files, and a huge file is
analysed alone, after the pool, with its time shown by --verbose."""

from __future__ import annotations

import concurrent.futures
import os

import pytest

from bn_codemod import runner
from bn_codemod.cli import main

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
PADDING = "# " + "padding " * 5000 + "\n"  # 40 kB: enough, over a few files, for the pool to be used


class RecordingPool:
    """Stands in for ProcessPoolExecutor: records what it is asked, runs the work in this process."""

    events: list = []

    def __init__(self, max_workers, mp_context=None):
        self.events.append(("workers", max_workers))

    def __enter__(self):
        self.events.append(("pool opened",))
        return self

    def __exit__(self, *exc):
        self.events.append(("pool closed",))
        return False

    def map(self, function, items, chunksize=1):
        items = list(items)
        self.events.append(("in the pool", sorted(os.path.basename(item[0]) for item in items)))
        return [function(item) for item in items]


@pytest.fixture
def pool(monkeypatch):
    RecordingPool.events = []
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", RecordingPool)
    return RecordingPool.events


def _files(directory, count: int, extra: str = PADDING) -> None:
    for index in range(count):
        (directory / f"m{index}.py").write_text(MODEL + extra)


def test_jobs_are_capped_at_the_cpus_this_process_may_use(tmp_path, monkeypatch, pool):
    _files(tmp_path, 5)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)

    assert main(["--check", "--no-cache", "--jobs", "10000", "."]) == 1

    assert pool[0] == ("workers", 3)


def test_jobs_are_capped_at_the_number_of_files(tmp_path, monkeypatch, pool):
    _files(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)

    assert main(["--check", "--no-cache", "--jobs", "10000", "."]) == 1

    assert pool[0] == ("workers", 2)


def test_without_sched_getaffinity_the_cpu_count_caps_the_jobs(tmp_path, monkeypatch, pool):
    _files(tmp_path, 5)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)

    assert main(["--check", "--no-cache", "--jobs", "10000", "."]) == 1

    assert pool[0] == ("workers", 4)


def test_a_huge_file_is_analysed_alone_after_the_pool(tmp_path, monkeypatch, pool, capsys):
    _files(tmp_path, 3)
    huge = MODEL + '"""\n' + "data " * (runner.HUGE_FILE_BYTES // 5) + '\n"""\nlast = nn.BatchNorm1d(4)\n'
    (tmp_path / "huge.py").write_text(huge)
    assert len(huge) > runner.HUGE_FILE_BYTES
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    real_process = runner._process_raw

    def recording_process(path, *args):
        if path.endswith("huge.py"):
            pool.append(("analysed", "huge.py"))
        return real_process(path, *args)

    monkeypatch.setattr(runner, "_process_raw", recording_process)
    code = main(["--check", "--no-cache", "--verbose", "--jobs", "2", "."])

    assert code == 1
    assert pool == [
        ("workers", 2), ("pool opened",), ("in the pool", ["m0.py", "m1.py", "m2.py"]), ("pool closed",),
        ("analysed", "huge.py"),
    ]
    out, err = capsys.readouterr()
    assert "huge.py:3:8: BN001" in out and f"huge.py:{huge.count(chr(10))}:8: BN001" in out
    [timing] = err.splitlines()
    assert timing.startswith("bn-codemod: huge.py: huge file, analysed alone in ") and timing.endswith(" s")


def test_without_verbose_nothing_is_said_about_timing(tmp_path, monkeypatch, capsys):
    (tmp_path / "huge.py").write_text(MODEL + "#" * runner.HUGE_FILE_BYTES + "\n")
    monkeypatch.chdir(tmp_path)

    assert main(["--check", "--no-cache", "huge.py"]) == 1
    assert capsys.readouterr().err == ""
