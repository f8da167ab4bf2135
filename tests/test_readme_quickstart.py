"""The README's quick-start transcript is real: its commands, run in a scratch directory holding the
model it shows, print exactly what it shows and leave the file it shows."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from cli_helpers import console_script

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_transcript() -> list[tuple[str, list[str]]]:
    """(command, output lines) pairs of the `console` block in the README's Quick start section."""
    section = README.read_text(encoding="utf-8").split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, flags=re.DOTALL).group(1)
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_quick_start_transcript_runs_as_shown(tmp_path):
    steps = quick_start_transcript()
    first_command, model_source = steps[0]
    assert first_command == "cat src/model.py"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text("\n".join(model_source) + "\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(console_script()).parent}{os.pathsep}{os.environ['PATH']}"}

    for command, shown in steps:
        completed = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert completed.stdout.splitlines() == shown, command
        assert completed.stderr == "", command
    assert "track_running_stats=False" in steps[-1][1][-1]
