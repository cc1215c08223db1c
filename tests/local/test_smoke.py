"""tools.smoke, the post-deploy check CI runs, proven against the offline run (`local smoke`)."""

from __future__ import annotations

import io
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from local.cli import main as local_main
from local.runtime.client import local_aws_environment, local_client
from stacks.contract import PROFILE_PATH, ApiOutput, AuthOutput
from tests.conftest import ROOT
from tests.local.conftest import LocalRun
from tools.outputs import OutputsError
from tools.smoke import SmokeError, Target, run_smoke, sign_in, target_for, target_from_aws
from tools.token import COGNITO_SYMBOLS, new_password

SMOKE_USER = re.compile(r"temporary user (smoke-[0-9a-f]+@example\.com) created")


def _smoke_users(local_run: LocalRun) -> list[str]:
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    pool_id = local_run.outputs.user_pool_id
    users = cognito.list_users(UserPoolId=pool_id)["Users"]
    return [u["Username"] for u in users if "smoke-" in str(u)]


@pytest.mark.local
def test_smoke_passes_against_the_local_run_and_leaves_no_user(local_run: LocalRun) -> None:
    """GIVEN the running `make local` WHEN `python -m local smoke` runs as a user runs
    it THEN every step prints ✔ (401 with its challenge, temporary user, sign-in, GET, POST, GET,
    user removed), it exits 0, and the pool has no smoke user afterwards."""
    env = {"LOCAL_STATE_DIR": str(local_run.state_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "local", "smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Smoke test of the local run at {local_run.base_url}/"
    assert [line[:1] for line in lines[1:-1]] == ["✔"] * 7
    assert lines[1] == (
        f'✔ GET {PROFILE_PATH} without a token: 401 {{"message":"Unauthorized"}}, '
        "www-authenticate: Bearer"
    )
    assert "✔ signed in with ADMIN_USER_PASSWORD_AUTH: got an access token" in lines
    assert lines[-1] == "PASSED: 7 passed, 0 failed"
    match = SMOKE_USER.search(result.stdout)
    assert match is not None
    assert f"✔ temporary user {match.group(1)} removed" in lines
    assert _smoke_users(local_run) == []


class _PostFails(httpx.BaseTransport):
    """The real local API, except that every POST answers 500: a check fails mid-way."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(500, json={"message": "Internal Server Error"})
        return self.real.handle_request(request)


@pytest.mark.local
def test_failed_check_exits_1_and_still_removes_the_user(local_run: LocalRun) -> None:
    """GIVEN an API whose POST fails WHEN the smoke test runs THEN a ✘ line names the failed
    check, the exit code is 1, and the temporary user is deleted all the same."""
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    target = target_for(local_run.outputs, cognito, "the local run", api_url=local_run.base_url)
    out = io.StringIO()
    with httpx.Client(base_url=local_run.base_url, transport=_PostFails()) as http:
        exit_code = run_smoke(target, http, out)
    text = out.getvalue()
    assert exit_code == 1
    lines = text.splitlines()
    assert lines[-3] == '✘ POST: expected 201, got 500: {"message":"Internal Server Error"}'
    assert re.fullmatch(r"✔ temporary user smoke-[0-9a-f]+@example\.com removed", lines[-2])
    assert lines[-1] == "FAILED: 5 passed, 1 failed"
    assert _smoke_users(local_run) == []


@pytest.mark.local
def test_aws_mode_reads_the_stage_from_cloudformation(
    local_run: LocalRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN AWS credentials pointing at an account with the dev stage deployed (here: the
    emulator) WHEN the smoke test looks for its target THEN API URL, pool and client come from
    the JwtProfileApiDev / JwtProfileAuthDev outputs, exactly as `cdk deploy` left them."""
    for key, value in local_aws_environment(local_run.endpoint_url).items():
        monkeypatch.setenv(key, value)
    target = target_from_aws("dev")
    auth = local_run.outputs.auth
    assert auth is not None
    assert target.api_url == local_run.outputs.api[ApiOutput.API_URL]
    assert (target.user_pool_id, target.client_id) == (
        auth[AuthOutput.USER_POOL_ID],
        auth[AuthOutput.CLIENT_ID],
    )
    with pytest.raises(OutputsError, match=r"stack JwtProfileApiProd is not deployed"):
        target_from_aws("prod")


def test_without_a_local_run_it_fails_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN no running `make local` WHEN `python -m local smoke` runs THEN one ✘ line that says
    to start it, and exit 1."""
    monkeypatch.setenv("LOCAL_STATE_DIR", str(tmp_path))
    assert local_main(["smoke"]) == 1
    out = capsys.readouterr().out
    assert "✘ deployed stacks not found: no local run found" in out
    assert "start `make local` first" in out


class _NoPasswordFlows:
    """A Cognito client whose app client allows neither password flow (an old prod stack)."""

    def _refuse(self, **_: Any) -> dict[str, Any]:
        error = {"Code": "InvalidParameterException", "Message": "Auth flow not enabled"}
        raise ClientError({"Error": error}, "InitiateAuth")

    admin_initiate_auth = _refuse
    initiate_auth = _refuse


def test_client_without_password_flows_gets_a_clear_fix() -> None:
    """GIVEN an app client with only SRP WHEN the smoke test signs in THEN the error names both
    refused flows and the two fixes (redeploy AuthStack, or -c passwordAuth=true)."""
    target = Target("t", "https://api", "pool", "client", _NoPasswordFlows())
    with pytest.raises(SmokeError) as raised:
        sign_in(target, "u@example.com", "pw")
    message = str(raised.value)
    assert "ADMIN_USER_PASSWORD_AUTH (Auth flow not enabled)" in message
    assert "USER_PASSWORD_AUTH (Auth flow not enabled)" in message
    assert "-c passwordAuth=true" in message


def test_generated_passwords_meet_the_pool_policy() -> None:
    """GIVEN the pool policy (12+, upper, lower, digit, symbol) WHEN passwords are drawn THEN
    every draw meets it and no two are equal."""
    drawn = {new_password() for _ in range(300)}
    assert len(drawn) == 300
    for password in drawn:
        assert len(password) >= 12
        assert any(c in string.ascii_uppercase for c in password)
        assert any(c in string.ascii_lowercase for c in password)
        assert any(c in string.digits for c in password)
        assert any(c in COGNITO_SYMBOLS for c in password)
