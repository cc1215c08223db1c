"""Managed login's choices in a real Chromium, on the hosted UI over the shared run's deployed
pool (its default configuration enables the password, e-mail codes and passkeys): an e-mailed
code from the outbox signs in, a wrong one shows Cognito's message and goes nowhere, and a
passkey held by the DevTools protocol's virtual authenticator signs in through the passkey
page's script. Each sign-in ends at the callback with a code that redeems to tokens.

The callback is the demo page; the test answers every request that page makes (its script
too), so the code reaches the test unspent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from local.emulator.caller.outbox import read_outbox
from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import PASSWORD, Pkce, create_user, new_email, query_of
from tests.local.passkey_browser import VirtualAuthenticator
from tests.local.test_browser_flow import browser as browser

# navigator.credentials.create in the page with the pool's CredentialCreationOptions, as
# Amplify's associateWebAuthnCredential does; the credential as WebAuthn's JSON.
_REGISTER = """async (options) => {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  const credential = await navigator.credentials.create({ publicKey });
  return credential.toJSON();
}"""


@dataclass
class Visit:
    """One browser tab on the hosted UI's login page for a fresh authorize request."""

    page: Page
    pkce: Pkce
    held: list[str]  # what the callback page asked for (answered by the test, not the page)
    problems: list[str]  # script errors and CSP violations


@pytest.fixture
def visit(browser: Browser, hosted_ui: UiUnderTest) -> Iterator[Visit]:
    context = browser.new_context()
    page = context.new_page()
    seen = Visit(page, Pkce.new(), [], [])
    page.on("pageerror", lambda error: seen.problems.append(str(error)))
    page.on(
        "console",
        lambda message: seen.problems.append(message.text) if message.type == "error" else None,
    )

    def hold(route: Route) -> None:  # the demo page's script would redeem the code itself
        seen.held.append(route.request.url)
        route.fulfill(status=204)

    page.route(lambda url: url.startswith(hosted_ui.redirect_uri), hold)
    params = hosted_ui.agent().params(seen.pkce)
    page.goto(f"{hosted_ui.base_url}/oauth2/authorize?{urlencode(params)}")
    page.wait_for_url(f"{hosted_ui.base_url}/login?*")
    yield seen
    context.close()


def _new_user(hosted_ui: UiUnderTest) -> str:
    email = new_email()
    create_user(hosted_ui.ui.pool.cognito, hosted_ui.ui.pool.pool_id, email)
    return email


def _redeemed(hosted_ui: UiUnderTest, seen: Visit) -> dict[str, Any]:
    """The claims of the ID token the callback's code redeems to (with the PKCE verifier),
    once the pages on the way had no script error or CSP violation."""
    seen.page.wait_for_url(f"{hosted_ui.redirect_uri}?*")
    arrived = query_of(seen.page.url)
    assert arrived.get("state") == "state-123", seen.page.url
    code = arrived.get("code")
    assert code is not None, seen.page.url
    assert seen.problems == []
    tokens = hosted_ui.agent().redeem(code, seen.pkce)
    assert tokens.status_code == 200, tokens.text
    return hosted_ui.verify(tokens.json()["id_token"], use="id")


def _choose_code(hosted_ui: UiUnderTest, seen: Visit, email: str) -> str:
    """Type the e-mail, choose the e-mail code: the code page; the code the pool sent."""
    seen.page.fill("#username", email)
    seen.page.click("#factor-email_otp")
    seen.page.wait_for_url(f"{hosted_ui.base_url}/login/choose?*")
    expect(seen.page.locator("#code")).to_be_visible()
    expect(seen.page.locator("#notice")).to_contain_text("We have sent a code by email")
    sent = read_outbox(
        hosted_ui.ui.endpoint_url, user_pool_id=hosted_ui.ui.pool.pool_id, destination=email
    )
    assert sent, f"no code in the outbox for {email}"
    return sent[-1].code


def test_an_emailed_code_signs_in_through_the_login_pages_choice(
    hosted_ui: UiUnderTest, visit: Visit
) -> None:
    """GIVEN the login page of the deployed pool WHEN a user types the e-mail, chooses "Sign in
    with an e-mail code" and types the code from the outbox THEN the browser lands on the
    callback with a code that redeems to this user's tokens; no script error on the way."""
    email = _new_user(hosted_ui)
    code = _choose_code(hosted_ui, visit, email)
    visit.page.fill("#code", code)
    visit.page.click("button[name=signInWithCode]")
    assert _redeemed(hosted_ui, visit)["email"] == email


def test_a_wrong_emailed_code_shows_cognitos_message_and_goes_nowhere(
    hosted_ui: UiUnderTest, visit: Visit
) -> None:
    """GIVEN the code page WHEN a wrong code is typed THEN the page shows the pool's error,
    the code form stays, and the browser never reaches the callback."""
    email = _new_user(hosted_ui)
    right = _choose_code(hosted_ui, visit, email)
    visit.page.fill("#code", "000000" if right != "000000" else "111111")
    visit.page.click("button[name=signInWithCode]")
    expect(visit.page.locator("#error")).to_be_visible()
    expect(visit.page.locator("#code")).to_be_visible()
    assert not visit.page.url.startswith(hosted_ui.redirect_uri)
    assert visit.held == []


def _register_passkey(hosted_ui: UiUnderTest, page: Page, email: str) -> None:
    """The user's passkey in the page's virtual authenticator, registered with the pool
    (StartWebAuthnRegistration / CompleteWebAuthnRegistration with a password sign-in's
    access token), from the hosted UI's origin."""
    cognito = hosted_ui.ui.pool.cognito
    signed_in = cognito.admin_initiate_auth(
        UserPoolId=hosted_ui.ui.pool.pool_id,
        ClientId=hosted_ui.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    access = signed_in["AuthenticationResult"]["AccessToken"]
    options = cognito.start_web_authn_registration(AccessToken=access)
    credential = page.evaluate(_REGISTER, options["CredentialCreationOptions"])
    cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)


def test_a_passkey_signs_in_through_the_passkey_page(hosted_ui: UiUnderTest, visit: Visit) -> None:
    """GIVEN a user whose passkey lives in Chromium's virtual authenticator WHEN they type the
    e-mail, choose "Sign in with a passkey" and use it THEN the passkey page's script posts the
    assertion and the browser lands on the callback with a code that redeems to this user's
    tokens; no script error or CSP violation on the way."""
    email = _new_user(hosted_ui)
    _add_virtual_authenticator(visit.page)
    _register_passkey(hosted_ui, visit.page, email)
    _sign_in_with_passkey(hosted_ui, visit, email)


def _add_virtual_authenticator(page: Page) -> None:
    """Chromium's virtual authenticator for this tab: a platform passkey store that verifies
    the user at once (the DevTools protocol's WebAuthn domain)."""
    VirtualAuthenticator.attach(page)


def _sign_in_with_passkey(hosted_ui: UiUnderTest, visit: Visit, email: str) -> None:
    """On the login page: the e-mail, "Sign in with a passkey", "Use your passkey"; the code
    at the callback redeems to this user's tokens, with no script error on the way."""
    visit.page.fill("#username", email)
    visit.page.click("#factor-web_authn")
    visit.page.wait_for_url(f"{hosted_ui.base_url}/login/choose?*")
    options = json.loads(visit.page.locator("#passkey-form").get_attribute("data-options") or "")
    assert options["rpId"] == "localhost"
    visit.page.click("#use-passkey")
    assert _redeemed(hosted_ui, visit)["email"] == email


def test_a_passkey_added_on_the_passkey_page_then_signs_in(
    hosted_ui: UiUnderTest, visit: Visit
) -> None:
    """GIVEN a user signed in on the hosted UI with the password WHEN they open /passkeys/add
    for the app and press "Add a passkey" THEN the page's script registers the virtual
    authenticator's passkey with the pool and the browser goes back to the callback; on a new
    authorize, that passkey signs in."""
    email = _new_user(hosted_ui)
    _add_virtual_authenticator(visit.page)
    visit.page.fill("#username", email)
    visit.page.fill("#password", PASSWORD)
    visit.page.click("button[name=signInSubmitButton]")
    visit.page.wait_for_url(f"{hosted_ui.redirect_uri}?*")
    query = urlencode({"client_id": hosted_ui.client_id, "redirect_uri": hosted_ui.redirect_uri})
    visit.page.goto(f"{hosted_ui.base_url}/passkeys/add?{query}")
    expect(visit.page.locator("#not-now")).to_have_attribute("href", hosted_ui.redirect_uri)
    visit.page.click("#add-passkey")
    visit.page.wait_for_url(hosted_ui.redirect_uri)
    visit.page.context.clear_cookies()  # signed out: the passkey must do the signing in
    visit.pkce = Pkce.new()
    params = hosted_ui.agent().params(visit.pkce)
    visit.page.goto(f"{hosted_ui.base_url}/oauth2/authorize?{urlencode(params)}")
    visit.page.wait_for_url(f"{hosted_ui.base_url}/login?*")
    _sign_in_with_passkey(hosted_ui, visit, email)
