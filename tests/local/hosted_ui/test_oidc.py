"""OIDC claims in the hosted UI's ID tokens, as Cognito issues them: the authorize request's
nonce (code and implicit flows), at_hash of the access token issued with it, a boolean
email_verified, and auth_time = the password sign-in, kept across refreshes and sessions."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import jwt
import pytest

from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import Pkce, fragment_of, new_email, query_of

NONCE = "n-0S6_WzA2Mj.~+/="  # visible ASCII, as OIDC clients send (base64url and friends)


def _id_claims(hosted_ui: UiUnderTest, token: str) -> dict[str, Any]:
    """The ID token verified as a relying party does: the pool's key, issuer and audience."""
    claims: dict[str, Any] = jwt.decode(
        token,
        hosted_ui.public_key,
        algorithms=["RS256"],
        audience=hosted_ui.client_id,
        issuer=hosted_ui.ui.pool.issuer,
    )
    assert claims["token_use"] == "id"
    return claims


def _at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6, computed here on its own: left half of SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_the_code_flow_id_token_carries_nonce_at_hash_email_verified_and_auth_time(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN an authorize request with a nonce (through the login page) WHEN the code is
    redeemed THEN the ID token carries that nonce, at_hash of the access token answered with
    it, email_verified true (a boolean) and auth_time (the sign-in, the same in both tokens);
    no c_hash (Cognito has no hybrid flow)."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    body = agent.redeem(agent.code(pkce, nonce=NONCE), pkce).json()
    claims = _id_claims(hosted_ui, body["id_token"])
    assert claims["nonce"] == NONCE
    assert claims["at_hash"] == _at_hash(body["access_token"])
    assert claims["email_verified"] is True
    access = hosted_ui.verify(body["access_token"])
    assert isinstance(claims["auth_time"], int)
    assert claims["auth_time"] == access["auth_time"] <= claims["iat"]
    assert "c_hash" not in claims


def test_without_a_nonce_the_id_token_has_none(hosted_ui: UiUnderTest) -> None:
    """GIVEN an authorize request without a nonce WHEN the code is redeemed THEN no nonce claim
    (never one made up), at_hash still present."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    body = agent.redeem(agent.code(pkce), pkce).json()
    claims = _id_claims(hosted_ui, body["id_token"])
    assert "nonce" not in claims
    assert claims["at_hash"] == _at_hash(body["access_token"])


def test_the_implicit_flow_id_token_carries_the_nonce_and_at_hash(hosted_ui: UiUnderTest) -> None:
    """GIVEN response_type=token with a nonce WHEN the user signs in THEN the fragment's ID
    token carries the nonce and the at_hash of the fragment's access token."""
    agent = hosted_ui.agent()
    answer = agent.join(agent.params(response_type="token", nonce=NONCE), new_email())
    tokens = fragment_of(answer.headers["location"])
    claims = _id_claims(hosted_ui, tokens["id_token"])
    assert claims["nonce"] == NONCE
    assert claims["at_hash"] == _at_hash(tokens["access_token"])


@pytest.mark.parametrize("nonce", ["", "two words", "x" * 513, "caf\u00e9", "tab\there", "\x00"])
def test_a_malformed_nonce_goes_back_as_invalid_request_and_issues_nothing(
    hosted_ui: UiUnderTest, nonce: str
) -> None:
    """GIVEN a nonce that is empty, has a space or a control or non-ASCII character, or is
    longer than 512 WHEN authorize is asked THEN invalid_request on the registered URI with the
    state, naming the nonce, and no code."""
    agent = hosted_ui.agent()
    answer = agent.http.get("/oauth2/authorize", params=agent.params(Pkce.new(), nonce=nonce))
    assert answer.status_code == 302
    params = query_of(answer.headers["location"])
    assert params["error"] == "invalid_request"
    assert "nonce" in params["error_description"]
    assert params["state"] == "state-123"
    assert "code" not in params


def test_auth_time_stays_the_sign_in_time_across_refresh_and_a_signed_in_authorize(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN tokens from a password sign-in WHEN, a second later, they are refreshed and the
    signed-in browser authorizes again (no password) THEN every new ID and access token keeps
    the sign-in's auth_time while iat moves on (OIDC Core 12.2); the refreshed ID token has no
    nonce (no authorize request) and its own at_hash; the new authorize's nonce is copied."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    first = agent.redeem(agent.code(pkce, nonce=NONCE), pkce).json()
    signed_in_at = _id_claims(hosted_ui, first["id_token"])["auth_time"]
    time.sleep(1.1)
    refreshed = agent.http.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": hosted_ui.client_id,
            "refresh_token": first["refresh_token"],
        },
    ).json()
    claims = _id_claims(hosted_ui, refreshed["id_token"])
    assert claims["auth_time"] == signed_in_at < claims["iat"]
    assert hosted_ui.verify(refreshed["access_token"])["auth_time"] == signed_in_at
    assert "nonce" not in claims
    assert claims["at_hash"] == _at_hash(refreshed["access_token"])

    pkce = Pkce.new()
    again = agent.http.get("/oauth2/authorize", params=agent.params(pkce, nonce="second-nonce"))
    body = agent.redeem(query_of(again.headers["location"])["code"], pkce).json()
    claims = _id_claims(hosted_ui, body["id_token"])
    assert claims["auth_time"] == signed_in_at < claims["iat"]
    assert claims["nonce"] == "second-nonce"
