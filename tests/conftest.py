import sys
from pathlib import Path

# Lets tests import the helpers next to them (fixture_cases).
sys.path.insert(0, str(Path(__file__).parent))

# The scratch directory for permission cases run as an unprivileged user (see unprivileged.py).
from unprivileged import unprivileged_tmp_path  # noqa: F401
