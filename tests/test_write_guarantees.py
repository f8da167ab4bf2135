"""Fix mode replaces a file only if it is still the file that was read, never through a symlink
swapped in meanwhile, never when the mode bits say read-only (root included), and reads only
regular files. Faults are injected at the exact step where a race or a swap would happen."""

from __future__ import annotations

import os
import pwd
import stat

import pytest

from bn_codemod import runner, source
from bn_codemod.cli import main
from cli_helpers import main_captured, run
from unprivileged import IS_ROOT, run_unprivileged

MODEL = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"
# Saved by the user while bn-codemod runs: same size as MODEL, so only the bytes tell them apart.
SAVED = MODEL.replace(b"(8)", b"(9)")
CHANGED = "changed while bn-codemod was running; run it again"


def _same_size_same_mtime_edit(path) -> None:
    """An edit that keeps size and mtime, as a save within one timestamp tick can."""
    before = os.stat(path)
    with open(path, "r+b") as stream:  # in place: same inode
        stream.write(SAVED)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _new_file_in_place(path) -> None:
    """An editor's save: a new file renamed over the old one."""
    (path.parent / "editor.tmp").write_bytes(SAVED)
    os.replace(path.parent / "editor.tmp", path)


def _delete(path) -> None:
    path.unlink()


def _swap_for_symlink(path) -> None:
    victim = path.parent / "outside" / "victim.py"
    path.unlink()
    path.symlink_to(victim)


def _append(path) -> None:
    with open(path, "ab") as stream:
        stream.write(b"# saved\n")


CHANGES = {
    "appended": (_append, MODEL + b"# saved\n"),
    "edited in place, same size and mtime": (_same_size_same_mtime_edit, SAVED),
    "saved by rename": (_new_file_in_place, SAVED),
    "deleted": (_delete, None),
    "swapped for a symlink": (_swap_for_symlink, "link"),
}


def _tree(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.py").write_bytes(MODEL)
    (tmp_path / "a.py").write_bytes(MODEL)
    (tmp_path / "b.py").write_bytes(MODEL)


def _assert_left_alone(tmp_path, change, expected, code, err) -> None:
    assert code == 2
    assert err == f"error: a.py: {CHANGED}\n"
    path = tmp_path / "a.py"
    if expected is None:
        assert not os.path.lexists(path), "a deleted file stays deleted"
    elif expected == "link":
        assert path.is_symlink() and os.readlink(path) == str(tmp_path / "outside" / "victim.py")
    else:
        assert path.read_bytes() == expected, change
    assert (tmp_path / "outside" / "victim.py").read_bytes() == MODEL
    assert (tmp_path / "b.py").read_bytes() == FIXED, "every other file is still fixed"
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".bn_codemod"))
    assert left == sorted({"b.py", "outside"} | ({"a.py"} if expected is not None else set())), "no temporary file"


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_file_changed_while_the_others_are_analysed_is_left_alone(tmp_path, monkeypatch, capsys, change):
    """The change lands after every file was read and analysed, before any is written."""
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    act, expected = CHANGES[change]
    real_map = runner._map

    def analyse_then_change(*args, **kwargs):
        results = real_map(*args, **kwargs)
        act(tmp_path / "a.py")
        return results

    monkeypatch.setattr(runner, "_map", analyse_then_change)
    code = main(["--no-cache", "a.py", "b.py"])

    _assert_left_alone(tmp_path, change, expected, code, capsys.readouterr().err)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_file_changed_at_the_last_moment_before_the_rename_is_left_alone(tmp_path, monkeypatch, capsys, change):
    """The change lands after the new content is written and synced, just before the rename:
    the chmod of the temporary file is the last step before the check."""
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    act, expected = CHANGES[change]
    real_chmod = os.chmod

    def chmod_then_change(path, mode, *args, **kwargs):
        real_chmod(path, mode, *args, **kwargs)
        if os.path.basename(path).startswith(".a.py."):
            act(tmp_path / "a.py")

    monkeypatch.setattr(source.os, "chmod", chmod_then_change)
    code = main(["--no-cache", "a.py", "b.py"])

    _assert_left_alone(tmp_path, change, expected, code, capsys.readouterr().err)


def test_a_symlink_present_when_read_is_still_written_through(tmp_path, monkeypatch, capsys):
    (tmp_path / "real.py").write_bytes(MODEL)
    (tmp_path / "link.py").symlink_to("real.py")
    monkeypatch.chdir(tmp_path)

    assert main(["--no-cache", "link.py"]) == 0

    assert os.readlink(tmp_path / "link.py") == "real.py"
    assert (tmp_path / "real.py").read_bytes() == FIXED


def test_a_symlink_repointed_while_running_is_left_alone(tmp_path, monkeypatch, capsys):
    (tmp_path / "real.py").write_bytes(MODEL)
    (tmp_path / "other.py").write_bytes(MODEL)
    (tmp_path / "link.py").symlink_to("real.py")
    monkeypatch.chdir(tmp_path)
    real_map = runner._map

    def analyse_then_repoint(*args, **kwargs):
        results = real_map(*args, **kwargs)
        (tmp_path / "link.py").unlink()
        (tmp_path / "link.py").symlink_to("other.py")
        return results

    monkeypatch.setattr(runner, "_map", analyse_then_repoint)
    code = main(["--no-cache", "link.py"])

    assert (code, capsys.readouterr().err) == (2, f"error: link.py: {CHANGED}\n")
    assert (tmp_path / "real.py").read_bytes() == MODEL
    assert (tmp_path / "other.py").read_bytes() == MODEL


def test_a_file_another_run_fixed_the_same_way_meanwhile_is_not_an_error(tmp_path, monkeypatch, capsys):
    """Two hooks fixing the same file at once: the second finds exactly its own fix there."""
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    real_map = runner._map

    def analyse_then_fix_elsewhere(*args, **kwargs):
        results = real_map(*args, **kwargs)
        (tmp_path / "a.py").write_bytes(FIXED)
        return results

    monkeypatch.setattr(runner, "_map", analyse_then_fix_elsewhere)

    assert (main(["--no-cache", "a.py", "b.py"]), capsys.readouterr().err) == (0, "")
    assert (tmp_path / "a.py").read_bytes() == (tmp_path / "b.py").read_bytes() == FIXED


# Read-only means read-only, whoever runs bn-codemod.
def _read_only_tree(root) -> None:
    (root / "locked").mkdir()
    (root / "locked" / "m.py").write_bytes(MODEL)
    (root / "ro.py").write_bytes(MODEL)
    (root / "good.py").write_bytes(MODEL)


def _lock(root) -> None:
    (root / "ro.py").chmod(0o444)
    (root / "locked").chmod(0o555)


READ_ONLY_ERRORS = [
    f"error: {os.path.join('locked', 'm.py')}: read-only, not rewritten (its directory is read-only)",
    "error: ro.py: read-only, not rewritten",
]


def _assert_read_only_left_alone(root, result_code, err) -> None:
    assert result_code == 2
    assert sorted(err.splitlines()) == READ_ONLY_ERRORS
    assert (root / "ro.py").read_bytes() == (root / "locked" / "m.py").read_bytes() == MODEL
    assert stat.S_IMODE(os.stat(root / "ro.py").st_mode) == 0o444
    assert os.listdir(root / "locked") == ["m.py"]
    assert (root / "good.py").read_bytes() == FIXED


def test_read_only_files_and_directories_are_not_rewritten_by_this_process(tmp_path, monkeypatch, capsys):
    """In-process, so as root when the suite runs as root (as CI does): the mode bits still decide."""
    _read_only_tree(tmp_path)
    _lock(tmp_path)
    monkeypatch.chdir(tmp_path)

    code = main(["--no-cache", "."])

    _assert_read_only_left_alone(tmp_path, code, capsys.readouterr().err)


def test_read_only_files_and_directories_are_not_rewritten_unprivileged(unprivileged_tmp_path):
    """Without root's powers (as root, the run drops to nobody) the OS refuses too; same message."""
    def body():
        _read_only_tree(unprivileged_tmp_path)
        _lock(unprivileged_tmp_path)
        result = main_captured("--no-cache", ".")
        _assert_read_only_left_alone(unprivileged_tmp_path, result.code, result.err)

    run_unprivileged(body, cwd=unprivileged_tmp_path)


# Owner, group and hard links.
@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
def test_a_fix_by_root_keeps_the_files_owner_and_group(tmp_path):
    (tmp_path / "m.py").write_bytes(MODEL)
    os.chown(tmp_path / "m.py", 65534, 100)

    assert run("--no-cache", "m.py", cwd=tmp_path).code == 0

    status = os.stat(tmp_path / "m.py")
    assert (status.st_uid, status.st_gid) == (65534, 100)
    assert (tmp_path / "m.py").read_bytes() == FIXED


def test_a_hard_link_is_broken_by_the_fix_and_keeps_the_old_content(tmp_path):
    """Decided and documented, as black and ruff do: the atomic rename gives the path a new file."""
    (tmp_path / "m.py").write_bytes(MODEL)
    os.link(tmp_path / "m.py", tmp_path / "copy.py")

    assert run("--no-cache", "m.py", cwd=tmp_path).code == 0

    assert (tmp_path / "m.py").read_bytes() == FIXED
    assert (tmp_path / "copy.py").read_bytes() == MODEL
    assert os.stat(tmp_path / "m.py").st_nlink == 1


@pytest.mark.skipif(not IS_ROOT, reason="only root can run a user in a chosen group")
def test_a_user_who_cannot_keep_the_owner_keeps_the_group(unprivileged_tmp_path):
    """A group-writable file of root's, fixed by a member of its group: the new file is the user's
    (only root may give it away) but keeps the group, so the group can still write it."""
    (unprivileged_tmp_path / "m.py").write_bytes(MODEL)
    os.chown(unprivileged_tmp_path / "m.py", 0, 100)
    (unprivileged_tmp_path / "m.py").chmod(0o664)

    def body():
        result = main_captured("--no-cache", "m.py")
        assert (result.code, result.err) == (0, "")

    run_unprivileged(body, cwd=unprivileged_tmp_path, groups=(100,))

    status = os.stat(unprivileged_tmp_path / "m.py")
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (pwd.getpwnam("nobody").pw_uid, 100, 0o664)
    assert (unprivileged_tmp_path / "m.py").read_bytes() == FIXED
