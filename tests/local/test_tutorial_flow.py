"""The tutorial, offline: 401 without a token, 200 with the caller's claims, POST/GET round trip."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import httpx
import jwt
import pytest

from local.emulator.caller.keys import pool_signing_key
from tests.conftest import ROOT
from tests.local.conftest import LocalRun

pytestmark = pytest.mark.local

UNAUTHORIZED = {"message": "Unauthorized"}
PROFILE = "/user/profile"


def _tokens(local_run: LocalRun, email: str) -> dict[str, str]:
    """Run the real token command against the local run and read its output."""
    env = {"LOCAL_STATE_DIR": str(local_run.state_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "local", "token", "--email", email],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    values = dict(line.split("=", 1) for line in lines if line.startswith(("ID_", "ACCESS_")))
    assert set(values) == {"ID_TOKEN", "ACCESS_TOKEN"}
    assert f'curl -i -H "Authorization: Bearer {values["ID_TOKEN"]}"' in result.stdout
    return values


@pytest.fixture(scope="module")
def user_a(local_run: LocalRun) -> dict[str, str]:
    return _tokens(local_run, "ada@example.com")


@pytest.fixture(scope="module")
def user_b(local_run: LocalRun) -> dict[str, str]:
    return _tokens(local_run, "grace@example.com")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(response: httpx.Response, description: str | None) -> None:
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response.headers["content-length"] == "26"
    assert response.headers.get_list("content-type") == ["application/json"]
    assert "server" not in response.headers
    challenge = response.headers["www-authenticate"]
    if description is None:
        assert challenge == "Bearer"
    else:
        assert challenge == (
            f'Bearer scope="" error="invalid_token" error_description="{description}"'
        )


def _pool_signed(run: LocalRun, claims: dict[str, Any]) -> str:
    """Claims signed with the local pool's own key, read from the run (kept private)."""
    assert run.outputs.user_pool_id is not None
    signer = pool_signing_key(run.endpoint_url, run.outputs.user_pool_id)
    return jwt.encode(claims, signer.private_key, algorithm="RS256", headers={"kid": signer.kid})


def test_no_token_is_401_with_bearer_challenge_and_no_function_runs(
    http: httpx.Client, local_run: LocalRun
) -> None:
    """GIVEN no Authorization header WHEN GET THEN AWS's 401 and www-authenticate: Bearer."""
    response = http.get(PROFILE)
    _assert_unauthorized(response, None)
    entry = local_run.access_log(response.headers["apigw-requestid"])
    assert entry["status"] == 401
    assert "integration" not in entry


def test_garbage_token_is_401_invalid_segments(http: httpx.Client) -> None:
    """GIVEN a token that is not a JWT WHEN GET THEN 401 naming the segment count."""
    _assert_unauthorized(
        http.get(PROFILE, headers=_bearer("garbage")),
        "token contains an invalid number of segments",
    )


def test_id_token_gets_200_with_the_callers_claims(
    http: httpx.Client, user_a: dict[str, str]
) -> None:
    """GIVEN the ID token from `make token` WHEN GET THEN 200 with its sub and string claims."""
    response = http.get(PROFILE, headers=_bearer(user_a["ID_TOKEN"]))
    assert response.status_code == 200
    body = response.json()
    decoded = jwt.decode(user_a["ID_TOKEN"], options={"verify_signature": False})
    assert body["sub"] == decoded["sub"]
    assert body["claims"]["email"] == "ada@example.com"
    assert body["claims"]["token_use"] == "id"
    assert body["claims"]["exp"] == str(decoded["exp"])
    assert all(isinstance(value, str) for value in body["claims"].values())


def test_access_token_gets_200_too(http: httpx.Client, user_a: dict[str, str]) -> None:
    """GIVEN the access token (client_id, no aud) WHEN GET THEN 200: AWS accepts both kinds."""
    response = http.get(PROFILE, headers=_bearer(user_a["ACCESS_TOKEN"]))
    assert response.status_code == 200
    assert response.json()["claims"]["token_use"] == "access"


def test_tampered_signature_is_401(http: httpx.Client, user_a: dict[str, str]) -> None:
    """GIVEN a real token with its signature altered WHEN GET THEN 401 invalid signature."""
    head, payload, signature = user_a["ID_TOKEN"].split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    _assert_unauthorized(
        http.get(PROFILE, headers=_bearer(f"{head}.{payload}.{flipped}")),
        "signature is invalid",
    )


def test_expired_token_from_the_issuer_is_401(
    http: httpx.Client, user_a: dict[str, str], local_run: LocalRun
) -> None:
    """GIVEN a token signed by the pool's own key but expired WHEN GET THEN 401 expired."""
    claims = jwt.decode(user_a["ID_TOKEN"], options={"verify_signature": False})
    now = int(time.time())
    expired = _pool_signed(local_run, claims | {"iat": now - 7200, "exp": now - 3600})
    _assert_unauthorized(http.get(PROFILE, headers=_bearer(expired)), "token is expired")


def test_wrong_audience_is_401(
    http: httpx.Client, user_a: dict[str, str], local_run: LocalRun
) -> None:
    """GIVEN a token for another app client WHEN GET THEN 401 invalid audience."""
    claims = jwt.decode(user_a["ID_TOKEN"], options={"verify_signature": False})
    other = _pool_signed(local_run, claims | {"aud": "some-other-client"})
    _assert_unauthorized(
        http.get(PROFILE, headers=_bearer(other)), "the token does not have a valid audience"
    )


def test_post_then_get_round_trip(http: httpx.Client, user_a: dict[str, str]) -> None:
    """GIVEN user A WHEN POST a profile and GET THEN 201 echoes it and GET returns it."""
    profile = {"name": "Ada", "bio": "Analytical engines", "website": "https://ada.example"}
    created = http.post(PROFILE, headers=_bearer(user_a["ACCESS_TOKEN"]), json=profile)
    assert created.status_code == 201, created.text
    stored = created.json()["profile"]
    assert {key: stored[key] for key in profile} == profile
    fetched = http.get(PROFILE, headers=_bearer(user_a["ID_TOKEN"])).json()
    assert fetched["profile"] == stored


def test_form_encoded_post_is_decoded_from_base64(
    http: httpx.Client, user_a: dict[str, str]
) -> None:
    """GIVEN `curl -d` style content-type WHEN POST THEN the base64 event body is decoded."""
    headers = _bearer(user_a["ID_TOKEN"]) | {"content-type": "application/x-www-form-urlencoded"}
    created = http.post(PROFILE, headers=headers, content=b'{"name": "Ada L."}')
    assert created.status_code == 201, created.text


def test_user_b_never_sees_user_a_profile(
    http: httpx.Client, user_a: dict[str, str], user_b: dict[str, str]
) -> None:
    """GIVEN A stored a profile WHEN B GETs THEN B's own sub and no profile."""
    http.post(PROFILE, headers=_bearer(user_a["ID_TOKEN"]), json={"name": "Ada"})
    body = http.get(PROFILE, headers=_bearer(user_b["ID_TOKEN"])).json()
    sub_a = jwt.decode(user_a["ID_TOKEN"], options={"verify_signature": False})["sub"]
    assert body["sub"] != sub_a
    assert body["profile"] is None


def test_bad_profile_is_400_and_stores_nothing(http: httpx.Client, user_b: dict[str, str]) -> None:
    """GIVEN user B with no profile WHEN POST an unknown field THEN 400 and still no profile."""
    bad = http.post(PROFILE, headers=_bearer(user_b["ID_TOKEN"]), json={"name": "B", "x": 1})
    assert bad.status_code == 400
    assert bad.json() == {"message": "unknown field 'x': allowed fields are name, bio, website"}
    assert http.get(PROFILE, headers=_bearer(user_b["ID_TOKEN"])).json()["profile"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/user"), ("GET", "/user/profile/"), ("DELETE", PROFILE)],
)
def test_unknown_route_is_404_like_aws(http: httpx.Client, method: str, path: str) -> None:
    """GIVEN a route the API does not have WHEN called THEN 404 {"message":"Not Found"}."""
    response = http.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_cors_preflight_answers_for_configured_origin_only(http: httpx.Client) -> None:
    """GIVEN the API's CORS config WHEN preflighted THEN only the configured origin is allowed."""
    ask = {"access-control-request-method": "POST"}
    allowed = http.options(PROFILE, headers=ask | {"origin": "https://localhost:3000"})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://localhost:3000"
    denied = http.options(PROFILE, headers=ask | {"origin": "https://evil.example"})
    assert denied.status_code == 204
    assert "access-control-allow-origin" not in denied.headers


def test_startup_printed_the_endpoints_like_the_tutorial(local_run: LocalRun) -> None:
    """GIVEN `local up` WHEN ready THEN it printed both endpoints and the stacks it deployed."""
    text = local_run.log_text()
    assert f"GET - {local_run.base_url}/user/profile" in text
    assert f"POST - {local_run.base_url}/user/profile" in text
    assert "JwtProfileAuthDev: CREATE_COMPLETE" in text
    assert "JwtProfileApiDev: CREATE_COMPLETE" in text
