"""--explain, --list-rules, the README's rule table and docs/rules.md come from one source
(bn_codemod.rules)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cli_helpers import run

from bn_codemod.rules import RULES, explain, reference_markdown, rules_table

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RULES_DOC = ROOT / "docs" / "rules.md"
GENERATOR = ROOT / "scripts" / "gen_rules_doc.py"


def test_readme_rule_table_is_generated_from_the_rules():
    assert rules_table() in README.read_text(encoding="utf-8"), (
        "README.md's rule table is stale: paste the output of bn_codemod.rules.rules_table()"
    )


def test_docs_rules_md_is_generated_from_the_rules():
    assert RULES_DOC.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/rules.md is stale: run python scripts/gen_rules_doc.py"
    )


def test_docs_rules_md_documents_every_rule_in_full():
    text = RULES_DOC.read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"## {rule.code}: {rule.title}\n" in text
        for section in (rule.what_it_does, rule.why, rule.fix_safety, rule.details.rstrip()):
            assert section in text


def test_generator_check_fails_on_a_stale_page_and_the_rewrite_fixes_it(tmp_path):
    shutil.copytree(ROOT / "bn_codemod", tmp_path / "bn_codemod")
    (tmp_path / "scripts").mkdir()
    shutil.copy(GENERATOR, tmp_path / "scripts")
    (tmp_path / "docs").mkdir()
    stale = tmp_path / "docs" / "rules.md"
    stale.write_text(RULES_DOC.read_text(encoding="utf-8").replace("BN001", "BN0001", 1), encoding="utf-8")

    def generator(*args):
        return subprocess.run(
            [sys.executable, str(tmp_path / "scripts" / "gen_rules_doc.py"), *args],
            capture_output=True, text=True, cwd=tmp_path, check=False,
        )

    check = generator("--check")
    assert check.returncode == 1 and "docs/rules.md is stale" in check.stdout
    assert generator().returncode == 0
    assert stale.read_text(encoding="utf-8") == reference_markdown()
    assert generator("--check").returncode == 0


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
