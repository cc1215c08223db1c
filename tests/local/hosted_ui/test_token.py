"""The token and userInfo endpoints: codes single-use, short-lived and bound to the client,
the redirect_uri and the PKCE verifier; refresh; OAuth JSON errors; nothing issued on failure."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest

from stacks.contract import (
    DEFAULT_RESOURCE_SERVER,
    READ_SCOPE_NAME,
    WRITE_SCOPE_NAME,
    cognito_scope,
)
from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import Pkce, new_email, query_of

ISSUED = ("access_token", "id_token", "refresh_token")
# The deployed pre token trigger adds the user scopes to every token of the user app client,
# OAuth flows included (as Cognito runs it there too): granted scopes come first, then these.
TRIGGER_SCOPES = " ".join(
    cognito_scope(DEFAULT_RESOURCE_SERVER, name) for name in (READ_SCOPE_NAME, WRITE_SCOPE_NAME)
)


def _with_trigger_scopes(granted: str) -> str:
    extra = [scope for scope in TRIGGER_SCOPES.split() if scope not in granted.split()]
    return " ".join([*granted.split(), *extra])


def _refused(answer: httpx.Response, error: str, status: int = 400) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == error
    assert not set(ISSUED) & set(body), "a token was issued for a failed request"
    assert answer.headers["cache-control"] == "no-store"


def _claims(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_code_with_pkce_gives_tokens_scoped_as_requested(hosted_ui: UiUnderTest) -> None:
    """GIVEN a code from a PKCE authorize with scope 'openid email' WHEN redeemed with the
    verifier THEN ID, access and refresh tokens; the access token's scope is the requested
    scopes (plus what the pool's pre token trigger adds) and it verifies against the pool's key
    and issuer."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    answer = agent.redeem(agent.code(pkce, scope="openid email"), pkce)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {*ISSUED, "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    claims = hosted_ui.verify(body["access_token"])
    assert claims["scope"] == _with_trigger_scopes("openid email")
    assert claims["client_id"] == hosted_ui.client_id
    assert _claims(body["id_token"])["aud"] == hosted_ui.client_id


def test_without_scope_every_allowed_scope_is_granted_and_without_openid_no_id_token(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN no scope parameter THEN the client's allowed scopes (Cognito's rule); GIVEN scope
    'email' only THEN an access token and no ID token."""
    agent = hosted_ui.agent()
    pkce = Pkce.new()
    body = agent.redeem(agent.code(pkce, scope=None), pkce).json()
    client = hosted_ui.ui.pool.client(hosted_ui.client_id)
    assert client is not None
    assert _claims(body["access_token"])["scope"] == _with_trigger_scopes(" ".join(client.scopes))
    pkce = Pkce.new()
    body = agent.redeem(agent.code(pkce, scope="email"), pkce).json()
    assert "id_token" not in body
    assert _claims(body["access_token"])["scope"] == _with_trigger_scopes("email")


def test_a_code_is_single_use(hosted_ui: UiUnderTest) -> None:
    """GIVEN a redeemed code WHEN redeemed again THEN invalid_grant."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    code = agent.code(pkce)
    assert agent.redeem(code, pkce).status_code == 200
    _refused(agent.redeem(code, pkce), "invalid_grant")


def test_a_wrong_verifier_fails_and_burns_the_code(hosted_ui: UiUnderTest) -> None:
    """GIVEN a PKCE code WHEN redeemed with another verifier THEN invalid_grant, and the right
    verifier afterwards fails too (the code is consumed by any attempt)."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    code = agent.code(pkce)
    _refused(agent.redeem(code, Pkce.new()), "invalid_grant")
    _refused(agent.redeem(code, pkce), "invalid_grant")


@pytest.mark.parametrize("verifier", [None, "", "short", "a" * 129, "not valid chars!" * 4])
def test_a_missing_or_malformed_verifier_fails(
    hosted_ui: UiUnderTest, verifier: str | None
) -> None:
    """GIVEN a PKCE code WHEN the verifier is missing or malformed THEN invalid_grant."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    _refused(agent.redeem(agent.code(pkce), None, code_verifier=verifier), "invalid_grant")


def test_a_verifier_for_a_code_without_challenge_fails(hosted_ui: UiUnderTest) -> None:
    """GIVEN a code from an authorize without PKCE WHEN a verifier is sent THEN invalid_grant;
    WHEN none is sent THEN tokens (Cognito allows code without PKCE)."""
    agent = hosted_ui.agent()
    params = agent.params()
    location = agent.join(params, new_email()).headers["location"]
    _refused(agent.redeem(query_of(location)["code"], Pkce.new()), "invalid_grant")
    again = agent.http.get("/oauth2/authorize", params=params).headers["location"]
    assert agent.redeem(query_of(again)["code"], None).status_code == 200


def test_the_redirect_uri_must_match_the_authorize_request(hosted_ui: UiUnderTest) -> None:
    """GIVEN a code WHEN redeemed with another or no redirect_uri THEN invalid_grant."""
    for other in (f"{hosted_ui.redirect_uri}x", None):
        agent, pkce = hosted_ui.agent(), Pkce.new()
        _refused(agent.redeem(agent.code(pkce), pkce, redirect_uri=other), "invalid_grant")


def test_a_code_is_bound_to_its_client(hosted_ui: UiUnderTest) -> None:
    """GIVEN a code issued to one client WHEN another client redeems it THEN invalid_grant."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    code = agent.code(pkce)
    thief = hosted_ui.agent(hosted_ui.other_client_id)
    _refused(thief.redeem(code, pkce), "invalid_grant")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_id": "nope"}, "invalid_client"),
        ({"client_id": None}, "invalid_client"),
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"code": None}, "invalid_request"),
        ({"client_secret": "unexpected"}, "invalid_client"),
    ],
)
def test_malformed_token_requests_get_oauth_errors(
    hosted_ui: UiUnderTest, form: dict[str, str | None], error: str
) -> None:
    """GIVEN a token request with an unknown client, no grant_type, an unsupported grant, no
    code, or a secret for a public client THEN the OAuth JSON error and nothing issued."""
    agent = hosted_ui.agent()
    _refused(agent.redeem("some-code", Pkce.new(), **form), error)


def test_token_request_bodies_other_than_a_single_valued_form_are_refused(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN a JSON body, or a form with grant_type twice THEN invalid_request."""
    agent = hosted_ui.agent()
    as_json = agent.http.post(
        "/oauth2/token", json={"grant_type": "authorization_code", "client_id": hosted_ui.client_id}
    )
    _refused(as_json, "invalid_request")
    twice = agent.http.post(
        "/oauth2/token",
        content=f"grant_type=refresh_token&grant_type=authorization_code&client_id={hosted_ui.client_id}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _refused(twice, "invalid_request")


def test_a_confidential_client_must_authenticate(hosted_ui: UiUnderTest) -> None:
    """GIVEN a client with a secret WHEN it redeems its code without the secret or with a wrong
    one (Basic) THEN invalid_client (401 with Basic); with the right Basic credentials THEN
    tokens."""
    client = hosted_ui.secret_client
    agent = hosted_ui.agent(client["ClientId"])
    pkce = Pkce.new()
    code = agent.code(pkce, scope="openid email")
    _refused(agent.redeem(code, pkce), "invalid_client")

    def basic(secret: str) -> dict[str, str]:
        pair = base64.b64encode(f"{client['ClientId']}:{secret}".encode()).decode()
        return {"authorization": f"Basic {pair}"}

    form = {
        "grant_type": "authorization_code",
        "code": agent.code(pkce, scope="openid email"),
        "redirect_uri": hosted_ui.redirect_uri,
        "code_verifier": pkce.verifier,
    }
    wrong = agent.http.post("/oauth2/token", data=form, headers=basic("wrong"))
    _refused(wrong, "invalid_client", status=401)
    assert wrong.headers["www-authenticate"].startswith("Basic")
    form["code"] = agent.code(pkce, scope="openid email")
    right = agent.http.post("/oauth2/token", data=form, headers=basic(client["ClientSecret"]))
    assert right.status_code == 200, right.text


def test_refresh_gives_new_tokens_with_the_same_scopes_and_only_to_its_client(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN a refresh token from a code grant WHEN refreshed THEN new ID and access tokens with
    the same scopes (no new refresh token, as Cognito without rotation); WHEN another client or
    an unknown token is used THEN invalid_grant."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    body = agent.redeem(agent.code(pkce, scope="openid profile"), pkce).json()
    form = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    fresh = agent.http.post("/oauth2/token", data=form | {"client_id": hosted_ui.client_id})
    assert fresh.status_code == 200, fresh.text
    assert set(fresh.json()) == {"access_token", "id_token", "expires_in", "token_type"}
    assert _claims(fresh.json()["access_token"])["scope"] == _with_trigger_scopes("openid profile")
    other = {"client_id": hosted_ui.other_client_id}
    _refused(agent.http.post("/oauth2/token", data=form | other), "invalid_grant")
    unknown = {
        "grant_type": "refresh_token",
        "refresh_token": "nope",
        "client_id": hosted_ui.client_id,
    }
    _refused(agent.http.post("/oauth2/token", data=unknown), "invalid_grant")


def test_user_info_answers_for_an_openid_access_token_only(hosted_ui: UiUnderTest) -> None:
    """GIVEN tokens WHEN userInfo is called with the access token THEN the user's attributes;
    with no token, a garbage token or the ID token THEN 401 invalid_token/invalid_request with
    www-authenticate; with an access token lacking openid THEN 403 insufficient_scope."""
    agent, pkce = hosted_ui.agent(), Pkce.new()
    email = new_email()
    params = agent.params(pkce)
    location = agent.join(params, email).headers["location"]
    body = agent.redeem(query_of(location)["code"], pkce).json()

    def user_info(token: str | None) -> httpx.Response:
        headers = {} if token is None else {"authorization": f"Bearer {token}"}
        return agent.http.get("/oauth2/userInfo", headers=headers)

    good = user_info(body["access_token"])
    assert good.status_code == 200
    assert good.json()["email"] == email
    assert good.json()["sub"] == _claims(body["access_token"])["sub"]
    for token, error in (
        (None, "invalid_request"),
        ("garbage", "invalid_token"),
        (body["id_token"], "invalid_token"),
    ):
        answer = user_info(token)
        assert answer.status_code == 401
        assert answer.json()["error"] == error
        assert answer.headers["www-authenticate"].startswith(f'Bearer error="{error}"')
    pkce = Pkce.new()
    narrow = agent.redeem(agent.code(pkce, email=email, scope="email"), pkce).json()
    assert user_info(narrow["access_token"]).status_code == 403


def test_a_confidential_client_refreshes_with_basic_auth(hosted_ui: UiUnderTest) -> None:
    """GIVEN a client with a secret and its code-grant tokens WHEN it refreshes with HTTP
    Basic THEN new tokens (through the pool's GetTokensFromRefreshToken, which takes the client
    secret itself); WHEN the secret is wrong THEN 401 invalid_client."""
    client = hosted_ui.secret_client
    basic = httpx.BasicAuth(client["ClientId"], client["ClientSecret"])
    agent, pkce = hosted_ui.agent(client["ClientId"]), Pkce.new()
    code = agent.code(pkce, scope="openid email")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": hosted_ui.redirect_uri,
        "code_verifier": pkce.verifier,
    }
    body = agent.http.post("/oauth2/token", data=form, auth=basic).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    fresh = agent.http.post("/oauth2/token", data=refresh, auth=basic)
    assert fresh.status_code == 200, fresh.text
    assert {"access_token", "id_token"} <= set(fresh.json())
    wrong = httpx.BasicAuth(client["ClientId"], "wrong-secret")
    _refused(agent.http.post("/oauth2/token", data=refresh, auth=wrong), "invalid_client", 401)
