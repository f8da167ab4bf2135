"""Hazards (BN009-BN011): per-run scope, present in --check and fix mode, exit codes, suppression,
cache, and the prefilter letting their files through. The patterns themselves are fixtures under
tests/fixtures/hazards/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bn_codemod import check_source, fix_source
from bn_codemod.analysis import may_have_findings
from bn_codemod.rules import HAZARD_CODES, RULES, explain
from cli_helpers import run
from fixture_cases import FIXTURES

MODEL = "import torch.nn as nn\n\n\ndef block(c):\n    return nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))\n"
PATCHED_MODEL = MODEL.replace("BatchNorm2d(c)", "BatchNorm2d(c, track_running_stats=False)")
TRAIN = (
    "import torch\n"
    "from torch.nn.utils.fusion import fuse_conv_bn_eval\n"
    "\n"
    "\n"
    "def restore(model, path):\n"
    "    model.load_state_dict(torch.load(path))\n"
    "    return fuse_conv_bn_eval(model[0], model[1])\n"
)
TRAIN_FINDINGS = ["train.py:6:5: BN011", "train.py:7:12: BN010"]


def project(tmp_path: Path, model: str = MODEL) -> Path:
    (tmp_path / "model.py").write_text(model)
    (tmp_path / "train.py").write_text(TRAIN)
    return tmp_path


def codes_and_places(output: str) -> list[str]:
    return [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in output.splitlines() if ": BN0" in line]


def test_a_run_with_norm_layers_reports_hazards_in_every_file(tmp_path):
    result = run("--check", "--no-cache", ".", cwd=project(tmp_path))

    assert codes_and_places(result.out) == ["model.py:5:46: BN001", *TRAIN_FINDINGS]
    assert result.code == 1


def test_a_run_without_norm_layers_reports_no_hazard(tmp_path):
    result = run("--check", "--no-cache", "train.py", cwd=project(tmp_path))

    assert result.out == "No issues found in 1 file.\n"
    assert result.code == 0


def test_fix_mode_shows_the_hazards_and_they_keep_the_exit_code_at_1(tmp_path):
    project(tmp_path)

    fixed = run("--no-cache", "--show-fixes", ".", cwd=tmp_path)  # fix mode lists the fixed ones on request

    assert (tmp_path / "model.py").read_text() == PATCHED_MODEL
    assert (tmp_path / "train.py").read_text() == TRAIN  # hazards are never "fixed"
    assert codes_and_places(fixed.out) == ["model.py:5:46: BN001", *TRAIN_FINDINGS]
    assert "(fixed)" in fixed.lines[0] and not any("(fixed)" in line for line in fixed.lines[1:3])
    assert fixed.code == 1
    # Patched layers are still norm layers: the fix does not hide what it breaks.
    again = run("--check", "--no-cache", ".", cwd=tmp_path)
    assert codes_and_places(again.out) == TRAIN_FINDINGS
    assert again.code == 1


def test_noqa_and_ignore_silence_hazards(tmp_path):
    project(tmp_path, PATCHED_MODEL)
    (tmp_path / "train.py").write_text(
        TRAIN.replace("(torch.load(path))\n", "(torch.load(path))  # noqa: BN011\n")
    )

    assert codes_and_places(run("--check", "--no-cache", ".", cwd=tmp_path).out) == ["train.py:7:12: BN010"]
    quiet = run("--check", "--no-cache", "--ignore", "BN010", ".", cwd=tmp_path)
    assert quiet.code == 0


def test_the_scope_is_the_same_from_the_cache(tmp_path):
    project(tmp_path)

    cold = run("--check", ".", cwd=tmp_path)
    warm = run("--check", ".", cwd=tmp_path)
    only_train = run("--check", "train.py", cwd=tmp_path)

    assert warm.out == cold.out and codes_and_places(warm.out) == ["model.py:5:46: BN001", *TRAIN_FINDINGS]
    assert only_train.code == 0


def test_stdin_is_a_run_of_its_own(tmp_path):
    alone = run("--check", "-", cwd=tmp_path, stdin=TRAIN.encode())
    with_layers = run("--check", "-", cwd=tmp_path, stdin=(MODEL + TRAIN.replace("import torch\n", "")).encode())

    assert alone.code == 0
    assert [line.split(": ", 1)[1][:5] for line in with_layers.lines[:-1]] == ["BN001", "BN011", "BN010"]


def test_the_python_api_treats_a_source_as_a_run():
    assert check_source(TRAIN) == []
    _, findings = fix_source(MODEL + "\n" + TRAIN)
    assert [(f.code, f.fixed) for f in findings] == [("BN001", True), ("BN011", False), ("BN010", False)]


def test_a_fix_never_hides_a_hazard_in_the_fixtures():
    for path in sorted((FIXTURES / "hazards").glob("*.input.py")):
        source = path.read_text(encoding="utf-8")
        fixed, findings = fix_source(source)
        before = [(f.code, f.line) for f in findings if f.code in HAZARD_CODES]
        after = [(f.code, f.line) for f in check_source(fixed) if f.code in HAZARD_CODES]
        assert after == before, path.name


@pytest.mark.parametrize(
    "source",
    [
        b"import torch\nmodel.load_state_dict(sd)\n",
        b"import torch\nstd = bn.running_var\n",
        b"import torch\nn = bn.num_batches_tracked\n",
        b"from torch.ao.quantization import fuse_modules\n",
        b"import torch.fx.experimental.optimization as opt\nopt.fuse(m)\n",
        b"from torch.ao.quantization.quantize_fx import prepare_qat_fx\n",
    ],
)
def test_the_prefilter_lets_files_with_hazards_through(source):
    assert may_have_findings(source)


def test_the_prefilter_still_drops_files_without_torch_or_hazards():
    assert not may_have_findings(b"import torch\nx = diffusers.pipeline(prompt)\n")
    assert not may_have_findings(b"import torch\nself.fuse_add = fused_attn\n")  # not a fusion helper
    assert not may_have_findings(b"import torch\nclass Sched:\n    def load_state_dict(self, sd): ...\n")
    assert not may_have_findings(b"model.load_state_dict(sd)\n")  # nothing names torch


@pytest.mark.parametrize("code", sorted(HAZARD_CODES))
def test_explain_covers_each_hazard_with_an_example(code, tmp_path):
    result = run("--explain", code, cwd=tmp_path)

    assert result.code == 0 and result.out == explain(code)
    assert not RULES[code].fixable and "Fixable: no (report only)" in result.out
    assert RULES[code].example_before.splitlines()[0] in result.out and "becomes\n" in result.out
