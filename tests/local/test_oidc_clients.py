"""Two strict third-party OIDC clients against the real local run, configured from the pool's
discovery document (README, "Using Amplify / openid-client / Authlib against make local"):

* Authlib (Python): its OAuth2 client does authorization code + PKCE + nonce, its `CodeIDToken`
  validates the ID token with the nonce and at_hash checks that refused the local run's tokens
  before ('Missing claim: nonce'); PyJWT checks the signature against the discovery's JWKS.
* openid-client v6 (Node, pinned by tests/oidc/package-lock.json): code + PKCE + nonce + state,
  refresh, RFC 7009 revocation (tests/oidc/oidc_flow.mjs).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc.errors import InvalidClaimError, MissingClaimError

from local.runtime.client import local_client
from tests.conftest import ROOT
from tests.local.conftest import LocalRun
from tests.local.hosted_ui.oauth import PASSWORD, create_user, new_email


@dataclass(frozen=True)
class Provider:
    """What a relying party is configured with: the pool's discovery URL and its client."""

    discovery: dict[str, Any]
    client_id: str
    redirect_uri: str


@pytest.fixture(scope="module")
def provider(local_run: LocalRun) -> Provider:
    pool_id = local_run.outputs.user_pool_id
    url = f"{local_run.endpoint_url}/{pool_id}/.well-known/openid-configuration"
    client_id = local_run.outputs.client_id
    assert client_id is not None
    return Provider(httpx.get(url).json(), client_id, local_run.demo_url)


@pytest.fixture
def oauth(provider: Provider) -> Iterator[OAuth2Client]:
    with OAuth2Client(
        client_id=provider.client_id,
        redirect_uri=provider.redirect_uri,
        scope="openid email profile",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",  # a public client (the demo page's)
        revocation_endpoint_auth_method="none",
    ) as client:
        yield client


def _sign_in_as_a_browser(authorize_url: str, email: str) -> str:
    """Follow the authorize URL like a browser: the login form (with its CSRF token), then
    the redirect back to the client; returns that callback URL."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        login = browser.get(authorize_url)
        assert login.status_code == 302, login.text
        form_url = httpx.URL(authorize_url).join(login.headers["location"])
        page = browser.get(form_url)
        csrf = re.search(r'name=_csrf value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        answer = browser.post(
            form_url, data={"_csrf": csrf.group(1), "username": email, "password": PASSWORD}
        )
        assert answer.status_code == 302, answer.text
        return str(answer.headers["location"])


def _validated(
    provider: Provider, id_token: str, *, nonce: str | None, access_token: str
) -> CodeIDToken:
    """PyJWT checks the signature with the discovery's JWKS; Authlib's CodeIDToken the OIDC
    claims: iss, aud, exp, iat, nonce (required when one was sent) and at_hash."""
    signing_key = jwt.PyJWKClient(provider.discovery["jwks_uri"]).get_signing_key_from_jwt(id_token)
    payload = jwt.decode(
        id_token, signing_key.key, algorithms=["RS256"], options={"verify_aud": False}
    )
    claims = CodeIDToken(
        payload,
        jwt.get_unverified_header(id_token),
        options={"iss": {"essential": True, "value": provider.discovery["issuer"]}},
        params={"nonce": nonce, "client_id": provider.client_id, "access_token": access_token},
    )
    claims.validate()
    return claims


def _code_flow(
    local_run: LocalRun, provider: Provider, oauth: OAuth2Client
) -> tuple[dict[str, Any], str]:
    email = new_email()
    pool_id = local_run.outputs.user_pool_id
    assert pool_id is not None
    create_user(local_client("cognito-idp", local_run.endpoint_url), pool_id, email)
    nonce, verifier = generate_token(24), generate_token(48)
    url, _state = oauth.create_authorization_url(
        provider.discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = _sign_in_as_a_browser(url, email)
    token: dict[str, Any] = oauth.fetch_token(
        provider.discovery["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
    )
    return token, nonce


def test_authlib_code_pkce_and_nonce_validates_the_id_token(
    local_run: LocalRun, provider: Provider, oauth: OAuth2Client
) -> None:
    """GIVEN Authlib's OAuth2 client configured from the pool's discovery URL WHEN it runs
    authorization code + PKCE S256 with a nonce THEN Authlib's CodeIDToken validates the ID
    token (nonce, at_hash, issuer, audience), and an ID token checked against another nonce is
    refused, as a replay must be."""
    token, nonce = _code_flow(local_run, provider, oauth)
    claims = _validated(
        provider, token["id_token"], nonce=nonce, access_token=token["access_token"]
    )
    assert claims["nonce"] == nonce
    assert claims["email_verified"] is True
    with pytest.raises(InvalidClaimError, match="nonce"):
        _validated(provider, token["id_token"], nonce="another", access_token=token["access_token"])
    with pytest.raises(InvalidClaimError, match="at_hash"):
        _validated(provider, token["id_token"], nonce=nonce, access_token="another-access-token")


def test_authlib_refresh_keeps_auth_time_and_validates_without_a_nonce(
    local_run: LocalRun, provider: Provider, oauth: OAuth2Client
) -> None:
    """GIVEN Authlib's tokens WHEN it refreshes at the discovery's token endpoint THEN the new
    ID token validates (no nonce expected: no new authorize request; a nonce demanded of it is
    missing) and keeps the sign-in's auth_time."""
    token, nonce = _code_flow(local_run, provider, oauth)
    first = _validated(provider, token["id_token"], nonce=nonce, access_token=token["access_token"])
    fresh: dict[str, Any] = oauth.refresh_token(
        provider.discovery["token_endpoint"], refresh_token=token["refresh_token"]
    )
    claims = _validated(provider, fresh["id_token"], nonce=None, access_token=fresh["access_token"])
    assert claims["auth_time"] == first["auth_time"]
    with pytest.raises(MissingClaimError, match="nonce"):
        _validated(provider, fresh["id_token"], nonce=nonce, access_token=fresh["access_token"])


def test_authlib_revokes_at_the_discovery_revocation_endpoint_and_refresh_is_refused(
    local_run: LocalRun, provider: Provider, oauth: OAuth2Client
) -> None:
    """GIVEN Authlib's tokens WHEN it revokes the refresh token at the discovery document's
    revocation_endpoint (RFC 7009) THEN 200, and its next refresh is refused with
    invalid_grant 'Refresh Token has been revoked'."""
    token, _ = _code_flow(local_run, provider, oauth)
    answer = oauth.revoke_token(
        provider.discovery["revocation_endpoint"],
        token=token["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert answer.status_code == 200, answer.text
    refused = httpx.post(
        provider.discovery["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "client_id": provider.client_id,
            "refresh_token": token["refresh_token"],
        },
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Refresh Token has been revoked",
    }


# ---- openid-client v6 (Node), pinned by tests/oidc/package-lock.json ----

OIDC_DIR = ROOT / "tests" / "oidc"


def _node() -> str:
    """Node from the pinned CDK toolchain first (Node 22), else the system's."""
    pinned = ROOT / "node_modules" / ".bin" / "node"
    found = str(pinned) if pinned.exists() else shutil.which("node")
    assert found, "node is needed for the openid-client tests (make test installs it)"
    assert (OIDC_DIR / "node_modules" / "openid-client").is_dir(), (
        "run `make test` (npm ci in tests/oidc)"
    )
    return found


@pytest.fixture(scope="module")
def openid_client(local_run: LocalRun, provider: Provider) -> dict[str, Any]:
    """One run of oidc_flow.mjs for a new confirmed user; its steps' results."""
    email = new_email()
    pool_id = local_run.outputs.user_pool_id
    assert pool_id is not None
    create_user(local_client("cognito-idp", local_run.endpoint_url), pool_id, email)
    config = {
        "discoveryUrl": f"{local_run.endpoint_url}/{pool_id}/.well-known/openid-configuration",
        "clientId": provider.client_id,
        "redirectUri": provider.redirect_uri,
        "email": email,
        "password": PASSWORD,
    }
    done = subprocess.run(
        [_node(), "oidc_flow.mjs", json.dumps(config)],
        cwd=OIDC_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    steps: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])["steps"]
    return steps | {"email": email}


def test_openid_client_code_pkce_and_nonce_validates_and_refuses_another_nonce(
    openid_client: dict[str, Any],
) -> None:
    """GIVEN openid-client v6 configured from the pool's discovery document (with
    allowInsecureRequests for http on localhost) WHEN it runs code + PKCE + nonce + state THEN
    authorizationCodeGrant accepts the ID token (it checks the nonce: before, it refused with
    'JWT "nonce" (nonce) claim missing') with at_hash and email_verified true; a code checked
    against another nonce is refused with openid-client's nonce mismatch."""
    code = openid_client["code"]
    assert code["nonceMatches"] is True
    assert code["atHash"] is True
    assert code["emailVerified"] is True
    assert code["email"] == openid_client["email"]
    wrong = openid_client["wrongNonce"]
    assert wrong != "accepted"
    assert wrong["claim"] == "nonce", wrong


def test_openid_client_refresh_keeps_auth_time(openid_client: dict[str, Any]) -> None:
    """GIVEN openid-client's tokens WHEN refreshTokenGrant runs THEN a new ID token with the
    sign-in's auth_time (validated by openid-client: no nonce expected after a refresh)."""
    assert openid_client["refresh"] == {
        "authTime": openid_client["code"]["authTime"],
        "idToken": True,
    }


def test_openid_client_discovery_reads_the_pools_document_with_its_aws_issuer(
    openid_client: dict[str, Any], local_run: LocalRun
) -> None:
    """GIVEN the full discovery URL on the local AWS endpoint WHEN openid-client's discovery()
    reads it (allowInsecureRequests: http on localhost) THEN its issuer is the AWS form the
    tokens carry and the API's authorizer checks."""
    pool_id = local_run.outputs.user_pool_id
    assert openid_client["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"


def test_openid_client_revokes_and_its_refresh_is_then_refused(
    openid_client: dict[str, Any],
) -> None:
    """GIVEN openid-client's tokens WHEN tokenRevocation revokes the refresh token at the
    discovery's revocation_endpoint THEN it succeeds, and refreshTokenGrant is then refused
    with invalid_grant 'Refresh Token has been revoked'."""
    assert openid_client["revoke"] == "revoked"
    refused = openid_client["refreshAfterRevoke"]
    assert refused["error"] == "invalid_grant"
    assert refused["description"] == "Refresh Token has been revoked"
