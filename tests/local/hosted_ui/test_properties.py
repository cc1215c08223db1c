"""Hostile input (hypothesis) over the authorize and token parameters.

Whatever the parameters: never a 5xx; a redirect goes only to /login or to the client's
registered callback (never an open redirect); a code or token is issued only when every check
passes; the token endpoint never issues for a made-up code or refresh token.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import jwt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import Agent, Pkce, fragment_of, new_email, query_of

PKCE = Pkce.new()
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "\x00", "%00", "null", "S256 ", "plain", "x" * 3000, "https://evil.example/"]
    ),
)
AUTHORIZE_KEYS = [
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
]
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def signed_in(hosted_ui: UiUnderTest) -> Agent:
    """A browser with a session: a request that passes every check gets a code at once."""
    agent = hosted_ui.agent()
    assert agent.join(agent.params(PKCE), new_email()).status_code == 302
    return agent


def _valid_values(hosted_ui: UiUnderTest) -> dict[str, list[str]]:
    return {
        "client_id": [hosted_ui.client_id, hosted_ui.other_client_id],
        "redirect_uri": [hosted_ui.redirect_uri],
        "response_type": ["code", "token"],
        "scope": ["openid", "openid email profile", "email", "openid admin"],
        "state": ["abc"],
        "code_challenge": [PKCE.challenge],
        "code_challenge_method": ["S256"],
        "nonce": ["n-0S6_WzA2Mj", "x" * 512],
    }


def _passes_every_check(params: dict[str, str], hosted_ui: UiUnderTest) -> bool:
    """What the hosted UI must demand before it issues anything (this test's own statement)."""
    if params.get("client_id") != hosted_ui.client_id:
        return False  # the other client has no session here, and no implicit flow
    if params.get("redirect_uri") != hosted_ui.redirect_uri:
        return False
    if params.get("response_type") not in ("code", "token"):
        return False
    client = hosted_ui.ui.pool.client(hosted_ui.client_id)
    assert client is not None
    if not set((params.get("scope") or "openid").split()) <= set(client.scopes):
        return False
    if "nonce" in params and not re.fullmatch(r"[\x21-\x7e]{1,512}", params["nonce"]):
        return False
    if params.get("response_type") == "code" and (
        "code_challenge" in params or "code_challenge_method" in params
    ):
        return (
            params.get("code_challenge_method") == "S256"
            and params.get("code_challenge") == PKCE.challenge
        )
    return True


@FUZZ
@given(data=st.data())
def test_any_authorize_parameters_never_5xx_never_open_redirect_never_unearned_code(
    hosted_ui: UiUnderTest, signed_in: Agent, data: st.DataObject
) -> None:
    """GIVEN a signed-in browser and any mix of valid and hostile authorize parameters WHEN
    authorize is asked THEN no 5xx; a redirect only to /login or the registered callback; a
    code or tokens only when every check passes."""
    valid = _valid_values(hosted_ui)
    keys = data.draw(st.sets(st.sampled_from(AUTHORIZE_KEYS)))
    params = {
        key: data.draw(st.one_of(st.sampled_from(valid[key]), hostile_text), label=key)
        for key in keys
    }
    answer = signed_in.http.get("/oauth2/authorize", params=params)
    assert answer.status_code < 500, answer.text
    location = answer.headers.get("location")
    if location is None:
        assert answer.status_code == 400
        return
    assert answer.status_code == 302
    if location.startswith("/login?"):
        return
    assert location.startswith(hosted_ui.redirect_uri)
    assert urlsplit(location)._replace(query="", fragment="").geturl() == hosted_ui.redirect_uri
    answered = query_of(location) | fragment_of(location)
    issued = {"code", "access_token", "id_token"} & set(answered)
    if issued:
        assert _passes_every_check(params, hosted_ui), (params, answered)
        assert "error" not in answered
    if "id_token" in answered:  # the implicit flow: the nonce sent, or none at all
        claims = jwt.decode(answered["id_token"], options={"verify_signature": False})
        assert claims.get("nonce") == params.get("nonce")
    if params.get("state"):
        assert answered.get("state") == params["state"]


@FUZZ
@given(
    form=st.dictionaries(
        keys=st.sampled_from(
            [
                "grant_type",
                "client_id",
                "client_secret",
                "code",
                "redirect_uri",
                "code_verifier",
                "refresh_token",
                "scope",
            ]
        ),
        values=st.one_of(
            hostile_text,
            st.sampled_from(
                ["authorization_code", "refresh_token", "client_credentials", PKCE.verifier]
            ),
        ),
    )
)
def test_any_token_request_without_a_real_grant_is_refused_without_5xx(
    hosted_ui: UiUnderTest, form: dict[str, str]
) -> None:
    """GIVEN any token form with a made-up code or refresh token WHEN posted THEN a 400/401
    OAuth error, never a 5xx and never a token."""
    form = dict(form)
    form.setdefault("client_id", hosted_ui.client_id)
    answer = hosted_ui.agent().http.post("/oauth2/token", data=form)
    assert answer.status_code in (400, 401), answer.text
    body = answer.json()
    assert isinstance(body.get("error"), str)
    assert not {"access_token", "id_token", "refresh_token"} & set(body)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.lists(st.sampled_from(["grant_type=", "code=", "&", "=", "%", "%ff", "%00", "a"]))
        .map("".join)
        .map(str.encode),
        st.just(b"a=1&" * 40),  # more fields than allowed
        st.just(b"a=" + b"x" * 20_000),  # larger than allowed
    ),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "text/plain",
            "application/json",
            "",
        ]
    ),
)
# Found by this test: a repeated field whose name OAuth may not echo (a control character).
@example(body=b"%00=a&%00=b", content_type="application/x-www-form-urlencoded")
def test_any_raw_body_to_the_token_endpoint_and_the_forms_is_a_clean_4xx(
    hosted_ui: UiUnderTest, body: bytes, content_type: str
) -> None:
    """GIVEN any bytes under any content type WHEN posted to the token endpoint, the login,
    sign-up, confirm, resend or password-reset form THEN a 4xx (OAuth JSON error or the error
    page), never a 5xx or a token."""
    agent = hosted_ui.agent()
    params = agent.params(PKCE)
    headers = {"content-type": content_type} if content_type else {}
    token = agent.http.post("/oauth2/token", content=body, headers=headers)
    assert token.status_code in (400, 401), token.text
    assert not {"access_token", "id_token", "refresh_token"} & set(token.json())
    for page in (
        "login",
        "signup",
        "confirm",
        "resendcode",
        "forgotPassword",
        "confirmForgotPassword",
    ):
        answer = agent.http.post(f"/{page}", params=params, content=body, headers=headers)
        assert 400 <= answer.status_code < 500, answer.text
        assert "location" not in answer.headers
