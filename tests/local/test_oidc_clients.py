"""A strict third-party OIDC client against the real local run: Authlib's OAuth2 client does
authorization code + PKCE + nonce from the pool's discovery document (as README's "Using
Amplify / openid-client / Authlib against make local" says to), and Authlib's `CodeIDToken`
validates the ID token with its nonce and at_hash checks: the checks that refused the local
run's tokens before ('Missing claim: nonce'). The signature is checked by PyJWT against the
JWKS the discovery document names, as a relying party would."""

from __future__ import annotations

import re
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

from local.emulator.client import local_client
from tests.local.conftest import LocalRun
from tests.local.hosted_ui.oauth import PASSWORD, create_user, new_email
from tests.local.pool_features import needs_pool_revocation


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


@needs_pool_revocation
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
