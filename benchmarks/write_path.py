#!/usr/bin/env python3
"""What issue 11's safety costs: two builds of bn-codemod side by side on one tree, as ratios.

    python benchmarks/write_path.py DIR --baseline SRC --candidate SRC [--repeat N] [--huge-lines N]

SRC is a directory holding a `bn_codemod` package (e.g. a checkout of main and of a branch); both run
as `python -m bn_codemod` with this interpreter and PYTHONPATH=SRC, so only the package differs.
Every run works on a fresh temporary copy of DIR: DIR itself is never modified. Rows:

- fix, cold: `bn-codemod --no-cache .` (rewrites files: compare-before-replace runs for each);
- check, warm: `bn-codemod --check .` with the cache filled (the code-hash key and entry validation);
- in-process, candidate only: the time of write_atomic with and without the compare-before-replace
  check (`read=`) over the files the fix changes, and of cache.code_hash();
- huge file: a generated module of --huge-lines lines (11-line classes with two BatchNorm2d each)
  checked alone (`--check --no-cache --verbose`), and beside DIR with `-j2`, with the peak memory of
  the whole process tree (PSS, sampled from /proc): a file above HUGE_FILE_BYTES is analysed after
  the pool, so the peaks no longer add up. --huge-lines 0 skips it (150,000 lines takes minutes).

It reports medians of wall and CPU time (user + system, children included) and never asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).parent))
from run import run_once  # noqa: E402  (same directory; standard library only)

_WRITE_MICRO = r"""
import sys, time
from bn_codemod.runner import Mode, _process_raw
from bn_codemod.config import Settings
from bn_codemod.source import read_file, write_atomic
from bn_codemod.cache import code_hash
started = time.perf_counter(); code_hash(); hash_seconds = time.perf_counter() - started
paths = [line for line in open(sys.argv[1]).read().splitlines() if line]
fixes = []
for path in paths:
    snapshot = read_file(path)
    outcome, _ = _process_raw(path, snapshot.raw, Mode.FIX, Settings())
    if outcome.changed:
        fixes.append((path, snapshot, outcome.new_bytes))
totals = {"plain": [], "checked": []}
for _ in range(int(sys.argv[2])):
    for kind in ("plain", "checked", "plain", "checked"):
        total = 0.0
        for path, snapshot, new in fixes:
            with open(path, "wb") as stream:
                stream.write(snapshot.raw)
            snapshot = read_file(path)
            started = time.perf_counter()
            write_atomic(path, new, read=snapshot if kind == "checked" else None)
            total += time.perf_counter() - started
        totals[kind].append(total)
print(len(fixes), min(totals["plain"]), min(totals["checked"]), hash_seconds)
"""


def huge_module(lines: int) -> str:
    out = ["import torch.nn as nn", ""]
    index = 0
    while len(out) < lines:
        out += [
            f"class Block{index}(nn.Module):",
            "    def __init__(self, c):",
            "        super().__init__()",
            "        self.conv = nn.Conv2d(c, c, 3, padding=1)",
            "        self.bn1 = nn.BatchNorm2d(c)",
            "        self.bn2 = nn.BatchNorm2d(c, eps=1e-3)",
            "",
            "    def forward(self, x):",
            "        return self.bn2(self.conv(self.bn1(x)))",
            "",
            "",
        ]
        index += 1
    return "\n".join(out) + "\n"


def fresh_copy(tree: str, scratch: str, name: str) -> str:
    target = os.path.join(scratch, name)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tree, target, symlinks=True, ignore=shutil.ignore_patterns(".git", ".bn_codemod_cache"))
    subprocess.run(["git", "init", "-q", target], check=True)  # a project root, as in real use
    return target


def timed(command: list[str], cwd: str, env: dict, sample_tree: bool = False) -> tuple[float, float, Optional[int], int]:
    sample = run_once(command, cwd, sample_tree=sample_tree, env=env)
    return sample.wall, sample.cpu or 0.0, sample.tree_rss_kib or sample.rss_kib, sample.exit_code


def median_row(label: str, samples: dict[str, list[tuple]]) -> str:
    def med(build: str, column: int) -> float:
        return statistics.median(sample[column] for sample in samples[build])

    base_wall, cand_wall = med("baseline", 0), med("candidate", 0)
    base_cpu, cand_cpu = med("baseline", 1), med("candidate", 1)
    return (
        f"| {label} | {base_wall:.3f} / {base_cpu:.3f} | {cand_wall:.3f} / {cand_cpu:.3f} "
        f"| {cand_wall / base_wall:.2f}x / {cand_cpu / base_cpu:.2f}x |"
    )


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--baseline", required=True, help="directory holding the baseline bn_codemod package")
    parser.add_argument("--candidate", required=True, help="directory holding the candidate bn_codemod package")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--huge-lines", type=int, default=0, help="lines of the generated huge module (0: skip)")
    options = parser.parse_args(argv)

    builds = {name: os.path.abspath(getattr(options, name)) for name in ("baseline", "candidate")}
    envs = {name: {**os.environ, "PYTHONPATH": path} for name, path in builds.items()}
    tool = [sys.executable, "-m", "bn_codemod"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bn-write-bench-") as scratch:
        fix: dict[str, list[tuple]] = {"baseline": [], "candidate": []}
        warm: dict[str, list[tuple]] = {"baseline": [], "candidate": []}
        for round_number in range(options.repeat):
            for build in ("baseline", "candidate") if round_number % 2 == 0 else ("candidate", "baseline"):
                copy = fresh_copy(options.directory, scratch, build)
                fix[build].append(timed([*tool, "--no-cache", "--quiet", "."], copy, envs[build]))
                copy = fresh_copy(options.directory, scratch, build)
                subprocess.run([*tool, "--check", "--quiet", "."], cwd=copy, env=envs[build])  # fills the cache
                warm[build].append(timed([*tool, "--check", "--quiet", "."], copy, envs[build]))
                print(f"round {round_number + 1}: {build} fix {fix[build][-1][0]:.3f} s, warm {warm[build][-1][0]:.3f} s",
                      file=sys.stderr, flush=True)
        rows.append(median_row("fix, cold (`--no-cache`)", fix))
        rows.append(median_row("check, warm cache", warm))

        copy = fresh_copy(options.directory, scratch, "micro")
        listing = os.path.join(scratch, "files.txt")
        Path(listing).write_text("\n".join(str(p) for p in Path(copy).rglob("*.py")))
        result = subprocess.run([sys.executable, "-c", _WRITE_MICRO, listing, str(options.repeat)],
                                env=envs["candidate"], capture_output=True, text=True, check=True)
        count, plain, checked, hash_seconds = result.stdout.split()
        micro = (f"in-process, {count} fixed files: write_atomic {float(plain) * 1000:.1f} ms plain, "
                 f"{float(checked) * 1000:.1f} ms with compare-before-replace ({float(checked) / float(plain):.2f}x); "
                 f"code_hash() {float(hash_seconds) * 1000:.2f} ms")

        huge_rows = []
        if options.huge_lines:
            text = huge_module(options.huge_lines)
            alone = os.path.join(scratch, "huge")
            os.makedirs(alone)
            Path(alone, "huge.py").write_text(text)
            wall, cpu, rss, code = timed([*tool, "--check", "--no-cache", "--quiet", "--verbose", "huge.py"], alone,
                                         envs["candidate"])
            huge_rows.append(f"huge module alone ({options.huge_lines:,} lines, {len(text) / 1e6:.1f} MB), candidate "
                             f"`--check`: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss / 1024:.0f} MiB, exit {code}")
            for build in ("baseline", "candidate"):
                copy = fresh_copy(options.directory, scratch, build)
                Path(copy, "huge.py").write_text(text)
                wall, cpu, rss, code = timed([*tool, "--check", "--no-cache", "--quiet", "-j2", "."], copy,
                                             envs[build], sample_tree=True)
                huge_rows.append(f"huge module beside DIR, `-j2`, {build}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                                 f"peak process-tree PSS {rss / 1024:.0f} MiB, exit {code}")

    print(f"\n{options.directory}: median of {options.repeat} runs, wall s / CPU s (load average "
          f"{os.getloadavg()[0]:.1f})\n")
    print("| command | baseline | candidate | candidate / baseline |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\n{micro}")
    for row in huge_rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
