"""The README's pre-commit and GitHub Actions recipes, taken out of the README and run as written
against a clone of this repository; action.yml checked against GitHub's action metadata syntax.

Only the repository URL is replaced (by the clone's path), as a user replaces the placeholder with
theirs. The runs install bn-codemod into fresh environments with pip, as pre-commit and the action
do, so they need the package index (`needs_index`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

import bn_codemod

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
OWNER_AND_NAME = bn_codemod.REPOSITORY_URL.removeprefix("https://github.com/")
FULL_SHA = re.compile(r"[0-9a-f]{40}")
MODEL = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8)\n"
FIXED = "import torch.nn as nn\n\nnorm = nn.BatchNorm2d(8, track_running_stats=False)\n"
SARIF_SCHEMA = json.loads((REPO_ROOT / "tests" / "data" / "sarif-2.1.0.schema.json").read_text())
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}

# GitHub's metadata syntax for actions (docs.github.com, "Metadata syntax for GitHub Actions"), for a
# composite action: the keys it documents, which are required, and what a step may hold.
ACTION_METADATA_SCHEMA = {
    "type": "object",
    "required": ["name", "description", "runs"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "author": {"type": "string"},
        "description": {"type": "string", "minLength": 1},
        "inputs": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["description"],
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string"},
                    "required": {"type": "boolean"},
                    "default": {"type": "string"},
                    "deprecationMessage": {"type": "string"},
                },
            },
        },
        "outputs": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["description", "value"],
                "additionalProperties": False,
                "properties": {"description": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "runs": {
            "type": "object",
            "required": ["using", "steps"],
            "additionalProperties": False,
            "properties": {
                "using": {"const": "composite"},
                "steps": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "id": {"type": "string"},
                            "if": {"type": "string"},
                            "name": {"type": "string"},
                            "uses": {"type": "string"},
                            "run": {"type": "string"},
                            "shell": {"type": "string"},
                            "with": {"type": "object"},
                            "env": {"type": "object", "additionalProperties": {"type": "string"}},
                            "working-directory": {"type": "string"},
                            "continue-on-error": {"type": ["boolean", "string"]},
                        },
                        # A composite step either runs a command, with its shell, or uses an action.
                        "oneOf": [
                            {"required": ["run", "shell"], "not": {"required": ["uses"]}},
                            {"required": ["uses"], "not": {"required": ["run"]}},
                        ],
                    },
                },
            },
        },
        "branding": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "icon": {"type": "string"},
                "color": {
                    "enum": ["white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"]
                },
            },
        },
    },
}


def readme_section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    assert f"\n## {heading}\n" in text, f"the README has no section {heading!r}"
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def yaml_block(heading: str, first_line: str) -> str:
    """The ```yaml block of a README section that starts with `first_line`, exactly as written."""
    blocks = re.findall(r"```yaml\n(.*?)```", readme_section(heading), flags=re.DOTALL)
    matching = [block for block in blocks if block.startswith(first_line + "\n")]
    assert len(matching) == 1, f"{heading}: expected one yaml block starting {first_line!r}"
    return matching[0]


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **GIT_IDENTITY}, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def pinned_revisions() -> dict[str, str]:
    """The commit each recipe pins: the pre-commit `rev:` and the action's `uses: ...@`."""
    hook_repo = yaml.safe_load(yaml_block("pre-commit", "# .pre-commit-config.yaml"))["repos"][0]
    workflow = yaml.safe_load(yaml_block("CI: GitHub Actions", "# .github/workflows/bn-codemod.yml"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = {step["uses"] for step in steps if step.get("uses", "").startswith(f"{OWNER_AND_NAME}@")}
    assert len(uses) == 1, uses
    return {"pre-commit": hook_repo["rev"], "action": uses.pop().split("@", 1)[1]}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of this repository, standing in for the one at bn_codemod.REPOSITORY_URL."""
    target = tmp_path_factory.mktemp("clone") / "bn-codemod"
    git("clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(target), cwd=REPO_ROOT)
    return target


def user_repository(path: Path) -> Path:
    path.mkdir(parents=True)
    git("init", "-q", cwd=path)
    (path / "model.py").write_text(MODEL)
    git("add", ".", cwd=path)
    git("commit", "-qm", "init", cwd=path)
    return path


# --- both recipes pin one real commit ---------------------------------------------------------


def test_both_recipes_pin_one_full_commit_sha_of_this_repository():
    revisions = pinned_revisions()
    assert revisions["pre-commit"] == revisions["action"]
    sha = revisions["action"]
    assert FULL_SHA.fullmatch(sha), f"{sha!r}: pin a full commit SHA (tags do not exist yet)"
    assert git("cat-file", "-t", sha, cwd=REPO_ROOT) == "commit", f"{sha} is not a commit of this repository"
    for needed in ("action.yml", ".pre-commit-hooks.yaml"):
        git("cat-file", "-e", f"{sha}:{needed}", cwd=REPO_ROOT)
    manifest = yaml.safe_load(git("show", f"{sha}:.pre-commit-hooks.yaml", cwd=REPO_ROOT))
    assert all(hook["minimum_pre_commit_version"] for hook in manifest)


def test_every_repository_url_is_the_one_placeholder():
    pages = [README, REPO_ROOT / "pyproject.toml", REPO_ROOT / "action.yml"]
    pages += sorted((REPO_ROOT / "docs").glob("*.md"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for url in re.findall(r"https://github\.com/[\w.-]+/bn-codemod", text):
            assert url == bn_codemod.REPOSITORY_URL, f"{page.name}: {url}"
        for owner in re.findall(r"([\w.-]+/bn-codemod)@", text):
            assert owner == OWNER_AND_NAME, f"{page.name}: uses {owner}"


# --- action.yml --------------------------------------------------------------------------------


def test_action_metadata_follows_the_documented_syntax():
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    jsonschema.validate(action, ACTION_METADATA_SCHEMA)
    assert set(action["inputs"]) == {"args", "src", "version", "output-file"}
    assert all(step["shell"] == "bash" for step in action["runs"]["steps"])


def test_the_action_pastes_no_input_into_a_script():
    # Inputs reach the scripts through env: a `${{ inputs.x }}` inside `run:` would be script injection.
    for step in yaml.safe_load((REPO_ROOT / "action.yml").read_text())["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]


EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def run_action(
    action_dir: Path, with_: dict, workspace: Path, runner_temp: Path
) -> list[subprocess.CompletedProcess]:
    """Run a composite action's steps as the runner does: expressions expanded, `bash -eo pipefail`."""
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    assert set(with_) <= set(inputs), f"unknown inputs {set(with_) - set(inputs)}"
    inputs.update({name: str(value) for name, value in with_.items()})
    context = {"github.action_path": str(action_dir), "runner.temp": str(runner_temp)}
    context.update({f"inputs.{name}": value for name, value in inputs.items()})

    def expand(text: str) -> str:
        return EXPRESSION.sub(lambda match: context[match.group(1)], text)

    results = []
    for step in action["runs"]["steps"]:
        # A runner has no PYTHONPATH: one pointing at a checkout would make pip think bn-codemod is installed.
        inherited = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env = {**inherited, **{key: expand(str(value)) for key, value in step.get("env", {}).items()}}
        script = runner_temp / "step.sh"
        script.write_text(expand(step["run"]))
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=900, check=False,
        )
        results.append(completed)
        if completed.returncode != 0:
            break  # a failed step ends the action, as on a runner
    return results


def run_workflow_job(job: dict, clone: Path, scratch: Path) -> dict[str, subprocess.CompletedProcess]:
    """Run a README job's steps in a scratch checkout: ours for real, the others by what they check."""
    workspace, runner_temp = scratch / "workspace", scratch / "runner-temp"
    runner_temp.mkdir(parents=True)
    outcomes: dict[str, subprocess.CompletedProcess] = {}
    for step in job["steps"]:
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            user_repository(workspace)
        elif uses.startswith("actions/setup-python@"):
            assert shutil.which("python3")
        elif uses.startswith(f"{OWNER_AND_NAME}@"):
            sha = uses.split("@", 1)[1]
            action_dir = scratch / "action"  # what the runner downloads: the repository at that commit
            action_dir.mkdir()
            archive = subprocess.run(["git", "archive", sha], cwd=clone, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(action_dir)], input=archive, check=True)
            results = run_action(action_dir, step.get("with", {}), workspace, runner_temp)
            outcomes["bn-codemod"] = results[-1]
            assert len(results) == 2, results[-1].stdout + results[-1].stderr
        elif uses.startswith("github/codeql-action/upload-sarif@"):
            assert step.get("if") == "always()", "upload the SARIF even when bn-codemod exits 2"
            sarif = json.loads((workspace / step["with"]["sarif_file"]).read_text())
            jsonschema.validate(sarif, SARIF_SCHEMA)
            outcomes["sarif"] = sarif
        elif "run" in step:
            outcomes[step["run"]] = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", step["run"]],
                cwd=workspace, capture_output=True, text=True, check=False,
            )
        else:
            raise AssertionError(f"the test does not know how to run step {step}")
    return outcomes


@pytest.mark.needs_index
def test_readme_workflow_runs_as_written(clone, tmp_path):
    workflow = yaml.safe_load(yaml_block("CI: GitHub Actions", "# .github/workflows/bn-codemod.yml"))
    assert set(workflow["jobs"]) == {"annotate", "code-scanning"}

    annotate = run_workflow_job(workflow["jobs"]["annotate"], clone, tmp_path / "annotate")
    check = annotate["bn-codemod"]
    assert check.returncode == 1, check.stderr  # findings fail the job
    assert check.stdout.startswith("::error file=model.py,line=3,col=8,endLine=3,endColumn=25,title=BN001::")

    scanning = run_workflow_job(workflow["jobs"]["code-scanning"], clone, tmp_path / "code-scanning")
    assert scanning["bn-codemod"].returncode == 0, scanning["bn-codemod"].stderr
    results = scanning["sarif"]["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [("BN001", 3)]


@pytest.mark.needs_index
def test_action_of_this_checkout_installs_the_version_input(clone, tmp_path):
    # The current action.yml, installing bn-codemod the way the README's install-from-git line does.
    head = git("rev-parse", "HEAD", cwd=clone)
    workspace = user_repository(tmp_path / "workspace")
    (tmp_path / "runner-temp").mkdir()
    with_ = {
        "version": f"bn-codemod @ git+file://{clone}@{head}",
        "args": "--output-format json",
        "output-file": "out.json",
    }

    results = run_action(REPO_ROOT, with_, workspace, tmp_path / "runner-temp")

    assert len(results) == 2, results[-1].stdout + results[-1].stderr  # the install step succeeded
    run = results[1]
    assert run.returncode == 0, run.stderr  # fix mode: everything found was fixed
    report = json.loads((workspace / "out.json").read_text())
    assert [(f["code"], f["line"], f["fix_applied"]) for f in report["findings"]] == [("BN001", 3, True)]
    assert (workspace / "model.py").read_text() == FIXED


# --- pre-commit --------------------------------------------------------------------------------


@pytest.mark.needs_index
def test_readme_pre_commit_recipe_runs_as_written(clone, tmp_path):
    config = yaml_block("pre-commit", "# .pre-commit-config.yaml")
    assert config.count(bn_codemod.REPOSITORY_URL) == 1
    repo = user_repository(tmp_path / "project")
    (repo / ".pre-commit-config.yaml").write_text(config.replace(bn_codemod.REPOSITORY_URL, str(clone)))
    git("add", ".pre-commit-config.yaml", cwd=repo)
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def pre_commit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env, capture_output=True, text=True,
            timeout=900, check=False,
        )

    first = pre_commit("run", "--all-files")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "model.py").read_text() == FIXED
    assert pre_commit("run", "--all-files").returncode == 0

    # The README's note: `pre-commit autoupdate` moves the pin to the newest tag, or the default branch's head.
    pinned = pinned_revisions()["pre-commit"]
    updated = pre_commit("autoupdate")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    new_rev = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["rev"]
    newest_tag = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "HEAD"], cwd=clone, capture_output=True, text=True, check=False
    )
    assert new_rev == (newest_tag.stdout.strip() if newest_tag.returncode == 0 else git("rev-parse", "HEAD", cwd=clone))
    git("merge-base", "--is-ancestor", pinned, new_rev, cwd=clone)
    (repo / "model.py").write_text(MODEL)
    git("add", ".", cwd=repo)
    again = pre_commit("run", "--all-files")
    assert again.returncode == 1 and (repo / "model.py").read_text() == FIXED, again.stdout + again.stderr
