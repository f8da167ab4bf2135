"""Every fixture pair: exact findings, exact rewrite, idempotent, and the rewrite compiles."""

from __future__ import annotations

import pytest

from bn_codemod.analysis import analyze, hazards_in_scope
from fixture_cases import case_id, expected_findings, input_files, output_file

CASES = input_files()


@pytest.mark.parametrize("input_file", CASES, ids=[case_id(p) for p in CASES])
def test_fixture_pair(input_file):
    source = input_file.read_text(encoding="utf-8")
    expected_output = output_file(input_file).read_text(encoding="utf-8")

    analysis = analyze(source)

    # A fixture is a run of its own: hazards count when it builds norm layers.
    shown = hazards_in_scope(analysis.findings, analysis.builds_norm_layers)
    assert [(f.code, f.line, f.column) for f in shown] == expected_findings(input_file)
    assert analysis.new_source == expected_output
    compile(analysis.new_source, str(input_file), "exec")
    second = analyze(analysis.new_source)
    assert second.new_source == analysis.new_source, "running twice must change nothing"
    assert not [f for f in second.findings if f.fixable], "a fixed file has nothing left to fix"


def test_there_are_fixtures():
    assert len(CASES) >= 10
