"""The hosted UI's findings of issue 22: codes consumed by every attempt, server-signed CSRF
tokens, userInfo never a 5xx, `Vary: Origin` where an origin is echoed, `nosniff` everywhere."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import Pkce, csrf_of, new_email, page_error, query_of

PASSWORD = "Correct-Horse-9!"


def test_a_code_redeemed_by_a_client_without_the_code_grant_is_consumed(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN a fresh code WHEN a client that may not use the code grant tries it first
    (unauthorized_client) THEN the right client redeeming it next gets invalid_grant: the
    refused attempt consumed it, as any attempt does."""
    cognito = hosted_ui.ui.pool.cognito
    pool_id = hosted_ui.ui.pool.pool_id
    implicit_only = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="tests-implicit-only",
        AllowedOAuthFlows=["implicit"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[hosted_ui.redirect_uri],
    )["UserPoolClient"]["ClientId"]
    try:
        agent, pkce = hosted_ui.agent(), Pkce.new()
        code = agent.code(pkce)
        wrong = agent.redeem(code, pkce, client_id=implicit_only)
        assert (wrong.status_code, wrong.json()["error"]) == (400, "unauthorized_client")
        right = agent.redeem(code, pkce)
        assert (right.status_code, right.json()["error"]) == (400, "invalid_grant")
        assert "access_token" not in right.json()
    finally:
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=implicit_only)


@pytest.mark.parametrize("page", ["signup", "login"])
def test_a_csrf_pair_the_client_made_up_is_refused(hosted_ui: UiUnderTest, page: str) -> None:
    """GIVEN a browser whose XSRF-TOKEN cookie was set by someone else (every localhost port
    shares cookies) to a value they chose, with the same value in the form WHEN it posts
    THEN 403: only a cookie this server signed, with the token it signed for that cookie,
    passes."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    chosen = "chosen-by-the-attacker"
    fields = {"_csrf": chosen, "username": new_email(), "password": PASSWORD}
    answer = agent.http.post(
        f"/{page}", params=params, data=fields, headers={"Cookie": f"XSRF-TOKEN={chosen}"}
    )
    assert answer.status_code == 403
    assert "CSRF" in page_error(answer.text)


def test_a_csrf_token_works_only_with_the_cookie_it_was_signed_for(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN two browsers that each loaded the form WHEN one posts the other's token with its
    own cookie THEN 403; with its own token THEN the sign-up goes through (302)."""
    first, second = hosted_ui.agent(), hosted_ui.agent()
    params = first.params(Pkce.new())
    first_token = csrf_of(first.http.get("/signup", params=params).text)
    second_token = csrf_of(second.http.get("/signup", params=params).text)
    assert first_token != second_token
    fields = {"username": new_email(), "password": PASSWORD}
    crossed = second.http.post("/signup", params=params, data=fields | {"_csrf": first_token})
    assert crossed.status_code == 403
    own = second.http.post("/signup", params=params, data=fields | {"_csrf": second_token})
    assert own.status_code == 302, own.text


def _pool_token(hosted_ui: UiUnderTest, claims: dict[str, object]) -> str:
    signer = hosted_ui.pool_key  # the pool's own key, as the run's tools read it
    kid, key = signer.kid, signer.private_key
    now = int(time.time())
    base = {"iss": hosted_ui.ui.pool.issuer, "iat": now, "exp": now + 600, "token_use": "access"}
    return jwt.encode(base | claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    "claims",
    [
        {"scope": "openid", "sub": "s-1"},  # no username
        {"scope": "openid", "username": 7, "sub": "s-1"},  # not a string
        {"scope": "openid", "username": "ghost"},  # no sub
    ],
)
def test_user_info_with_a_token_that_names_no_user_is_401_not_500(
    hosted_ui: UiUnderTest, claims: dict[str, object]
) -> None:
    """GIVEN an access token signed by the pool's key with `openid` but no usable `username`
    or `sub` WHEN userInfo is called THEN 401 invalid_token (it was a KeyError and a 500)."""
    agent = hosted_ui.agent()
    answer = agent.http.get(
        "/oauth2/userInfo", headers={"authorization": f"Bearer {_pool_token(hosted_ui, claims)}"}
    )
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_token"


def test_user_info_with_a_deeply_nested_token_is_401(hosted_ui: UiUnderTest) -> None:
    """GIVEN a token whose header nests `[` 1,500 deep WHEN userInfo is called THEN 401
    invalid_token (the parser would raise RecursionError, a 500)."""

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    nested = b"[" * 1500 + b"]" * 1500
    token = f"{segment(nested)}.{segment(json.dumps({'sub': 'x'}).encode())}.c2ln"
    answer = hosted_ui.agent().http.get(
        "/oauth2/userInfo", headers={"authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"


def test_every_answer_says_nosniff_and_echoed_origins_vary(hosted_ui: UiUnderTest) -> None:
    """GIVEN the hosted UI's pages, JSON endpoints, error page and redirects WHEN fetched
    THEN each says `X-Content-Type-Options: nosniff`; CORS answers are `*` (no origin is
    echoed) and a preflight, whose answer depends on the origin, says `Vary: Origin`."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    answers = [
        agent.http.get("/login", params=params),
        agent.http.get("/signup", params=params),
        agent.http.get("/oauth2/authorize", params=params),
        agent.http.get("/oauth2/authorize", params={"client_id": "nope"}),
        agent.http.get("/.well-known/openid-configuration"),
        agent.http.post("/oauth2/token", data={"grant_type": "nope"}),
        agent.http.get("/oauth2/userInfo"),
        agent.http.get("/no-such-page"),
    ]
    for answer in answers:
        assert answer.headers.get("x-content-type-options") == "nosniff", answer.url
    origin = "http://localhost:5173"
    answer = agent.http.post(
        "/oauth2/token", data={"grant_type": "nope"}, headers={"Origin": origin, "Cookie": "a=b"}
    )
    # `*` (no credentials), never the echoed origin: nothing to vary on.
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = agent.http.request(
        "OPTIONS",
        "/oauth2/token",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert "Origin" in preflight.headers.get("vary", "")
    assert preflight.headers.get("x-content-type-options") == "nosniff"


def test_the_code_flow_still_works_end_to_end(hosted_ui: UiUnderTest) -> None:
    """GIVEN the hardened hosted UI WHEN a new user signs in and the code is redeemed once THEN
    tokens; a second redemption THEN invalid_grant (regression guard for the changes)."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    location = agent.join(agent.params(pkce), new_email()).headers["location"]
    code = query_of(location)["code"]
    assert "access_token" in agent.redeem(code, pkce).json()
    assert agent.redeem(code, pkce).json()["error"] == "invalid_grant"
