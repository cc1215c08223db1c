"""The hosted UI's "Forgot your password?": the pool sends a code (read here from the local
outbox), the right code and a new password that meets the policy reset it; a wrong code or a
weak password shows the pool's message and the old password still works."""

from __future__ import annotations

import httpx

from local.emulator.caller.outbox import latest_code
from tests.local.conftest import LocalRun
from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import (
    PASSWORD,
    Agent,
    Pkce,
    create_user,
    new_email,
    page_error,
)

NEW_PASSWORD = "Another-Horse-7-staple"


def _user(hosted_ui: UiUnderTest) -> tuple[Agent, dict[str, str], str]:
    agent, email = hosted_ui.agent(), new_email()
    create_user(hosted_ui.ui.pool.cognito, hosted_ui.ui.pool.pool_id, email)
    return agent, agent.params(Pkce.new()), email


def _reset(
    agent: Agent, params: dict[str, str], email: str, code: str, password: str
) -> httpx.Response:
    return agent.submit(
        "confirmForgotPassword", params, username=email, code=code, password=password
    )


def test_the_login_page_links_to_forgot_password_and_its_forms_check_their_fields(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN the login page WHEN read THEN it links to /forgotPassword with the same request;
    WHEN the forgot form has no e-mail THEN 400 asking for it; WHEN the reset form lacks the
    code or the password THEN 400 asking for both; WHEN its CSRF token is missing THEN 403."""
    agent, params, email = _user(hosted_ui)
    login = agent.http.get("/login", params=params)
    assert 'href="/forgotPassword?' in login.text
    answer = agent.submit("forgotPassword", params, username="")
    assert answer.status_code == 400
    assert page_error(answer.text) == "Enter your email."
    for code, password in (("", NEW_PASSWORD), ("123456", "")):
        answer = _reset(agent, params, email, code, password)
        assert answer.status_code == 400
        assert page_error(answer.text) == "Enter the code and a new password."
    forged = agent.http.post(
        "/confirmForgotPassword",
        params=params,
        data={"username": email, "code": "1", "password": NEW_PASSWORD},
    )
    assert forged.status_code == 403
    assert agent.log_in(params, email).status_code == 302  # the password did not change


def _code(local_run: LocalRun, email: str) -> str:
    return latest_code(local_run.endpoint_url, email, kinds=("forgot_password",))


def test_the_outbox_code_and_a_new_password_reset_it(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a confirmed user WHEN 'Reset my password' sends a code and the code is entered
    with a new password THEN the login page says it is reset; the new password signs in and
    the old one is refused."""
    agent, params, email = _user(hosted_ui)
    sent = agent.submit("forgotPassword", params, username=email)
    assert sent.status_code == 200, sent.text
    assert "We have sent a password reset code to" in sent.text
    answer = _reset(agent, params, email, _code(local_run, email), NEW_PASSWORD)
    assert answer.status_code == 200, answer.text
    assert "Your password has been reset." in answer.text
    assert hosted_ui.agent().log_in(params, email, NEW_PASSWORD).status_code == 302
    old = hosted_ui.agent().log_in(params, email, PASSWORD)
    assert page_error(old.text) == "Incorrect username or password."


def test_a_wrong_code_or_a_weak_password_resets_nothing(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a sent reset code WHEN a wrong code is entered THEN 400 with Cognito's 'Invalid
    verification code provided, please try again.'; WHEN the right code comes with a password
    the policy refuses THEN 400 with the policy message; either way the old password works."""
    agent, params, email = _user(hosted_ui)
    assert agent.submit("forgotPassword", params, username=email).status_code == 200
    right = _code(local_run, email)
    wrong = str((int(right) + 1) % 1_000_000).zfill(len(right))
    answer = _reset(agent, params, email, wrong, NEW_PASSWORD)
    assert answer.status_code == 400
    assert page_error(answer.text) == "Invalid verification code provided, please try again."
    weak = _reset(agent, params, email, right, "short")
    assert weak.status_code == 400
    assert page_error(weak.text).startswith("Password did not conform with policy")
    assert hosted_ui.agent().log_in(params, email, PASSWORD).status_code == 302
