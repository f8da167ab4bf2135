"""The result cache: used when warm, keyed by content and settings, never trusted when foreign."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from bn_codemod.cache import CACHE_DIR_NAME
from cli_helpers import console_script, run

MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"


@pytest.fixture(autouse=True)
def project(tmp_path):
    """Each test's directory is a project root: --check creates a cache only there."""
    (tmp_path / "pyproject.toml").write_text("# a project without [tool.bn-codemod]\n")
    return tmp_path


def cache_files(root):
    return sorted((root / CACHE_DIR_NAME).glob("results-*.json"))


def test_a_warm_run_answers_from_the_cache(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    cold = run("--check", "m.py", cwd=tmp_path)
    [cache_file] = cache_files(tmp_path)

    # Prove the second run reads the cache: a (well-formed) planted message comes back.
    document = json.loads(cache_file.read_text())
    [entry] = document["entries"].values()
    entry["findings"][0]["message"] = "answered from the cache"
    cache_file.write_text(json.dumps(document))
    warm = run("--check", "m.py", cwd=tmp_path)

    assert cold.code == warm.code == 1
    assert warm.lines[0] == "m.py:3:8: BN001 answered from the cache [*]"


def test_changed_content_is_analysed_again(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    run("--check", "m.py", cwd=tmp_path)
    (tmp_path / "m.py").write_text(MODEL.replace("(8)", "(8, track_running_stats=False)"))

    assert run("--check", "m.py", cwd=tmp_path).code == 0


def test_settings_are_part_of_the_key(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    run("--check", "m.py", cwd=tmp_path)
    ignored = run("--check", "--ignore", "BN001", "m.py", cwd=tmp_path)

    assert ignored.code == 0
    assert len(cache_files(tmp_path)) == 2


def test_fix_mode_never_skips_a_file_the_cache_says_needs_fixing(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    run("--check", "m.py", cwd=tmp_path)

    run("m.py", cwd=tmp_path)

    assert "track_running_stats=False" in (tmp_path / "m.py").read_text()


def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    run("--check", "m.py", cwd=tmp_path)
    [cache_file] = cache_files(tmp_path)
    expected = run("--check", "--no-cache", "m.py", cwd=tmp_path).out
    document = json.loads(cache_file.read_text())
    [key] = document["entries"]

    for planted in (
        "{not json",
        json.dumps({**document, "format": 999}),
        json.dumps({**document, "identity": "another tool version"}),
        json.dumps({**document, "entries": {key: {"findings": [{"line": "3"}], "changed": True}}}),
        json.dumps({**document, "entries": {key: {"findings": "nope", "changed": "yes"}}}),
        json.dumps([1, 2, 3]),
    ):
        cache_file.write_text(planted)
        result = run("--check", "m.py", cwd=tmp_path)
        assert (result.code, result.out) == (1, expected), planted


def test_the_cache_directory_ignores_itself_for_git(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    run("--check", "m.py", cwd=tmp_path)

    assert (tmp_path / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_cache_and_cache_dir(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)

    run("--check", "--no-cache", "m.py", cwd=tmp_path)
    assert not (tmp_path / CACHE_DIR_NAME).exists()

    run("--check", "--cache-dir", "elsewhere", "m.py", cwd=tmp_path)
    assert list((tmp_path / "elsewhere").glob("results-*.json"))
    assert not (tmp_path / CACHE_DIR_NAME).exists()


def test_the_cache_sits_beside_the_configuring_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.bn-codemod]\nselect = ["BN"]\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(MODEL)

    run("--check", "m.py", cwd=tmp_path / "src")

    assert cache_files(tmp_path) and not (tmp_path / "src" / CACHE_DIR_NAME).exists()


def test_concurrent_runs_leave_a_valid_cache(tmp_path):
    for index in range(30):
        (tmp_path / f"m{index}.py").write_text(MODEL + f"x{index} = nn.BatchNorm1d({index + 1})\n")
    processes = [
        subprocess.Popen([console_script(), "--check", "--jobs", "1", "."], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]

    assert {out for out, _ in outputs} == {outputs[0][0]}
    assert all(process.returncode == 1 for process in processes)
    [cache_file] = cache_files(tmp_path)
    assert len(json.loads(cache_file.read_text())["entries"]) == 30
    assert not list((tmp_path / CACHE_DIR_NAME).glob("*.tmp"))


def test_output_is_the_same_with_one_or_many_jobs(tmp_path):
    # Enough bytes to pass the threshold at which a process pool is used (a comment: cheap to parse).
    filler = "# " + "padding " * 5000 + "\n"
    for index in range(12):
        (tmp_path / f"m{index:02}.py").write_text(MODEL + filler + f"y = nn.BatchNorm3d({index + 1})\n")

    serial = run("--check", "--no-cache", "--jobs", "1", ".", cwd=tmp_path)
    parallel = run("--check", "--no-cache", "--jobs", "2", ".", cwd=tmp_path)
    fixed = run("--no-cache", "--jobs", "2", ".", cwd=tmp_path)

    assert serial.out == parallel.out
    assert len(serial.lines) == 25
    assert fixed.code == 0
    assert all("nn.BatchNorm3d(" in p.read_text() and "BatchNorm2d(8, track_running_stats=False)" in p.read_text()
               for p in tmp_path.glob("m*.py"))


# Trust: a cache from another build, or with anything this code would not have written, is ignored.
def test_another_build_of_the_same_version_does_not_reuse_the_results(tmp_path, monkeypatch, capsys):
    from bn_codemod import cache
    from bn_codemod.cli import main

    (tmp_path / "m.py").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    main(["--check", "m.py"])
    [cache_file] = cache_files(tmp_path)
    document = json.loads(cache_file.read_text())
    [entry] = document["entries"].values()
    entry["findings"][0]["message"] = "answered from the cache"
    cache_file.write_text(json.dumps(document))
    capsys.readouterr()

    monkeypatch.setattr(cache, "code_hash", lambda: "another build")
    main(["--check", "m.py"])

    assert "answered from the cache" not in capsys.readouterr().out


def test_the_code_hash_follows_the_code_not_its_timestamps(tmp_path):
    import shutil
    import sys

    import bn_codemod

    copy = tmp_path / "copy"
    shutil.copytree(os.path.dirname(bn_codemod.__file__), copy / "bn_codemod",
                    ignore=shutil.ignore_patterns("__pycache__"))

    def code_hash() -> str:
        program = "from bn_codemod.cache import code_hash; print(code_hash())"
        return subprocess.run([sys.executable, "-c", program], env={**os.environ, "PYTHONPATH": str(copy)}, cwd=copy,
                              capture_output=True, text=True, check=True).stdout

    first = code_hash()
    runner_file = copy / "bn_codemod" / "runner.py"
    os.utime(runner_file, ns=(0, 0))
    assert code_hash() == first
    runner_file.write_text(runner_file.read_text() + "# another build\n")
    assert code_hash() != first


PLANTED = {
    "an invented rule code": ("code", "BN999"),
    "line 0": ("line", 0),
    "a negative column": ("column", -4),
    "a terminal escape sequence": ("message", "\x1b[2J\x1b[31mrm -rf ~ to fix\x1b[0m"),
    "a newline in the message": ("message", "one\nm.py:1:1: BN001 forged"),
    "an unknown field": ("severity", "high"),
}


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_an_entry_this_code_would_not_have_written_is_not_shown(tmp_path, planted):
    (tmp_path / "m.py").write_text(MODEL)
    expected = run("--check", "--no-cache", "m.py", cwd=tmp_path).out
    run("--check", "m.py", cwd=tmp_path)
    [cache_file] = cache_files(tmp_path)
    document = json.loads(cache_file.read_text())
    [entry] = document["entries"].values()
    field, value = PLANTED[planted]
    entry["findings"][0][field] = value
    cache_file.write_text(json.dumps(document))

    result = run("--check", "m.py", cwd=tmp_path)

    assert (result.code, result.out) == (1, expected)


def test_a_bad_entry_discards_the_good_entries_beside_it(tmp_path):
    (tmp_path / "m.py").write_text(MODEL)
    (tmp_path / "n.py").write_text(MODEL + "\n")
    run("--check", "m.py", "n.py", cwd=tmp_path)
    [cache_file] = cache_files(tmp_path)
    document = json.loads(cache_file.read_text())
    first, second = document["entries"].values()
    first["findings"][0]["message"] = "answered from the cache"  # well-formed: would be shown
    second["findings"][0]["code"] = "BN999"
    cache_file.write_text(json.dumps(document))

    result = run("--check", "m.py", "n.py", cwd=tmp_path)

    assert "answered from the cache" not in result.out
    assert [line.split(" ")[1] for line in result.lines[:2]] == ["BN001", "BN001"]


# Where the cache may be written.
def test_a_cache_directory_that_is_a_symlink_is_not_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / CACHE_DIR_NAME).symlink_to(elsewhere)
    (tmp_path / "m.py").write_text(MODEL)

    for args in (("--check",), ()):
        result = run(*args, "m.py", cwd=tmp_path)
        assert result.err == f"warning: {tmp_path.resolve() / CACHE_DIR_NAME} is a symlink; the cache is not used\n"

    assert os.listdir(elsewhere) == []
    assert "track_running_stats=False" in (tmp_path / "m.py").read_text()


def test_check_and_diff_create_no_cache_outside_a_project(tmp_path):
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "m.py").write_text(MODEL)

    assert run("--check", "m.py", cwd=tmp_path).code == 1
    assert run("--diff", "m.py", cwd=tmp_path).code == 1
    assert not (tmp_path / CACHE_DIR_NAME).exists()

    assert run("m.py", cwd=tmp_path).code == 0  # fixing files here: as before, the cache goes here
    assert (tmp_path / CACHE_DIR_NAME).is_dir()


def test_check_in_a_subdirectory_caches_at_the_project_root(tmp_path):
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(MODEL)

    run("--check", "m.py", cwd=tmp_path / "src")

    assert cache_files(tmp_path) and not (tmp_path / "src" / CACHE_DIR_NAME).exists()


def test_a_result_the_cache_would_reject_is_not_stored(tmp_path):
    from bn_codemod.cache import Cache
    from bn_codemod.findings import Finding

    cache = Cache(tmp_path / CACHE_DIR_NAME, "settings")
    good = Finding("BN001", 1, 1, 1, 5, "fine", fixable=True)
    cache.put("a" * 40, [good], True)
    cache.put("b" * 40, [Finding("BN004", 1, 1, 1, 5, "get_model('res\tnet')", fixable=False)], False)
    cache.save()

    reloaded = Cache(tmp_path / CACHE_DIR_NAME, "settings")
    assert reloaded.get("a" * 40).findings == (good,)
    assert reloaded.get("b" * 40) is None
