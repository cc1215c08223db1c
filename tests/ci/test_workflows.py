"""The GitHub workflows users adopt: valid, hardened (zizmor), and doing what the README says.

GitHub only reports a broken workflow after a push, so these checks run here, offline: the
schema GitHub's workflow syntax follows, zizmor's security audits, and the few promises the
workflows make (pinned actions, least permissions, deploys that never overlap).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$")


def _load(name: str) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True; give it its name back.
    return {("on" if key is True else str(key)): value for key, value in raw.items()}


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return steps


def _runs(workflow: dict[str, Any], job: str) -> str:
    return "\n".join(step["run"] for step in _steps(workflow, job) if "run" in step)


def _uses_lines() -> list[str]:
    return [
        line.strip().removeprefix("- ").removeprefix("uses: ")
        for path in WORKFLOW_FILES
        for line in path.read_text().splitlines()
        if "uses:" in line
    ]


def test_both_workflows_exist() -> None:
    """GIVEN the repo WHEN listing workflows THEN ci.yml and deploy.yml are there."""
    assert [path.name for path in WORKFLOW_FILES] == ["ci.yml", "deploy.yml"]


def test_workflows_match_githubs_schema() -> None:
    """GIVEN the workflows WHEN check-jsonschema validates them against its built-in GitHub
    workflow schema (offline) THEN there are no errors."""
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOW_FILES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _zizmor(*paths: Path) -> tuple[int, list[dict[str, Any]]]:
    result = subprocess.run(
        [BIN / "zizmor", "--offline", "--persona", "pedantic", "--format", "json", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return result.returncode, findings


def test_zizmor_finds_nothing_even_pedantic() -> None:
    """GIVEN the workflows WHEN zizmor audits them offline with its strictest persona THEN zero
    findings (pinned actions, no template injection, no persisted credentials, ...)."""
    exit_code, findings = _zizmor(*WORKFLOW_FILES)
    assert findings == []
    assert exit_code == 0


def test_zizmor_would_catch_the_classic_mistakes(tmp_path: Path) -> None:
    """GIVEN a workflow with a tag-pinned action, persisted credentials and a PR title inlined
    into a shell WHEN zizmor audits it THEN it reports each (so the clean result above counts)."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v5\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    exit_code, findings = _zizmor(bad)
    assert exit_code != 0
    assert {"unpinned-uses", "artipacked", "template-injection"} <= {f["ident"] for f in findings}


def test_every_action_is_pinned_to_one_commit_with_its_version() -> None:
    """GIVEN every `uses:` WHEN read THEN owner/repo@<40-hex sha> # vX.Y.Z, and each action is
    pinned to the same commit everywhere (one place to bump)."""
    uses = _uses_lines()
    assert uses
    for line in uses:
        assert PINNED.match(line), line
    by_action: dict[str, set[str]] = {}
    for line in uses:
        action, _, pin = line.partition("@")
        by_action.setdefault(action, set()).add(pin)
    assert all(len(pins) == 1 for pins in by_action.values()), by_action


def test_checkouts_do_not_persist_the_token() -> None:
    """GIVEN every checkout step WHEN read THEN persist-credentials is false."""
    for path in WORKFLOW_FILES:
        workflow = _load(path.name)
        for job in workflow["jobs"]:
            for step in _steps(workflow, job):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, job)


def test_no_expression_is_expanded_inside_a_shell_script() -> None:
    """GIVEN every `run:` WHEN read THEN no ${{ }} in it: inputs and variables reach scripts
    through env, so a crafted value cannot become code."""
    for path in WORKFLOW_FILES:
        workflow = _load(path.name)
        for job in workflow["jobs"]:
            assert "${{" not in _runs(workflow, job), (path.name, job)


def test_ci_tests_synthesizes_and_uploads_cdk_out_with_caches() -> None:
    """GIVEN ci.yml WHEN read THEN on PR and push it runs `make test` and `make synth` on
    Python 3.11 and Node with pip/npm caches keyed on the lock files, and uploads cdk.out."""
    ci = _load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["permissions"] == {"contents": "read"}
    steps = _steps(ci, "test")
    by_action = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    python = by_action["actions/setup-python"]["with"]
    assert python["python-version"] == "3.11"
    assert python["cache"] == "pip"
    assert python["cache-dependency-path"].split() == ["requirements.txt", "requirements-dev.txt"]
    node = by_action["actions/setup-node"]["with"]
    assert (node["cache"], node["cache-dependency-path"]) == ("npm", "package-lock.json")
    assert _runs(ci, "test").splitlines() == ["make test", "make synth"]
    assert by_action["actions/upload-artifact"]["with"]["path"] == "cdk.out/"


def test_ci_diffs_only_on_pull_requests_with_a_role_and_read_only() -> None:
    """GIVEN ci.yml's diff job WHEN read THEN it runs only on pull requests once the diff role
    variable is set, may mint an OIDC token, and writes a template diff to the job summary."""
    diff = _load("ci.yml")["jobs"]["diff"]
    assert diff["if"] == "github.event_name == 'pull_request' && vars.AWS_DIFF_ROLE_ARN != ''"
    assert diff["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(s for s in diff["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DIFF_ROLE_ARN }}"
    script = _runs(_load("ci.yml"), "diff")
    assert "cdk diff --all --method template" in script
    assert 'for pair in $CONTEXT_PROD; do context+=(-c "$pair"); done' in script
    assert '>> "$GITHUB_STEP_SUMMARY"' in script


def test_deploy_runs_dev_on_main_and_prod_by_hand_behind_environments() -> None:
    """GIVEN deploy.yml WHEN read THEN push to main deploys dev, a manual run picks dev or prod,
    the job runs in the GitHub environment of that stage, after the tests, with only
    id-token:write + contents:read, and deploys never overlap or get cancelled."""
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"]}
    stage = deploy["on"]["workflow_dispatch"]["inputs"]["stage"]
    assert (stage["type"], stage["options"]) == ("choice", ["dev", "prod"])
    assert deploy["permissions"] == {}
    assert deploy["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    job = deploy["jobs"]["deploy"]
    assert job["needs"] == "test"
    assert job["environment"] == "${{ inputs.stage || 'dev' }}"
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    # Prod's context (its callback URL) reaches `make deploy` as CONTEXT; dev gets none.
    assert job["env"] == {
        "STAGE": "${{ inputs.stage || 'dev' }}",
        "CONTEXT": "${{ inputs.stage == 'prod' && vars.CDK_CONTEXT_PROD || '' }}",
    }
    credentials = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert _runs(deploy, "deploy").splitlines() == [
        "make setup",
        'make deploy STAGE="$STAGE"',
        '.venv/bin/python -m tools.smoke --stage "$STAGE"',
    ]


@pytest.mark.parametrize("target", ["setup", "test", "synth", "deploy"])
def test_make_targets_the_workflows_call_exist(target: str) -> None:
    """GIVEN the Makefile WHEN the workflows call `make <target>` THEN that target exists (a
    renamed target would otherwise fail only on GitHub)."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^{target}:", makefile, re.MULTILINE)
    assert any(f"make {target}" in path.read_text() for path in WORKFLOW_FILES)


def test_deploy_recipe_deploys_every_stack_without_prompting() -> None:
    """GIVEN `make deploy` (what deploy.yml runs) WHEN make prints its recipe THEN it is `cdk
    deploy --all --require-approval never` for the chosen stage, plus any CONTEXT pairs (prod
    needs its callback URL): CI has no one to answer a prompt."""
    command = ["make", "-n", "deploy", "STAGE=prod", "CONTEXT=callbackUrls=https://a.example.com"]
    printed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    deploy = [line for line in printed.splitlines() if line.startswith("cdk deploy")]
    assert deploy == [
        "cdk deploy --all --require-approval never -c 'stage=prod' "
        "-c 'callbackUrls=https://a.example.com'"
    ]
