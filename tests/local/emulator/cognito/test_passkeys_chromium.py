"""A real browser's passkey against the local pool: headless Chromium with the DevTools
protocol's virtual authenticator (CTAP2, internal, user verification) answers
navigator.credentials.create() for the pool's CredentialCreationOptions on a page at
http://localhost:<port>, serialized as Amplify JS does, and CompleteWebAuthnRegistration
accepts it; the same page on 127.0.0.1 cannot use relying party `localhost` at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from playwright.sync_api import Error as BrowserError

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.conftest import LocalPool
from tests.local.emulator.cognito.passkey_pool import FACTORS, access_token, listed, passkey_pool
from tests.local.emulator.conftest import AwsClient
from tests.local.test_browser_flow import chromium_path
from tools.ports import free_port

# What Amplify's registerPasskey does: base64url options to buffers, create(), then
# serializePkcWithAttestationToJson's fields.
CREATE = """async (options) => {
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')),
                                       (c) => c.charCodeAt(0));
  const text = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const publicKey = {
    ...options,
    challenge: bytes(options.challenge),
    user: {...options.user, id: bytes(options.user.id)},
    excludeCredentials: (options.excludeCredentials || []).map((c) => ({...c, id: bytes(c.id)})),
  };
  const made = await navigator.credentials.create({publicKey});
  return {
    id: made.id, rawId: text(made.rawId), type: made.type,
    authenticatorAttachment: made.authenticatorAttachment,
    clientExtensionResults: made.getClientExtensionResults(),
    response: {
      clientDataJSON: text(made.response.clientDataJSON),
      attestationObject: text(made.response.attestationObject),
      transports: made.response.getTransports(),
      publicKeyAlgorithm: made.response.getPublicKeyAlgorithm(),
      authenticatorData: text(made.response.getAuthenticatorData()),
    },
  };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path())
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def pool(emulator: EmulatorProcess, aws: AwsClient) -> LocalPool:
    return passkey_pool(emulator, aws, FACTORS)


def page_with_authenticator(browser: Browser, origin: str) -> Page:
    """A blank page served at `origin` (answered by Playwright, no server) with a virtual
    platform authenticator that verifies the user."""
    page = browser.new_page()

    def blank(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>app")

    page.route(f"{origin}/**", blank)
    page.goto(f"{origin}/")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return page


def created(page: Page, options: dict[str, Any]) -> dict[str, Any]:
    """navigator.credentials.create() on the page, serialized as Amplify sends it."""
    made: dict[str, Any] = page.evaluate(CREATE, options)
    return made


def test_chromiums_virtual_authenticator_registers_a_passkey(
    pool: LocalPool, browser: Browser
) -> None:
    """GIVEN a page at http://localhost:<port> with Chromium's virtual authenticator WHEN it
    answers StartWebAuthnRegistration's options THEN CompleteWebAuthnRegistration accepts the
    browser's credential and the list shows it with the browser's transports."""
    page = page_with_authenticator(browser, f"http://localhost:{free_port()}")
    access = access_token(pool)
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    credential = created(page, options["CredentialCreationOptions"])
    pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    [shown] = listed(pool, access)
    assert shown["CredentialId"] == credential["id"]
    assert shown["AuthenticatorTransports"] == credential["response"]["transports"]
    page.close()


def test_a_page_on_127_0_0_1_cannot_use_relying_party_localhost(
    pool: LocalPool, browser: Browser
) -> None:
    """GIVEN the same page on http://127.0.0.1:<port> WHEN it asks for a passkey for relying
    party `localhost` THEN the browser itself refuses (SecurityError): the local pages must be
    opened on localhost."""
    page = page_with_authenticator(browser, f"http://127.0.0.1:{free_port()}")
    options = pool.cognito.start_web_authn_registration(AccessToken=access_token(pool))
    with pytest.raises(BrowserError, match=r"SecurityError"):
        created(page, options["CredentialCreationOptions"])
    page.close()
