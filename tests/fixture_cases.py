"""Fixture pairs: `NAME.input.py` (whose first line lists the exact findings) and `NAME.output.py`."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(.*)")


def input_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.input.py"))


# Fixtures whose expectation holds only in a run of their own: hazards are shown per run, and among
# the other fixtures (which build norm layers) this one's would be (tests/test_hazards.py runs both).
RUN_ALONE = {"hazards/no_norm_layers"}


def input_files_for_one_run() -> list[Path]:
    """The fixtures that keep their expectation when the whole set is checked as one run."""
    return [path for path in input_files() if case_id(path) not in RUN_ALONE]


def output_file(input_file: Path) -> Path:
    return input_file.with_name(input_file.name.replace(".input.py", ".output.py"))


def expected_findings(input_file: Path) -> list[tuple[str, int, int]]:
    """`# expect: BN001 5:11, BN005 7:1` -> [("BN001", 5, 11), ("BN005", 7, 1)]; `none` -> []."""
    header = input_file.read_text(encoding="utf-8").splitlines()[0]
    match = _EXPECT.match(header)
    assert match, f"{input_file} must start with '# expect: ...'"
    if match.group(1).strip() == "none":
        return []
    findings = []
    for item in match.group(1).split(","):
        code, position = item.split()
        line, column = position.split(":")
        findings.append((code, int(line), int(column)))
    return findings


def case_id(input_file: Path) -> str:
    return str(input_file.relative_to(FIXTURES)).replace(".input.py", "")
