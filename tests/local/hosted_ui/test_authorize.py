"""The authorize endpoint and the login/sign-up/logout pages: Cognito's checks, in its order.

An unknown client or an unregistered redirect_uri gets the error page and no redirect at all
(an open redirect otherwise); later problems go back to the registered URI as `error=`, with
the state echoed; nothing is issued for a request that fails a check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import (
    PASSWORD,
    Pkce,
    csrf_of,
    fragment_of,
    new_email,
    page_error,
    query_of,
)


def _redirect_attacks(registered: str) -> list[str]:
    parts = urlsplit(registered)  # http://localhost:PORT/
    host = parts.netloc
    return [
        "https://evil.example/",
        "//evil.example/",
        f"http://{host}@evil.example/",
        f"http://{host}.evil.example/",
        f"{registered}callback",
        f"{registered}?next=https://evil.example/",
        f"{registered}#x",
        registered.rstrip("/"),
        registered.replace("http://", "https://"),
        registered.upper(),
        f"{registered} ",
        "javascript:alert(1)",
        "",
    ]


def test_an_unregistered_redirect_uri_gets_the_error_page_never_a_redirect(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN redirect_uri values that differ from the registered callback in any way (host,
    userinfo, path, query, fragment, scheme, case, a trailing space) WHEN authorize, login or
    sign-up is asked THEN 400 with Cognito's redirect_mismatch on the error page, no Location."""
    agent = hosted_ui.agent()
    for attack in _redirect_attacks(hosted_ui.redirect_uri):
        for page in ("oauth2/authorize", "login", "signup"):
            answer = agent.http.get(
                f"/{page}", params=agent.params(Pkce.new(), redirect_uri=attack)
            )
            assert answer.status_code == 400, (attack, page)
            assert "location" not in answer.headers
            assert page_error(answer.text).startswith("redirect_mismatch"), attack


@pytest.mark.parametrize("client_id", ["", "nope", "x" * 129, "../../etc", "a b"])
def test_an_unknown_client_gets_the_error_page(hosted_ui: UiUnderTest, client_id: str) -> None:
    """GIVEN a missing, unknown or malformed client_id WHEN authorize is asked THEN the error
    page (400), no redirect."""
    agent = hosted_ui.agent()
    answer = agent.http.get("/oauth2/authorize", params=agent.params(client_id=client_id))
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert page_error(answer.text).startswith("invalid_request: client_id")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": None}, "unsupported_response_type"),
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"response_type": "code token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"scope": "aws.cognito.signin.user.admin"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"code_challenge": "a" * 44}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),  # a method without a challenge
    ],
)
def test_a_bad_authorize_request_goes_back_to_the_registered_uri_with_error(
    hosted_ui: UiUnderTest, overrides: dict[str, str | None], error: str
) -> None:
    """GIVEN a registered redirect_uri and an otherwise bad request WHEN authorize is asked
    THEN 302 to the registered URI with error= and the state, and no code."""
    agent = hosted_ui.agent()
    answer = agent.http.get("/oauth2/authorize", params=agent.params(Pkce.new(), **overrides))
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(f"{hosted_ui.redirect_uri}?")
    params = query_of(location)
    assert params["error"] == error
    assert params["state"] == "state-123"
    assert "code" not in params


def test_implicit_flow_errors_and_tokens_travel_in_the_fragment(hosted_ui: UiUnderTest) -> None:
    """GIVEN response_type=token WHEN the scope is refused THEN the error is in the fragment;
    WHEN the user signs up THEN the ID and access tokens and the state are in the fragment."""
    agent = hosted_ui.agent()
    refused = agent.http.get(
        "/oauth2/authorize", params=agent.params(response_type="token", scope="admin")
    )
    assert fragment_of(refused.headers["location"])["error"] == "invalid_scope"

    answer = agent.join(agent.params(response_type="token"), new_email())
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(f"{hosted_ui.redirect_uri}#")
    tokens = fragment_of(location)
    assert set(tokens) == {"id_token", "access_token", "expires_in", "token_type", "state"}
    assert tokens["state"] == "state-123"
    assert tokens["token_type"] == "Bearer"


def test_a_client_without_the_implicit_flow_gets_unauthorized_client(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN a client allowed only the code flow WHEN response_type=token THEN
    unauthorized_client on the redirect."""
    agent = hosted_ui.agent(hosted_ui.secret_client["ClientId"])
    answer = agent.http.get(
        "/oauth2/authorize", params=agent.params(response_type="token", scope="openid")
    )
    assert fragment_of(answer.headers["location"])["error"] == "unauthorized_client"


def test_signed_out_authorize_shows_the_login_page_with_the_same_request(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN no session WHEN authorize is valid THEN 302 to /login carrying the request; the
    login page has Cognito's field names, a CSRF token and a strict CSP."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    answer = agent.http.get("/oauth2/authorize", params=params)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("/login?")
    assert query_of(answer.headers["location"]) == params
    page = agent.http.get(answer.headers["location"])
    assert "name=username" in page.text
    assert "name=password" in page.text
    assert csrf_of(page.text)
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("csrf", [None, "forged-token"])
def test_a_form_without_the_csrf_token_is_refused(hosted_ui: UiUnderTest, csrf: str | None) -> None:
    """GIVEN a login or sign-up POST whose _csrf is missing or differs from the cookie WHEN it
    is submitted THEN 403 and nothing is created or issued."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    email = new_email()
    agent.http.get("/signup", params=params)  # sets the CSRF cookie
    fields = {"username": email, "password": PASSWORD}
    if csrf is not None:
        fields["_csrf"] = csrf
    for page in ("signup", "login"):
        answer = agent.http.post(f"/{page}", params=params, data=fields)
        assert answer.status_code == 403
        assert "CSRF" in page_error(answer.text)
    with pytest.raises(ClientError, match="UserNotFound"):
        hosted_ui.ui.pool.cognito.admin_get_user(
            UserPoolId=hosted_ui.ui.pool.pool_id, Username=email
        )


def test_a_wrong_password_or_unknown_user_shows_one_message_and_issues_nothing(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN a user WHEN the password is wrong, or the user unknown THEN 400 with Cognito's
    'Incorrect username or password.' (no user enumeration) and no redirect."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    email = new_email()
    assert agent.join(params, email).status_code == 302
    fresh = hosted_ui.agent()
    for username, password in ((email, PASSWORD + "x"), (new_email(), PASSWORD)):
        answer = fresh.log_in(params, username, password)
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert page_error(answer.text) == "Incorrect username or password."


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("weak@example.com", "short", "Password did not conform with policy: at least 12"),
        ("nosymbol@example.com", "Abcdefghijk1", "Password did not conform with policy"),
        ("not-an-email", PASSWORD, "Username should be"),
        ("", PASSWORD, "username is required."),
    ],
)
def test_sign_up_honours_the_pools_password_policy_and_username_rules(
    hosted_ui: UiUnderTest, username: str, password: str, message: str
) -> None:
    """GIVEN the deployed pool's 12-character policy and e-mail user names WHEN a sign-up breaks
    them THEN 400 with the reason on the page and no user is created."""
    agent = hosted_ui.agent()
    answer = agent.sign_up(agent.params(Pkce.new()), username, password)
    assert answer.status_code == 400
    assert page_error(answer.text).startswith(message)
    if username:
        with pytest.raises(ClientError):
            hosted_ui.ui.pool.cognito.admin_get_user(
                UserPoolId=hosted_ui.ui.pool.pool_id, Username=username
            )


def test_signing_up_twice_says_the_account_exists(hosted_ui: UiUnderTest) -> None:
    """GIVEN a signed-up e-mail WHEN it signs up again THEN Cognito's message, no redirect."""
    email = new_email()
    params = hosted_ui.agent().params(Pkce.new())
    assert hosted_ui.agent().sign_up(params, email).status_code == 302
    again = hosted_ui.agent().sign_up(params, email)
    assert again.status_code == 400
    assert page_error(again.text) == "An account with the given email already exists."


def test_sign_up_asks_for_the_code_and_leaves_the_user_unconfirmed(hosted_ui: UiUnderTest) -> None:
    """GIVEN the pool's e-mail verification WHEN a user signs up THEN, as Cognito's classic
    hosted UI, 302 to the confirm page (same request, the e-mail filled in, a code field and a
    resend button), no code or token for the callback, and the user is UNCONFIRMED."""
    email = new_email()
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    answer = agent.sign_up(params, email)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith("/confirm?")
    assert query_of(location) == params
    page = agent.http.get(location)
    assert page.status_code == 200
    assert f'value="{email}"' in page.text
    assert "name=code" in page.text
    assert 'action="/resendcode?' in page.text
    assert 'href="/_local/outbox"' in page.text
    user = hosted_ui.ui.pool.cognito.admin_get_user(
        UserPoolId=hosted_ui.ui.pool.pool_id, Username=email
    )
    assert user["UserStatus"] == "UNCONFIRMED"


def test_an_unconfirmed_user_cannot_log_in(hosted_ui: UiUnderTest) -> None:
    """GIVEN a sign-up without its code WHEN the user logs in THEN Cognito's 'User is not
    confirmed.' and nothing issued (moto alone lets an unconfirmed user sign in)."""
    email = new_email()
    params = hosted_ui.agent().params(Pkce.new())
    assert hosted_ui.agent().sign_up(params, email).headers["location"].startswith("/confirm?")
    refused = hosted_ui.agent().log_in(params, email)
    assert refused.status_code == 400
    assert "location" not in refused.headers
    assert page_error(refused.text) == "User is not confirmed."


def test_a_repeated_parameter_is_refused(hosted_ui: UiUnderTest) -> None:
    """GIVEN redirect_uri twice (one registered, one not) WHEN authorize is asked THEN the
    error page: the server never picks one."""
    agent = hosted_ui.agent()
    query = (
        f"client_id={hosted_ui.client_id}&response_type=code"
        f"&redirect_uri={hosted_ui.redirect_uri}&redirect_uri=https://evil.example/"
    )
    answer = agent.http.get(f"/oauth2/authorize?{query}")
    assert answer.status_code == 400
    assert "appears more than once" in page_error(answer.text)


def test_a_session_skips_the_form_until_logout(hosted_ui: UiUnderTest) -> None:
    """GIVEN a signed-in browser WHEN authorize is asked again THEN a code at once (Cognito's
    session); WHEN /logout names an unregistered logout_uri THEN the error page and the session
    stays; WHEN it names the registered one THEN 302 there and the next authorize shows /login."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    assert agent.join(params, new_email()).status_code == 302
    again = agent.http.get("/oauth2/authorize", params=params)
    assert "code" in query_of(again.headers["location"])

    refused = agent.http.get(
        "/logout", params={"client_id": hosted_ui.client_id, "logout_uri": "https://evil.example/"}
    )
    assert refused.status_code == 400
    assert "location" not in refused.headers
    still = agent.http.get("/oauth2/authorize", params=params)
    assert "code" in query_of(still.headers["location"])

    out = agent.http.get(
        "/logout", params={"client_id": hosted_ui.client_id, "logout_uri": hosted_ui.redirect_uri}
    )
    assert out.status_code == 302
    assert out.headers["location"] == hosted_ui.redirect_uri
    after = agent.http.get("/oauth2/authorize", params=params)
    assert after.headers["location"].startswith("/login?")


@pytest.mark.parametrize(
    "params",
    [{}, {"client_id": "nope", "logout_uri": "x"}, {"client_id": "{client}"}],
)
def test_logout_without_a_known_client_and_target_gets_the_error_page(
    hosted_ui: UiUnderTest, params: dict[str, str]
) -> None:
    """GIVEN /logout without a client, with an unknown one, or without logout_uri/redirect_uri
    WHEN called THEN the error page, no redirect."""
    agent = hosted_ui.agent()
    filled = {k: v.replace("{client}", hosted_ui.client_id) for k, v in params.items()}
    answer = agent.http.get("/logout", params=filled)
    assert answer.status_code == 400
    assert "location" not in answer.headers


def test_a_session_whose_user_was_deleted_asks_for_sign_in_again(hosted_ui: UiUnderTest) -> None:
    """GIVEN a signed-in browser WHEN its user is deleted from the pool THEN authorize shows
    the login page instead of issuing a code (or failing)."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    email = new_email()
    assert agent.join(params, email).status_code == 302
    hosted_ui.ui.pool.cognito.admin_delete_user(
        UserPoolId=hosted_ui.ui.pool.pool_id, Username=email
    )
    answer = agent.http.get("/oauth2/authorize", params=params)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("/login?")


def test_five_wrong_passwords_lock_the_hosted_ui_login_too(hosted_ui: UiUnderTest) -> None:
    """GIVEN a user WHEN the login form gets five wrong passwords THEN the right one shows the
    pool's "Password attempts exceeded" and issues nothing (was: signed in)."""
    agent = hosted_ui.agent()
    params = agent.params(Pkce.new())
    email = new_email()
    assert agent.join(params, email).status_code == 302
    fresh = hosted_ui.agent()
    for _ in range(5):
        assert page_error(fresh.log_in(params, email, PASSWORD + "x").text) == (
            "Incorrect username or password."
        )
    locked = fresh.log_in(params, email, PASSWORD)
    assert locked.status_code == 400
    assert "location" not in locked.headers
    assert page_error(locked.text) == "Password attempts exceeded"
