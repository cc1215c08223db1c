"""The hosted UI's confirm step, as Cognito's classic hosted UI has it: after sign-up the code
the pool sent (read here from the local outbox) confirms the account and signs the user in; a
wrong code shows Cognito's message and changes nothing; resend sends a new one. The outbox is
also a page on the hosted UI's port."""

from __future__ import annotations

from typing import Any

import httpx

from local.emulator.caller.outbox import latest_code, read_outbox
from local.hosted_ui import build_hosted_ui
from local.runtime.client import local_client
from tests.local.conftest import LocalRun
from tests.local.hosted_ui.conftest import UiUnderTest, serving
from tests.local.hosted_ui.oauth import Agent, Pkce, csrf_of, new_email, page_error, query_of
from tools.ports import free_port


def _status(hosted_ui: UiUnderTest, email: str) -> str:
    pool = hosted_ui.ui.pool
    user: dict[str, Any] = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    return str(user["UserStatus"])


def _signed_up(hosted_ui: UiUnderTest) -> tuple[Agent, dict[str, str], str]:
    """A browser that has just signed up a new user: it is on the confirm page."""
    agent, email = hosted_ui.agent(), new_email()
    params = agent.params(Pkce.new())
    assert agent.sign_up(params, email).headers["location"].startswith("/confirm?")
    return agent, params, email


def _confirm(agent: Agent, params: dict[str, str], email: str, code: str) -> httpx.Response:
    return agent.submit("confirm", params, username=email, code=code)


def _code(local_run: LocalRun, email: str) -> str:
    return latest_code(local_run.endpoint_url, email)


def test_the_confirm_form_needs_a_code_and_its_csrf_token(hosted_ui: UiUnderTest) -> None:
    """GIVEN the confirm page WHEN posted without a code THEN 400 asking for it; WHEN posted
    without the CSRF token THEN 403; either way the user stays UNCONFIRMED."""
    agent, params, email = _signed_up(hosted_ui)
    answer = _confirm(agent, params, email, "")
    assert answer.status_code == 400
    assert page_error(answer.text) == "Enter the verification code."
    forged = agent.http.post("/confirm", params=params, data={"username": email, "code": "1"})
    assert forged.status_code == 403
    assert _status(hosted_ui, email) == "UNCONFIRMED"


def test_the_code_from_the_outbox_confirms_and_signs_the_user_in(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a fresh sign-up WHEN the code the pool put in the outbox is entered THEN 302 to
    the callback with a code and the state (signed in, as the classic hosted UI does), the
    user is CONFIRMED and its ID token says email_verified true (auto-verified e-mail)."""
    agent, params, email = _signed_up(hosted_ui)
    answer = _confirm(agent, params, email, _code(local_run, email))
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(hosted_ui.redirect_uri)
    assert query_of(location)["state"] == "state-123"
    assert _status(hosted_ui, email) == "CONFIRMED"
    pkce = Pkce.new()
    code = agent.code(pkce, email=email)
    id_token = agent.redeem(code, pkce).json()["id_token"]
    assert hosted_ui.verify(id_token, use="id")["email_verified"] is True


def test_a_wrong_code_shows_cognitos_message_and_changes_nothing(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a fresh sign-up WHEN a wrong code is entered THEN 400 with Cognito's 'Invalid
    verification code provided, please try again.', no redirect, the user UNCONFIRMED; the
    right code still confirms afterwards."""
    agent, params, email = _signed_up(hosted_ui)
    right = _code(local_run, email)
    wrong = str((int(right) + 1) % 1_000_000).zfill(len(right))
    answer = _confirm(agent, params, email, wrong)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert page_error(answer.text) == "Invalid verification code provided, please try again."
    assert _status(hosted_ui, email) == "UNCONFIRMED"
    assert _confirm(agent, params, email, right).status_code == 302


def test_resend_puts_a_new_code_in_the_outbox_that_confirms(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a fresh sign-up WHEN 'Resend code' is pressed THEN the confirm page says where the
    new code went, the outbox holds one more message for the user, and its code confirms."""
    agent, params, email = _signed_up(hosted_ui)
    pool_id = local_run.outputs.user_pool_id
    before = read_outbox(local_run.endpoint_url, user_pool_id=pool_id, destination=email)
    form = agent.http.get("/confirm", params=params)
    answer = agent.http.post(
        "/resendcode", params=params, data={"_csrf": csrf_of(form.text), "username": email}
    )
    assert answer.status_code == 200, answer.text
    assert "We have sent a new code to" in answer.text
    after = read_outbox(local_run.endpoint_url, user_pool_id=pool_id, destination=email)
    assert len(after) == len(before) + 1
    assert _confirm(agent, params, email, after[-1].code).status_code == 302


def test_another_browser_confirms_then_signs_in_with_the_password(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN a sign-up in one browser WHEN another one (no pending sign-up) enters the right
    code THEN the account is confirmed and the login page says so, with the e-mail filled in:
    only the browser that typed the password is signed in without it."""
    _, params, email = _signed_up(hosted_ui)
    other = hosted_ui.agent()
    answer = _confirm(other, params, email, _code(local_run, email))
    assert answer.status_code == 200
    assert "Your account is confirmed. Sign in." in answer.text
    assert f'value="{email}"' in answer.text
    assert other.log_in(params, email).status_code == 302


def test_the_outbox_page_lists_the_code_sent(hosted_ui: UiUnderTest, local_run: LocalRun) -> None:
    """GIVEN a fresh sign-up WHEN the hosted UI's /_local/outbox page is opened THEN it lists
    the message to that e-mail with its code, as an HTML page under the hosted UI's CSP."""
    _, _, email = _signed_up(hosted_ui)
    page = httpx.get(f"{hosted_ui.base_url}/_local/outbox")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert _code(local_run, email) in page.text
    assert email in page.text


def test_the_outbox_page_says_why_when_the_outbox_cannot_be_read(local_run: LocalRun) -> None:
    """GIVEN a hosted UI whose local AWS endpoint does not answer WHEN /_local/outbox is opened
    THEN 503 with a one-line reason on the page, never a traceback."""
    pool_id = local_run.outputs.user_pool_id
    assert pool_id is not None
    port, dead = free_port(), f"http://localhost:{free_port()}"
    ui = build_hosted_ui(
        local_client("cognito-idp", local_run.endpoint_url),
        pool_id,
        base_url=f"http://localhost:{port}",
        endpoint_url=dead,
    )
    with serving(ui.app, port):
        page = httpx.get(f"http://localhost:{port}/_local/outbox")
    assert page.status_code == 503
    assert "cannot read the outbox" in page_error(page.text)
    assert "Traceback" not in page.text
