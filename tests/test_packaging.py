"""The sdist and wheel a user or a package index gets: built for real, then opened."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import bn_codemod

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "bn_codemod"
PACKAGE_MODULES = sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py"))  # subpackages too


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> tuple[list[str], list[str], email.message.Message]:
    """(sdist members, wheel members, wheel METADATA), built from a copy of the project's files."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for relative in filter(None, listed):
        if (REPO_ROOT / relative).is_file():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / relative, source / relative)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend comes from this environment (the test extra), not the index.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True, check=True, timeout=600,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    with tarfile.open(sdist) as archive:
        sdist_members = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    with zipfile.ZipFile(wheel) as archive:
        wheel_members = archive.namelist()
        metadata_name = next(name for name in wheel_members if name.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_name))
    return sdist_members, wheel_members, metadata


def test_sdist_holds_license_readme_and_the_package_but_no_tests(distributions):
    sdist, _, _ = distributions
    for required in ("LICENSE", "README.md", "pyproject.toml", *(f"bn_codemod/{m}" for m in PACKAGE_MODULES)):
        assert required in sdist, required
    assert not [name for name in sdist if name.startswith(("tests/", "benchmarks/", "scripts/", ".ci/"))]


def test_wheel_holds_license_and_the_package_but_no_tests(distributions):
    _, wheel, _ = distributions
    dist_info = f"bn_codemod-{bn_codemod.__version__}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in wheel
    assert sorted(name.split("/", 1)[1] for name in wheel if name.startswith("bn_codemod/")) == PACKAGE_MODULES
    assert {name.split("/", 1)[0] for name in wheel} == {"bn_codemod", dist_info}


def test_wheel_metadata_has_the_spdx_license_urls_and_readme(distributions):
    _, _, metadata = distributions
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the deprecated free-text field is gone
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL"))
    assert urls == {
        "Homepage": bn_codemod.REPOSITORY_URL,
        "Documentation": f"{bn_codemod.REPOSITORY_URL}#readme",
        "Source": bn_codemod.REPOSITORY_URL,
        "Issues": f"{bn_codemod.REPOSITORY_URL}/issues",
    }
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# bn-codemod\n")
    assert metadata.get_all("Requires-Dist")[0].startswith("libcst")
