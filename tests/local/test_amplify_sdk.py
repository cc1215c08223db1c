"""Amplify JS v6 (pinned in tests/sdk) in Node against the real local run's user pool: sign-up
with the outbox code, SRP sign-in, refresh, sign-out; the wrong code, the wrong password and the
revoked refresh token refused with Cognito's errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from joserfc import jwk, jwt

from local.emulator.caller.outbox import latest_code
from local.runtime.client import local_client
from tests.conftest import ROOT
from tests.local.conftest import LocalRun

SDK_DIR = ROOT / "tests" / "sdk"
PASSWORD = "Amplify-Local-42!"


def _node() -> str:
    """Node from the pinned CDK toolchain first (Node 22), else the system's."""
    pinned = ROOT / "node_modules" / ".bin" / "node"
    found = str(pinned) if pinned.exists() else shutil.which("node")
    assert found, "node is needed for the SDK tests (make test installs it)"
    assert (SDK_DIR / "node_modules" / "aws-amplify").is_dir(), (
        "run `make test` (npm ci in tests/sdk)"
    )
    return found


def run_amplify(endpoint_url: str, user_pool_id: str, client_id: str, email: str) -> dict[str, Any]:
    """Run amplify_flow.mjs; answer its request for the sign-up code from the local outbox."""
    config = {
        "endpoint": endpoint_url,
        "userPoolId": user_pool_id,
        "clientId": client_id,
        "email": email,
        "password": PASSWORD,
    }
    with subprocess.Popen(
        [_node(), "amplify_flow.mjs", json.dumps(config)],
        cwd=SDK_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        first = process.stdout.readline()
        if json.loads(first or "{}").get("need") == "code":
            process.stdin.write(latest_code(endpoint_url, email) + "\n")
            process.stdin.flush()
            last = process.stdout.readline()
        else:
            last = first
        process.stdin.close()
        stderr = process.stderr.read() if process.stderr else ""
        assert process.wait(timeout=60) == 0, stderr
    result: dict[str, Any] = json.loads(last)["steps"]
    return result


@pytest.fixture(scope="module")
def amplify(local_run: LocalRun) -> dict[str, Any]:
    outputs = local_run.outputs
    assert outputs.user_pool_id
    assert outputs.client_id
    email = f"amplify-{uuid.uuid4().hex[:8]}@example.com"
    return run_amplify(local_run.endpoint_url, outputs.user_pool_id, outputs.client_id, email)


def test_amplify_signs_up_and_a_wrong_code_is_refused(amplify: dict[str, Any]) -> None:
    """GIVEN Amplify's signUp WHEN it confirms with a wrong code, then the outbox's THEN
    CodeMismatchException, then the sign-up is complete."""
    assert "unexpected" not in amplify, amplify.get("unexpected")
    assert amplify["signUp"]["nextStep"] == "CONFIRM_SIGN_UP"
    assert amplify["confirmWrongCode"]["name"] == "CodeMismatchException"
    assert amplify["confirm"] == {"isSignUpComplete": True}


def test_amplify_srp_sign_in_needs_the_right_password(amplify: dict[str, Any]) -> None:
    """GIVEN the confirmed user WHEN Amplify signs in (USER_SRP_AUTH, its default) with a wrong,
    then the right password THEN NotAuthorizedException "Incorrect username or password.",
    then signed in."""
    assert amplify["signInWrongPassword"] == {
        "name": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
    assert amplify["signIn"] == {"isSignedIn": True, "nextStep": "DONE"}


def test_amplify_force_refresh_gets_new_tokens_of_the_same_sign_in(
    amplify: dict[str, Any], local_run: LocalRun
) -> None:
    """GIVEN a signed-in Amplify WHEN fetchAuthSession({forceRefresh: true}) THEN new tokens
    (GetTokensFromRefreshToken) with the sign-in's auth_time, origin_jti and email_verified;
    the pool's pre token trigger ran for the SRP sign-in and for the refresh (its scopes)."""
    refresh = amplify["refresh"]
    assert refresh["accessToken"]
    assert refresh["accessToken"] != refresh["firstAccessToken"]
    keys = _pool_keys(local_run)
    first = jwt.decode(refresh["firstAccessToken"], keys).claims
    again = jwt.decode(refresh["accessToken"], keys).claims
    identity = jwt.decode(refresh["idToken"], keys).claims
    assert again["auth_time"] == first["auth_time"]
    assert again["origin_jti"] == first["origin_jti"] == identity["origin_jti"]
    assert again["jti"] != first["jti"]
    assert identity["email_verified"] is True
    for claims in (first, again):
        assert "profile-api/profile.read" in claims["scope"].split()


def _pool_keys(local_run: LocalRun) -> Any:
    """The pool's JWKS as the local run serves it."""
    url = f"{local_run.endpoint_url}/{local_run.outputs.user_pool_id}/.well-known/jwks.json"
    return jwk.KeySet.import_key_set(httpx.get(url, timeout=10).json())


def test_amplify_sign_out_revokes_the_refresh_token(
    amplify: dict[str, Any], local_run: LocalRun
) -> None:
    """GIVEN Amplify's signOut (RevokeToken) WHEN its old refresh token is used THEN
    NotAuthorizedException "Refresh Token has been revoked", and GetUser with the old access
    token "Access Token has been revoked"."""
    refresh_token = amplify["signOut"]["refreshToken"]
    assert refresh_token
    assert amplify["signOut"]["refreshTokenAfter"] is None
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    with pytest.raises(ClientError) as raised:
        cognito.get_tokens_from_refresh_token(
            ClientId=local_run.outputs.client_id, RefreshToken=refresh_token
        )
    assert raised.value.response["Error"] == {
        "Code": "NotAuthorizedException",
        "Message": "Refresh Token has been revoked",
    }
    with pytest.raises(ClientError) as raised:
        cognito.get_user(AccessToken=amplify["refresh"]["accessToken"])
    assert raised.value.response["Error"]["Message"] == "Access Token has been revoked"
