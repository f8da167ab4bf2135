"""Write docs/rules.md from bn_codemod/rules.py; with --check, only say whether it is current.

    python scripts/gen_rules_doc.py          # rewrite docs/rules.md
    python scripts/gen_rules_doc.py --check  # exit 1 if docs/rules.md is stale (tests do the same)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the rules of this checkout, not of an installed bn-codemod

from bn_codemod.rules import reference_markdown

RULES_DOC = ROOT / "docs" / "rules.md"


def main(argv: list[str]) -> int:
    expected = reference_markdown()
    current = RULES_DOC.read_text(encoding="utf-8") if RULES_DOC.exists() else None
    if "--check" in argv:
        if current != expected:
            print(f"{RULES_DOC.relative_to(ROOT)} is stale: run python scripts/gen_rules_doc.py")
            return 1
        return 0
    if current != expected:
        RULES_DOC.write_text(expected, encoding="utf-8", newline="\n")
        print(f"wrote {RULES_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
