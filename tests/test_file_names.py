"""File names that are not UTF-8 (any bytes but / and NUL are a valid name on Linux): machine-readable
output stays valid UTF-8, the finding is still reported, and the exit code is still 1."""

from __future__ import annotations

import json
import os
import sys

import pytest

from cli_helpers import run
from test_formats import validate_sarif

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="needs arbitrary bytes in file names")

MODEL = b"import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
NAME = b"caf\xe9.py"  # Latin-1 bytes: not UTF-8


@pytest.fixture
def odd_file(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), NAME), "wb") as stream:
        stream.write(MODEL)
    (tmp_path / "broken.py").write_bytes(b"import torch\nnn.BatchNorm2d(\n")  # an error beside it
    os.rename(tmp_path / "broken.py", os.path.join(os.fsencode(tmp_path), b"br\xffoken.py"))
    return tmp_path


def _utf8(result) -> str:
    return result.raw_out.decode("utf-8")  # raises if the output is not valid UTF-8


def test_json_stays_utf_8_and_names_the_bytes(odd_file):
    result = run("--check", "--no-cache", "--output-format", "json", ".", cwd=odd_file)

    document = json.loads(_utf8(result))
    assert result.code == 2  # the broken file; without it 1, see below
    assert [(f["file"], f["code"], f["line"]) for f in document["findings"]] == [("caf\\xe9.py", "BN001", 3)]
    assert [e["file"] for e in document["errors"]] == ["br\\xffoken.py"]


def test_sarif_stays_utf_8_valid_and_percent_encodes_the_bytes(odd_file):
    result = run("--check", "--no-cache", "--output-format", "sarif", ".", cwd=odd_file)

    document = json.loads(_utf8(result))
    validate_sarif(document)
    [sarif_run] = document["runs"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif_run["results"]] == [
        "caf%E9.py"
    ]
    [notification] = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "br%FFoken.py"


def test_github_stays_utf_8(odd_file):
    result = run("--check", "--no-cache", "--output-format", "github", ".", cwd=odd_file)

    assert _utf8(result).splitlines()[0].startswith("::error file=caf\\xe9.py,line=3,col=8,")


def test_the_finding_alone_exits_1(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), NAME), "wb") as stream:
        stream.write(MODEL)

    for output_format in ("json", "sarif"):
        result = run("--check", "--no-cache", "--output-format", output_format, ".", cwd=tmp_path)
        assert (result.code, result.err) == (1, "")
        json.loads(_utf8(result))
