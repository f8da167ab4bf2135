import sys
from pathlib import Path

# Lets tests import the helpers next to them (fixture_cases).
sys.path.insert(0, str(Path(__file__).parent))
