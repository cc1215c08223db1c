"""The real CDK CLI bootstraps and deploys this app into the emulator, and everything exists.

Marked `local`: it runs `npx cdk` (Node) and synthesizes the app (~10 s in all).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from local.emulator import EmulatorProcess
from local.emulator.verify import check_deployment
from tests.emulator.conftest import AwsClient

pytestmark = pytest.mark.local

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
VENV_BIN = ROOT / ".venv" / "bin"
ACCOUNT, REGION = "123456789012", "us-east-1"


def cli_env(endpoint_url: str) -> dict[str, str]:
    """The environment documented in local/emulator/README.md."""
    return dict(
        os.environ,
        PATH=os.pathsep.join([str(VENV_BIN), str(CDK.parent), os.environ.get("PATH", "")]),
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
    )


def run_cdk(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(CDK), *args, "--no-notices"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"cdk {' '.join(args)} failed:\n{output[-4000:]}"
    return output


@pytest.fixture(scope="module")
def deployed_stacks(
    emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> list[str]:
    """Bootstrap (outside the app directory: no synth needed) then deploy every stack."""
    if not CDK.exists() or not (ROOT / "app.py").exists() or shutil.which("node") is None:
        pytest.skip("needs the pinned CDK CLI (npm ci), Node and the CDK app")
    env = cli_env(emulator.endpoint_url)
    work = tmp_path_factory.mktemp("cdk")
    run_cdk(["bootstrap", f"aws://{ACCOUNT}/{REGION}"], cwd=work, env=env)
    out = work / "cdk.out"
    run_cdk(["deploy", "--all", "--require-approval", "never", "-o", str(out)], cwd=ROOT, env=env)
    manifest = json.loads((out / "manifest.json").read_text())
    return [
        artifact.get("displayName", name)
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    ]


def test_cli_deploy_creates_every_stack_and_resource(
    emulator: EmulatorProcess, deployed_stacks: list[str]
) -> None:
    """GIVEN the emulator after `cdk bootstrap` and `cdk deploy --all`
    WHEN the real state is read back (not the CLI's exit code)
    THEN every app stack is complete and every checked resource answers its service API."""
    assert len(deployed_stacks) >= 2
    assert check_deployment(emulator.endpoint_url, deployed_stacks) == []
    assert check_deployment(emulator.endpoint_url, ["CDKToolkit"]) == []


def test_cli_deployed_api_uses_the_deployed_user_pool(
    aws: AwsClient, deployed_stacks: list[str]
) -> None:
    """GIVEN the deployed app
    WHEN its HTTP API's JWT authorizer is read
    THEN its issuer is the deployed pool's issuer and its audience a client of that pool."""
    (pool,) = aws("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    clients = aws("cognito-idp").list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    (api,) = aws("apigatewayv2").get_apis()["Items"]
    (authorizer,) = aws("apigatewayv2").get_authorizers(ApiId=api["ApiId"])["Items"]
    jwt = authorizer["JwtConfiguration"]
    assert jwt["Issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    assert set(jwt["Audience"]) <= {c["ClientId"] for c in clients}
