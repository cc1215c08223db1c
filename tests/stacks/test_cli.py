"""The real entry points: app.py as the CDK CLI runs it, and the pinned CLI itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.stacks.configurations import CERTIFICATE_ARN
from tests.stacks.conftest import CliSynth

CDK_BIN = ROOT / "node_modules" / ".bin"


def _run_app(
    context: dict[str, str], outdir: Path, region: str | None = None
) -> subprocess.CompletedProcess[str]:
    # The CLI hands context to the app in CDK_CONTEXT_JSON; do the same without the CLI.
    env = os.environ | {"CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    if region is not None:
        env["CDK_DEFAULT_REGION"] = region
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_bad_context_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    """GIVEN auth=jwt with an http issuer WHEN app.py runs THEN exit 2, one stderr line naming
    the key, no traceback, and nothing synthesized."""
    result = _run_app(
        {"auth": "jwt", "issuer": "http://idp.example.com", "audience": "a"}, tmp_path
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("Configuration")]
    assert lines == [
        "Configuration error: context 'issuer' must be an https:// URL, got 'http://idp.example.com'"
    ]
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.template.json"))


@pytest.mark.skipif(not (CDK_BIN / "cdk").exists(), reason="npm ci has not installed the CLI")
def test_pinned_cli_lists_both_stacks_and_reports_bad_context(
    cli_synth: CliSynth, tmp_path: Path
) -> None:
    """GIVEN the pinned CDK CLI's `cdk synth` of the app (the session's one, cdk.json's app
    command) WHEN `cdk ls` reads it THEN it lists AuthStack and ApiStack; with an unknown auth
    value the CLI's synth fails and shows our one-line message."""
    # CDK_VALIDATION=false skips the template validation engine (~1.8 s): listing needs none.
    env = cli_synth.env | {"CDK_VALIDATION": "false"}
    command = ["cdk", "ls", "--app", str(cli_synth.outdir)]
    listed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["JwtProfileAuthDev", "JwtProfileApiDev"]

    bad = subprocess.run(
        ["cdk", "ls", "--output", str(tmp_path), "-c", "auth=keycloak"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
    assert "context 'auth' is 'keycloak': use one of cognito, auth0, okta, jwt" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_certificate_from_another_region_exits_2_with_one_line(tmp_path: Path) -> None:
    """GIVEN a us-east-1 certificate WHEN app.py runs for eu-west-1 (CDK_DEFAULT_REGION) THEN
    exit 2 with one line naming certificateArn and the region to use; nothing synthesized."""
    context = {"apiDomain": "api.example.com", "certificateArn": CERTIFICATE_ARN}
    result = _run_app(context, tmp_path, region="eu-west-1")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("Configuration")]
    assert lines == [
        "Configuration error: context 'certificateArn' is in us-east-1 but the stacks deploy to "
        "eu-west-1: request or import the certificate in eu-west-1"
    ]
    assert not list(tmp_path.glob("*.template.json"))


def test_the_clis_synth_runs_cdks_template_validation_and_it_finds_nothing(
    cli_synth: CliSynth,
) -> None:
    """GIVEN the session's real `cdk synth` (validation on, as cdk.json asks; the suite's local
    deploys skip it: tests/local/runs.py DEPLOY_ENVIRONMENT) WHEN its output is read THEN CDK's
    built-in validation ran and no plugin reported anything."""
    report = json.loads((cli_synth.outdir / "validation-report.json").read_text())
    assert report["title"] == "Validation Report"
    assert report["pluginReports"] == []
