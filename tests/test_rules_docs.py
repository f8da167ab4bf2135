"""--explain, --list-rules, and the README's rule table come from one source (bn_codemod.rules)."""

from __future__ import annotations

from pathlib import Path

from bn_codemod.rules import RULES, explain, rules_table
from cli_helpers import run

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_rule_table_is_generated_from_the_rules():
    assert rules_table() in README.read_text(encoding="utf-8"), (
        "README.md's rule table is stale: paste the output of bn_codemod.rules.rules_table()"
    )


def test_every_rule_code_the_visitor_can_emit_is_documented():
    package = Path(__file__).resolve().parents[1] / "bn_codemod"
    source = "".join(path.read_text() for path in [package / "visitor.py", *(package / "families").glob("*.py")])
    emitted = {code for code in RULES if f'"{code}"' in source}
    assert emitted == set(RULES)


def test_explain_prints_the_four_headings(tmp_path):
    result = run("--explain", "BN001", cwd=tmp_path)

    assert result.code == 0
    assert result.out == explain("BN001")
    for heading in ("What it does\n", "Why it matters\n", "Example\n", "Fix safety\n", "Fixable: yes"):
        assert heading in result.out
    assert "eval mode" in result.out and "state_dict" in result.out


def test_explain_is_case_insensitive_and_rejects_unknown_codes(tmp_path):
    assert run("--explain", "bn004", cwd=tmp_path).out.startswith("BN004: ")
    unknown = run("--explain", "BN999", cwd=tmp_path)
    assert unknown.code == 2
    assert unknown.err.startswith("error: unknown rule 'BN999'")


def test_list_rules_lists_every_rule_with_its_fixability(tmp_path):
    result = run("--list-rules", cwd=tmp_path)

    assert result.code == 0
    assert [line.split()[0] for line in result.lines] == list(RULES)
    assert "BN001  [*]  " in result.out
    assert "BN004       " in result.out
