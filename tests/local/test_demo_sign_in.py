"""The demo page's own sign-in choices (choice-based sign-in, USER_AUTH, straight to the user
pool API) in headless Chromium with a WebAuthn virtual authenticator, against the shared run
with scoped routes: it offers what the deployed pool allows, signs in with a password, an
e-mail code (from the local outbox) or a passkey it registered, refreshes and signs out through
the API; a wrong code shows Cognito's error; a passkey the user does not have falls back to the
ways the user can answer. No script error, CSP violation or 5xx on the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

import boto3
import pytest
import uvicorn
import webauthn
from playwright.sync_api import Browser, Page, expect
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from local.runtime.client import local_aws_environment, local_client
from tests.local.conftest import LocalRun, serve_config_in_thread
from tests.local.hosted_ui.oauth import PASSWORD, create_user, new_email
from tests.local.passkey_browser import (
    PoolAnswers,
    VirtualAuthenticator,
    messages_sent,
    next_code,
)
from tests.local.passkey_browser import browser as browser
from tests.local.test_browser_flow import watched_page
from tools.demo import DemoConfig, demo_app
from tools.demo.__main__ import direct_sign_in
from tools.demo.choices import DirectSignIn
from tools.ports import free_port

pytestmark = pytest.mark.local

OFFERED_BY_DEV = ["WEB_AUTHN", "EMAIL_OTP", "PASSWORD"]  # signInFactors' dev default


@dataclass
class DemoPage:
    page: Page
    authenticator: VirtualAuthenticator
    run: LocalRun
    problems: list[str]

    def signed_in_as(self, email: str) -> None:
        expect(self.page.locator("#status")).to_have_text(f"Signed in as {email}")

    def api_status(self, token: str) -> str:
        self.page.check(f"#use-{token}")
        self.page.click("#get-profile")
        expect(self.page.locator("#api-status")).to_contain_text("HTTP")
        return self.page.locator("#api-status").inner_text().rsplit(" ", 1)[-1]

    def log_out(self) -> None:
        self.page.click("#logout")
        expect(self.page.locator("#signed-out")).to_be_visible()


@pytest.fixture
def demo(browser: Browser, scoped_run: LocalRun) -> Iterator[DemoPage]:
    """The demo page with a virtual authenticator; afterwards no script error, CSP violation
    or 5xx from the pool."""
    page, problems = watched_page(browser)
    page.set_default_timeout(10_000)  # a pool answer takes milliseconds; fail fast
    authenticator = VirtualAuthenticator.attach(page)
    answers = PoolAnswers(scoped_run.endpoint_url)
    answers.watch(page)
    page.goto(scoped_run.demo_url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    yield DemoPage(page, authenticator, scoped_run, problems)
    page.close()
    assert answers.server_errors() == [], answers.seen
    assert problems == []


def _user(run: LocalRun) -> str:
    email = new_email()
    pool_id = run.outputs.user_pool_id
    assert pool_id is not None
    create_user(local_client("cognito-idp", run.endpoint_url), pool_id, email)
    return email


def test_the_page_offers_the_ways_the_pool_allows(demo: DemoPage) -> None:
    """GIVEN the dev defaults (password, e-mail code, passkey) WHEN the page loads THEN its
    config names them and the user pool API, the CSP lets it reach that API, and it shows a
    button for each (none for SMS) and the password field."""
    config = demo.page.evaluate("fetch('config.json').then((r) => r.json())")
    assert config["signInFactors"] == OFFERED_BY_DEV
    assert config["cognitoEndpoint"] == demo.run.endpoint_url
    served = demo.page.request.get(demo.run.demo_url)
    assert f" {demo.run.endpoint_url};" in served.headers["content-security-policy"]
    for factor in OFFERED_BY_DEV:
        expect(demo.page.locator(f"#direct-{factor}")).to_be_visible()
    expect(demo.page.locator("#direct-SMS_OTP")).to_be_hidden()
    expect(demo.page.locator("#direct-password")).to_be_visible()


def test_password_sign_in_registers_a_passkey_that_then_signs_in(demo: DemoPage) -> None:
    """GIVEN a confirmed user WHEN they sign in with the password on the page and press
    "Register a passkey" THEN the virtual authenticator holds a `localhost` passkey the pool
    lists; after logging out (RevokeToken), "Sign in with a passkey" signs in without the
    password, the access token gets 200 and the ID token 403 (scoped routes), refresh gives new
    tokens, and no token reached web storage."""
    email = _user(demo.run)
    page = demo.page
    page.fill("#direct-username", email)
    page.fill("#direct-password", PASSWORD)
    page.click("#direct-PASSWORD")
    demo.signed_in_as(email)
    page.click("#register-passkey")
    expect(page.locator("#passkey-status")).to_have_text("Passkey registered (1 on this account).")
    [held] = demo.authenticator.credentials()
    assert held["rpId"] == "localhost"
    demo.log_out()

    page.fill("#direct-username", email)
    page.fill("#direct-password", "")
    page.click("#direct-WEB_AUTHN")
    demo.signed_in_as(email)
    assert demo.api_status("access") == "200"
    assert demo.api_status("id") == "403"
    before = json.loads(page.locator("#access-token-claims").inner_text())
    page.click("#refresh")
    expect(page.locator("#status")).to_contain_text("(tokens refreshed)")
    after = json.loads(page.locator("#access-token-claims").inner_text())
    assert after["jti"] != before["jti"]
    storage = page.evaluate("JSON.stringify([{...sessionStorage}, {...localStorage}])")
    assert "eyJ" not in storage
    demo.log_out()


def test_an_email_code_signs_in_after_a_wrong_one_is_refused(demo: DemoPage) -> None:
    """GIVEN a confirmed user WHEN they ask for an e-mail code THEN the page asks for it; a wrong
    code shows Cognito's CodeMismatchException and signs nobody in; the outbox's code signs
    in."""
    email = _user(demo.run)
    page = demo.page
    before = messages_sent(demo.run.endpoint_url, email)
    page.fill("#direct-username", email)
    page.click("#direct-EMAIL_OTP")
    expect(page.locator("#direct-code")).to_be_visible()
    expect(page.locator("#direct-status")).to_contain_text("A code was sent to")
    code = next_code(demo.run.endpoint_url, email, before)
    page.fill("#direct-code", "000000" if code != "000000" else "111111")
    page.click("#direct-send-code")
    expect(page.locator("#error")).to_contain_text("CodeMismatchException")
    expect(page.locator("#signed-in")).to_be_hidden()
    page.fill("#direct-code", code)
    page.click("#direct-send-code")
    demo.signed_in_as(email)
    assert demo.api_status("access") == "200"


def test_a_passkey_the_user_does_not_have_falls_back_to_the_other_ways(demo: DemoPage) -> None:
    """GIVEN a user with no passkey WHEN they press "Sign in with a passkey" THEN the pool's
    SELECT_CHALLENGE leaves only the ways the user can answer (no passkey button); the password
    answers it and signs in."""
    email = _user(demo.run)
    page = demo.page
    page.fill("#direct-username", email)
    page.click("#direct-WEB_AUTHN")
    expect(page.locator("#direct-status")).to_contain_text("Choose another way to sign in")
    expect(page.locator("#direct-WEB_AUTHN")).to_be_hidden()
    expect(page.locator("#direct-EMAIL_OTP")).to_be_visible()
    page.fill("#direct-password", PASSWORD)
    page.click("#direct-PASSWORD")
    demo.signed_in_as(email)


def test_the_choices_are_read_from_the_deployed_pool(scoped_run: LocalRun) -> None:
    """GIVEN the deployed pool and client WHEN the page's server reads the choices THEN the dev
    defaults at the local endpoint; a client without ALLOW_USER_AUTH offers none (the page shows
    only the hosted UI buttons)."""
    cognito = local_client("cognito-idp", scoped_run.endpoint_url)
    pool_id, client_id = scoped_run.outputs.user_pool_id, scoped_run.outputs.client_id
    assert pool_id is not None
    assert client_id is not None
    read = DirectSignIn.read(cognito, pool_id, client_id)
    assert read == DirectSignIn(scoped_run.endpoint_url, tuple(OFFERED_BY_DEV))
    other = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"no-user-auth-{new_email()[5:13]}",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    try:
        assert DirectSignIn.read(cognito, pool_id, other) is None
    finally:
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=other)


def test_the_pages_webauthn_json_is_what_a_webauthn_library_verifies(browser: Browser) -> None:
    """GIVEN options made by py_webauthn (the library the pool verifies with) WHEN the page's
    own helpers turn them into navigator.credentials.create/get calls and the answers back into
    JSON THEN the library verifies the registration and the assertion for `localhost`."""
    config = DemoConfig("http://localhost:1", "client", "http://localhost:2", "http://localhost:3/")
    direct = DirectSignIn("http://localhost:4", ("WEB_AUTHN",))
    server = uvicorn.Config(demo_app(replace(config, direct=direct)), port=free_port())
    with serve_config_in_thread(server) as base_url:
        origin = base_url.replace("127.0.0.1", "localhost")
        page = browser.new_page()
        VirtualAuthenticator.attach(page)
        page.goto(origin + "/")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        made = webauthn.generate_registration_options(
            rp_id="localhost", rp_name="demo", user_name="user@example.com"
        )
        created = page.evaluate(
            "async (o) => credentialJson(await navigator.credentials.create("
            "{publicKey: creationOptions(o)}))",
            json.loads(webauthn.options_to_json(made)),
        )
        registered = webauthn.verify_registration_response(
            credential=created,
            expected_challenge=made.challenge,
            expected_origin=origin,
            expected_rp_id="localhost",
        )
        asked = webauthn.generate_authentication_options(
            rp_id="localhost",
            allow_credentials=[PublicKeyCredentialDescriptor(id=registered.credential_id)],
        )
        asserted = page.evaluate(
            "async (o) => credentialJson(await navigator.credentials.get("
            "{publicKey: requestOptions(o)}))",
            json.loads(webauthn.options_to_json(asked)),
        )
        page.close()
    verified = webauthn.verify_authentication_response(
        credential=asserted,
        expected_challenge=asked.challenge,
        expected_origin=origin,
        expected_rp_id="localhost",
        credential_public_key=registered.credential_public_key,
        credential_current_sign_count=registered.sign_count,
    )
    assert verified.new_sign_count > registered.sign_count


def test_make_demo_without_the_pool_to_read_offers_the_hosted_ui_only(
    scoped_run: LocalRun, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN `make demo`'s AWS session WHEN the pool cannot be described (no rights, or gone)
    THEN a one-line warning and no sign-in on the page itself: the hosted UI still works."""
    for name, value in local_aws_environment(scoped_run.endpoint_url).items():
        monkeypatch.setenv(name, value)
    # boto3's default session keeps the credentials it first resolved: start from a new one,
    # as `make demo`'s own process does (else another test's run's keys, in the same worker).
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    assert direct_sign_in("us-east-1_NoSuchPool", "no-such-client") is None
    warning = capsys.readouterr().err
    assert warning.startswith("warning: no sign-in on the page itself: An error occurred")
    assert "ResourceNotFoundException" in warning
