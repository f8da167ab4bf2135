#!/usr/bin/env python3
"""What choosing the files and their settings costs, in one process, on a copy of one tree.

    PYTHONPATH=CHECKOUT python benchmarks/discovery.py DIR [--repeat N] [--json OUT]

Wall and CPU time (this process and git), as medians of N runs (after one warm-up, so the file system cache is warm):
- the walk inside a git work tree: git's listing (`git ls-files`, bn-codemod >= issue 12) and the
  .gitignore matcher walk (what older versions always did, and what runs outside git);
- the same walk on a copy whose files are all staged, so `--cached` answers most of it;
- the settings of every file found: one lookup of the closest configuration file per file
  (issue 12), against one load for the whole run (before).

Run it once with PYTHONPATH pointing at an old checkout and once at a new one; the script uses
whatever API the imported bn_codemod has. It only reports, and never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def cpu_seconds() -> float:
    """This process and its finished children (git), user + system: steadier than wall time on a busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function, repeat: int) -> tuple[tuple[float, float], object]:
    """(median wall seconds, median CPU seconds) of `repeat` calls, and the last result."""
    result = function()  # warm-up: the file system cache, the regex cache
    walls, cpus = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        result = function()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - start_cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", metavar="OUT")
    options = parser.parse_args()

    from bn_codemod import config, files

    extensions = (".py", ".pyi", ".ipynb")
    new_api = hasattr(files, "discover")
    rows: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        copy = os.path.join(temporary, "tree")
        shutil.copytree(options.tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        subprocess.run(["git", "init", "-q", copy], check=True)
        os.chdir(copy)

        def walk(use_git: bool):
            if new_api:
                return files.discover(["."], extensions=extensions, use_git=use_git).files
            return files.discover_files(["."], extensions=extensions)[0]

        for staged in (False, True):
            if staged:
                subprocess.run(["git", "add", "-A"], cwd=copy, check=True, capture_output=True)
            label = "staged" if staged else "untracked"
            if new_api:
                rows[f"walk, git listing ({label})"], found = timed(lambda: walk(True), options.repeat)
                rows[f"walk, matcher ({label})"], _ = timed(lambda: walk(False), options.repeat)
            else:
                rows[f"walk, matcher ({label})"], found = timed(lambda: walk(False), options.repeat)

        paths = [str(path) for path in found]
        if new_api:
            def resolve_each():
                resolver = config.Resolver()
                return [resolver.settings_for(path) for path in paths]

            rows["settings, closest file per file"], settings = timed(resolve_each, options.repeat)
            distinct = len(set(settings))
        else:
            rows["settings, one load per run"], _ = timed(config.load_settings, options.repeat)
            distinct = 1

    meta = {"tree": options.tree, "files": len(paths), "distinct settings": distinct, "python": sys.version.split()[0]}
    print(json.dumps(meta))
    print(f"{'':40s} {'wall ms':>9s} {'CPU ms':>9s}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:40s} {wall * 1000:9.1f} {cpu * 1000:9.1f}")
    if options.json:
        with open(options.json, "w", encoding="utf-8") as stream:
            table = {name: {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000} for name, (wall, cpu) in rows.items()}
            json.dump({"meta": meta, "rows": table}, stream, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
