import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Lets tests import the helpers next to them (fixture_cases).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def open_tmp_path():
    """A fresh directory every user can reach (pytest's tmp_path sits in a directory only its
    owner may enter), for tests that run the tool as another user."""
    directory = Path(tempfile.mkdtemp(prefix="bn-codemod-test-"))
    directory.chmod(0o755)
    yield directory
    for path in [directory, *directory.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)  # a read-only directory made by a test must still be removable
    shutil.rmtree(directory)
