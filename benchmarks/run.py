#!/usr/bin/env python3
"""Side-by-side wall time and peak memory of bn-codemod and its peers on one source tree.

    python benchmarks/run.py DIR [--repeat N] [--torchfix PATH] [--ruff PATH] [--json OUT]

The tree is copied to a temporary directory first: caches land there, never in DIR, and nothing
(not even a buggy check mode) can modify DIR. Every command runs N times; the table shows the median
wall time, the median CPU time (user + system, children included), the peak RSS of the largest
single process (from /usr/bin/time -v, else from getrusage(RUSAGE_CHILDREN) in a tiny wrapper), and,
for bn-codemod, the peak of the summed memory of its whole process tree (PSS, so pages that forked
workers share count once; one extra run sampled from /proc every 10 ms, so --jobs workers count).

Other work on the machine inflates wall time far more than CPU time: the table shows both, and the
load average before and after.

This script only reports. It never asserts a timing and exits 0 whatever it measured (2 only when it
cannot run at all). Standard library only: run it with any Python 3.9+.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

DEFAULT_BN_CODEMOD = "/work/main/.venv/bin/bn-codemod"
GNU_TIME = "/usr/bin/time"
NEEDLE = b"BatchNorm"
STARTUP_FLOOR = "start-up floor: python -c 'import libcst'"
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".bn_codemod_cache", ".ruff_cache"}

# Runs a command and writes the children's peak RSS (KiB on Linux) and CPU seconds to the file named first.
_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}')\n"
    "sys.exit(code)\n"
)


@dataclass
class Row:
    name: str
    command: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the process tree, per run
    max_rss_kib: list[int] = field(default_factory=list)  # largest single process, per run
    tree_rss_kib: Optional[int] = None  # peak of the summed RSS of the process tree (sampled run)
    exit_codes: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times else None

    @property
    def median_cpu(self) -> Optional[float]:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def peak_mib(self) -> Optional[float]:
        return max(self.max_rss_kib) / 1024 if self.max_rss_kib else None


# ---------------------------------------------------------------------------------------------- runs


class TreeRssSampler(threading.Thread):
    """Peak of the summed PSS (else RSS) of `pid` and all its descendants, polled from /proc."""

    def __init__(self, pid: int, interval: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self._halt = threading.Event()
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.peak_kib = max(self.peak_kib, self._sample())
            except OSError:
                pass
            self._halt.wait(self.interval)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kib

    def _sample(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            fields = data[data.rfind(b")") + 2 :].split()
            pid = int(entry)
            parents[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * self._page_kib
        tree, frontier = {self.pid}, [self.pid]
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for child in children.get(frontier.pop(), ()):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        return sum(_pss_kib(pid, rss.get(pid, 0)) for pid in tree)


@dataclass
class Sample:
    wall: float
    cpu: Optional[float]  # user + system seconds of the command and its (waited-for) children
    rss_kib: Optional[int]  # peak RSS of its largest single process
    exit_code: int
    stderr_tail: str
    tree_rss_kib: Optional[int]  # peak of the summed RSS of its process tree (sampled runs only)


def _pss_kib(pid: int, fallback: int) -> int:
    """Proportional set size: pages shared by forked workers count once in the sum, not once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return fallback


def run_once(command: Sequence[str], cwd: str, sample_tree: bool = False, env: Optional[dict] = None) -> Sample:
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as handle:
        rss_file = handle.name
    try:
        if os.access(GNU_TIME, os.X_OK):
            wrapped = [GNU_TIME, "-v", "-o", rss_file, *command]
        else:
            wrapped = [sys.executable, "-c", _RUSAGE_WRAPPER, rss_file, *command]
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        sampler = TreeRssSampler(process.pid) if sample_tree else None
        if sampler:
            sampler.start()
        _, err = process.communicate()
        elapsed = time.perf_counter() - start
        tree_peak = sampler.stop() if sampler else None
        text = Path(rss_file).read_text(errors="replace")
    finally:
        os.unlink(rss_file)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    exit_match = re.search(r"Exit status: (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    rss: Optional[int] = None
    cpu: Optional[float] = None
    if match:
        rss = int(match.group(1))
        cpu = float(user.group(1)) + float(system.group(1)) if user and system else None
    elif re.fullmatch(r"\d+ [\d.]+", text.strip()):
        rss_text, cpu_text = text.split()
        rss, cpu = int(rss_text), float(cpu_text)
    code = process.returncode
    if exit_match:
        code = int(exit_match.group(1))
    elif "Command terminated by signal" in text:
        code = -1
    tail = err.decode(errors="replace").strip().splitlines()[-3:]
    return Sample(elapsed, cpu, rss, code, "\n".join(tail), tree_peak)


def measure(
    row: Row, command: Sequence[str], cwd: str, repeat: int, sample_tree: bool, env: Optional[dict] = None
) -> Row:
    print(f"  {row.name}: {' '.join(command)[:150]}", file=sys.stderr, flush=True)
    for index in range(repeat):
        sample = run_once(command, cwd, env=env)
        row.times.append(sample.wall)
        if sample.cpu is not None:
            row.cpu.append(sample.cpu)
        if sample.rss_kib is not None:
            row.max_rss_kib.append(sample.rss_kib)
        row.exit_codes.append(sample.exit_code)
        print(
            f"    run {index + 1}/{repeat}: {sample.wall:.3f} s wall, {sample.cpu or 0:.3f} s cpu, exit {sample.exit_code}",
            file=sys.stderr,
            flush=True,
        )
        if sample.exit_code not in (0, 1) and sample.stderr_tail:
            row.note = f"exit {sample.exit_code}: {sample.stderr_tail.splitlines()[-1][:120]}"
    if sample_tree and sys.platform.startswith("linux"):
        row.tree_rss_kib = run_once(command, cwd, sample_tree=True, env=env).tree_rss_kib
    return row


def python_grep_floor(root: str, repeat: int) -> Row:
    """The floor for any tool: read every .py file and search it for b"BatchNorm", in-process."""
    row = Row("grep floor (Python loop, in-process)", f"read every .py, `{NEEDLE.decode()!r} in data`")
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        hits = 0
        for directory, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(directory, name), "rb") as handle:
                        hits += NEEDLE in handle.read()
        row.times.append(time.perf_counter() - start)
        row.cpu.append(time.process_time() - cpu_start)
        row.exit_codes.append(0)
    row.note = f"{hits} files contain {NEEDLE.decode()}"
    return row


# ----------------------------------------------------------------------------------------- helpers


def tree_stats(root: str) -> dict:
    files = lines = size = 0
    with_needle: list[tuple[int, str]] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                data = handle.read()
            files += 1
            lines += data.count(b"\n")
            size += len(data)
            if NEEDLE in data:
                with_needle.append((len(data), os.path.relpath(path, root)))
    with_needle.sort(key=lambda item: (-item[0], item[1]))
    return {"py_files": files, "lines": lines, "bytes": size, "batchnorm_files": [p for _, p in with_needle]}


def typical_files(root: str, paths: list[str], count: int) -> list[str]:
    """The `count` files whose size is closest to the median size of `paths` (ties: by path)."""
    sizes = {path: os.path.getsize(os.path.join(root, path)) for path in paths}
    median = statistics.median(sizes.values())
    return sorted(paths, key=lambda path: (abs(sizes[path] - median), path))[:count]


def git_commit(directory: str) -> Optional[str]:
    if not shutil.which("git") or not os.path.exists(os.path.join(directory, ".git")):
        return None
    result = subprocess.run(
        ["git", "-C", directory, "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or None if result.returncode == 0 else None


def tool_version(command: Sequence[str]) -> str:
    try:
        result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"


def bn_codemod_features(executable: str) -> set[str]:
    result = subprocess.run([executable, "--help"], capture_output=True, text=True, check=False)
    return {flag for flag in ("--no-cache", "--cache-dir", "--jobs", "--force-exclude") if flag in result.stdout}


def sibling_python(executable: str) -> Optional[str]:
    """The interpreter of a console script (its shebang), to ask bn_codemod itself for counts."""
    try:
        first = Path(executable).read_text(errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return None
    return first[2:].strip().split()[0] if first.startswith("#!") else None


_COUNT_SNIPPET = """
import json, sys
from bn_codemod.files import discover_files
from bn_codemod.analysis import may_have_findings
paths, _ = discover_files(["."])
passing = 0
for path in paths:
    with open(path, "rb") as handle:
        passing += may_have_findings(handle.read())
print(json.dumps({"discovered": len(paths), "pass_prefilter": passing}))
"""


def prefilter_counts(executable: str, cwd: str) -> Optional[dict]:
    python = sibling_python(executable)
    if not python:
        return None
    result = subprocess.run([python, "-c", _COUNT_SNIPPET], cwd=cwd, capture_output=True, text=True, check=False)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return None


def files_with_findings(stdout: str) -> int:
    match = re.search(r"Found \d+ issues? in (\d+) files?", stdout)
    return int(match.group(1)) if match else 0


# ------------------------------------------------------------------------------------------ report


def fmt(value: Optional[float], digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def ratio(numerator: Optional[Row], denominator: Optional[Row], cpu: bool = False) -> Optional[float]:
    if not numerator or not denominator:
        return None
    top, bottom = (numerator.median_cpu, denominator.median_cpu) if cpu else (numerator.median, denominator.median)
    return top / bottom if top and bottom else None


def markdown(meta: dict, rows: list[Row]) -> str:
    out = [
        f"### {meta['name']}",
        "",
        f"- tree: `{meta['source']}`" + (f" at commit `{meta['commit']}`" if meta.get("commit") else ""),
        f"- {meta['py_files']} .py files, {meta['lines']} lines, {meta['bytes'] / 1e6:.1f} MB; "
        f"{len(meta['batchnorm_files'])} files contain `BatchNorm`",
    ]
    if meta.get("prefilter"):
        p = meta["prefilter"]
        out.append(
            f"- bn-codemod discovers {p['discovered']} files, {p['pass_prefilter']} pass the prefilter, "
            f"{meta.get('files_with_findings', '?')} have findings"
        )
    out += [
        f"- {meta['runs']} runs each (torchfix: {meta['peer_runs']}); {meta['machine']}; 1-min load average "
        f"{meta['load_before'][0]:.2f} before, {meta['load_after'][0]:.2f} after (other work on the machine "
        "inflates wall time, not CPU time)",
        *([f"- {meta['bytecode']}"] if meta.get("bytecode") else []),
        "",
        "| command | runs | median wall s | min s | max s | median CPU s | peak RSS, largest process MiB "
        "| peak PSS, process tree MiB | exit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        tree = fmt(row.tree_rss_kib / 1024, 0) if row.tree_rss_kib else "–"
        codes = ",".join(sorted({str(c) for c in row.exit_codes}))
        out.append(
            f"| {row.name} | {len(row.times)} | {fmt(row.median, 3)} | {fmt(min(row.times) if row.times else None, 3)} "
            f"| {fmt(max(row.times) if row.times else None, 3)} | {fmt(row.median_cpu, 3)} | {fmt(row.peak_mib, 0)} "
            f"| {tree} | {codes}"
            + (f" {row.note}" if row.note else "")
            + " |"
        )
    by_key = {row.name.split(" (")[0]: row for row in rows}
    cold, warm = by_key.get("bn-codemod cold"), by_key.get("bn-codemod warm")
    cold1, torchfix, ruff = by_key.get("bn-codemod cold -j1"), by_key.get("torchfix"), by_key.get("ruff E9")
    precommit = next((row for row in rows if row.name.startswith("pre-commit") and "typical" in row.name), None)
    worst = next((row for row in rows if row.name.startswith("pre-commit") and "largest" in row.name), None)
    floor = by_key.get("grep floor")
    startup = next((row for row in rows if row.name == STARTUP_FLOOR), None)
    above_startup = precommit.median - startup.median if precommit and startup and precommit.times else None
    peaks = [r.tree_rss_kib or 0 for r in rows if r.name.startswith(("bn-codemod", "pre-commit"))]
    peaks += [max(r.max_rss_kib) for r in rows if r.name.startswith(("bn-codemod", "pre-commit")) and r.max_rss_kib]
    out += [
        "",
        "| ratio | wall | CPU | issue 5 target (wall) |",
        "|---|---:|---:|---|",
        f"| torchfix / bn-codemod cold | {fmt(ratio(torchfix, cold), 1)}x | {fmt(ratio(torchfix, cold, True), 1)}x | >= 20x |",
        f"| bn-codemod warm / ruff E9 | {fmt(ratio(warm, ruff), 2)}x | {fmt(ratio(warm, ruff, True), 2)}x | <= 2x |",
        f"| pre-commit, {len(meta.get('precommit_typical_files', ()))} typical files | "
        f"{fmt(precommit.median if precommit else None, 3)} s | {fmt(precommit.median_cpu if precommit else None, 3)} s "
        "| < 0.5 s |",
        f"| pre-commit, {len(meta.get('precommit_largest_files', ()))} largest files (worst case) | "
        f"{fmt(worst.median if worst else None, 3)} s | {fmt(worst.median_cpu if worst else None, 3)} s | (context) |",
        f"| pre-commit, typical files, minus the start-up floor ({fmt(startup.median if startup else None, 3)} s) | "
        f"{fmt(above_startup, 3)} s | | (context) |",
        f"| bn-codemod peak memory (max over its rows) | {fmt(max(peaks) / 1024 if peaks else None, 0)} MiB | | < 200 MB |",
        f"| bn-codemod cold / grep floor | {fmt(ratio(cold, floor), 0)}x | {fmt(ratio(cold, floor, True), 0)}x | (context) |",
        f"| bn-codemod cold -j1 / cold (pool gain) | {fmt(ratio(cold1, cold), 2)}x | {fmt(ratio(cold1, cold, True), 2)}x | (context) |",
        f"| bn-codemod cold / warm | {fmt(ratio(cold, warm), 1)}x | {fmt(ratio(cold, warm, True), 1)}x | (context) |",
        "",
    ]
    return "\n".join(out)


# -------------------------------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default 3); the median is shown")
    parser.add_argument("--peer-repeat", type=int, help="runs of torchfix (default: --repeat); it is slow")
    parser.add_argument("--bn-codemod", default=DEFAULT_BN_CODEMOD, help=f"bn-codemod executable ({DEFAULT_BN_CODEMOD})")
    parser.add_argument("--torchfix", help="torchfix executable (default: on PATH)")
    parser.add_argument("--ruff", help="ruff executable (default: on PATH)")
    parser.add_argument(
        "--skip", action="append", default=[], help="skip rows (comma-separated): cold, j1, warm, precommit, torchfix, ruff, grep"
    )
    parser.add_argument("--name", help="label for the table (default: DIR's name)")
    parser.add_argument("--commit", help="the tree's commit, when DIR is not a git work tree (e.g. a git archive)")
    parser.add_argument("--precommit-files", type=int, default=10, help="files for the pre-commit case (default 10)")
    parser.add_argument("--no-tree-rss", action="store_true", help="skip the extra /proc-sampled run per bn-codemod row")
    parser.add_argument("--json", metavar="OUT", help="also write the raw measurements as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    options = parser.parse_args(argv)

    source = os.path.abspath(options.directory)
    if not os.path.isdir(source):
        print(f"error: {source} is not a directory", file=sys.stderr)
        return 2
    if not os.access(options.bn_codemod, os.X_OK):
        found = shutil.which(options.bn_codemod)
        if not found:
            print(f"error: bn-codemod not found at {options.bn_codemod}", file=sys.stderr)
            return 2
        options.bn_codemod = found
    repeat = max(1, options.repeat)
    peer_repeat = max(1, options.peer_repeat or repeat)
    skip = {item for value in options.skip for item in value.split(",")}
    torchfix = options.torchfix or shutil.which("torchfix")
    ruff = options.ruff or shutil.which("ruff")

    scratch = tempfile.mkdtemp(prefix="bn-bench-")
    tree = os.path.join(scratch, "tree")
    try:
        print(f"copying {source} to {tree}", file=sys.stderr)
        shutil.copytree(source, tree, symlinks=True, ignore=shutil.ignore_patterns(".git", ".bn_codemod_cache"))
        if shutil.which("git"):
            # A fresh, empty repository in the copy, so every tool applies the tree's .gitignore files
            # as in a real checkout (bn-codemod only reads them inside a repository).
            subprocess.run(["git", "init", "-q", tree], check=False)

        stats = tree_stats(tree)
        features = bn_codemod_features(options.bn_codemod)
        bn = [options.bn_codemod, "--check"]
        no_cache = ["--no-cache"] if "--no-cache" in features else []
        cache_dir = os.path.join(scratch, "cache")
        with_cache = ["--cache-dir", cache_dir] if "--cache-dir" in features else []
        meta = {
            "name": options.name or os.path.basename(source.rstrip("/")),
            "source": source,
            "commit": options.commit or git_commit(source),
            **stats,
            "runs": repeat,
            "peer_runs": peer_repeat,
            "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}",
            "versions": {
                "bn-codemod": tool_version([options.bn_codemod]),
                "torchfix": tool_version([torchfix]) if torchfix else None,
                "ruff": tool_version([ruff]) if ruff else None,
            },
            "bn_codemod_features": sorted(features),
            "prefilter": prefilter_counts(options.bn_codemod, tree),
        }
        # As installed by pip, which compiles bytecode: a machine-wide PYTHONDONTWRITEBYTECODE=1
        # would recompile bn-codemod's own modules (an editable install has no .pyc) on every run.
        bn_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        bn_env["PYTHONPYCACHEPREFIX"] = os.path.join(scratch, "pycache")
        meta["bytecode"] = "bn-codemod runs with PYTHONPYCACHEPREFIX in the scratch directory, warmed by the first run"
        findings_run = subprocess.run(
            [*bn, *no_cache, "."], cwd=tree, capture_output=True, text=True, check=False, env=bn_env
        )
        meta["files_with_findings"] = files_with_findings(findings_run.stdout)
        meta["summary_line"] = (findings_run.stdout.strip().splitlines() or [""])[-1]
        sample = not options.no_tree_rss

        meta["load_before"] = os.getloadavg()
        rows: list[Row] = []
        print(f"measuring {meta['name']} ({stats['py_files']} files)", file=sys.stderr)
        if "cold" not in skip:
            rows.append(measure(Row("bn-codemod cold", ""), [*bn, *no_cache, "."], tree, repeat, sample, bn_env))
        if "--jobs" in features and "j1" not in skip:
            rows.append(measure(Row("bn-codemod cold -j1", ""), [*bn, *no_cache, "--jobs", "1", "."], tree, repeat, sample, bn_env))
        if "--no-cache" in features and "warm" not in skip:
            shutil.rmtree(cache_dir, ignore_errors=True)
            default_cache = os.path.join(tree, ".bn_codemod_cache")
            shutil.rmtree(default_cache, ignore_errors=True)
            rows.append(measure(Row("bn-codemod populate cache (cold, writes cache)", ""), [*bn, *with_cache, "."], tree, 1, False, bn_env))
            rows.append(measure(Row("bn-codemod warm (cache, nothing changed)", ""), [*bn, *with_cache, "."], tree, repeat, sample, bn_env))
        if "precommit" not in skip and stats["batchnorm_files"]:
            # A commit touches typical files: the ones closest to the median size; the largest are the worst case.
            force = ["--force-exclude"] if "--force-exclude" in features else []
            python = sibling_python(options.bn_codemod)
            if python:
                # What any libcst-based tool pays before reading a file; the machine's speed drifts
                # during a run, so the pre-commit rows are best read against this one.
                rows.append(measure(Row(STARTUP_FLOOR, ""), [python, "-c", "import libcst"], tree, repeat, False, bn_env))
            typical = typical_files(tree, stats["batchnorm_files"], options.precommit_files)
            largest = stats["batchnorm_files"][: options.precommit_files]
            for kind, chosen in (("typical", typical), ("largest", largest)):
                size = sum(os.path.getsize(os.path.join(tree, path)) for path in chosen) / 1000
                label = f"pre-commit, {len(chosen)} {kind} files with BatchNorm ({size:.0f} kB, no cache)"
                rows.append(measure(Row(label, ""), [*bn, *force, *no_cache, *chosen], tree, repeat, sample, bn_env))
                meta[f"precommit_{kind}_files"] = chosen
        if torchfix and "torchfix" not in skip:
            rows.append(measure(Row("torchfix (--select ALL)", ""), [torchfix, "--select", "ALL", "."], tree, peer_repeat, False))
        if ruff and "ruff" not in skip:
            rows.append(measure(Row("ruff E9 (--no-cache)", ""), [ruff, "check", "--no-cache", "--select", "E9", "."], tree, repeat, False))
        if "grep" not in skip:
            rows.append(python_grep_floor(tree, repeat))
            if shutil.which("grep"):
                rows.append(measure(Row("grep -rl BatchNorm", ""), ["grep", "-rl", "BatchNorm", "--include=*.py", "."], tree, repeat, False))

        meta["load_after"] = os.getloadavg()
        table = markdown(meta, rows)
        print(table)
        print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v))
        print(f"bn-codemod: {meta['summary_line']}")
        if options.json:
            dump = {"meta": meta, "rows": [{**asdict(r), "median": r.median, "median_cpu": r.median_cpu} for r in rows]}
            with open(options.json, "w") as handle:
                json.dump(dump, handle, indent=1)
    finally:
        if options.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
