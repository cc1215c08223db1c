"""A real browser's passkey against the local pool: headless Chromium with the DevTools
protocol's virtual authenticator (CTAP2, internal, user verification) answers
navigator.credentials.create() for the pool's CredentialCreationOptions on a page at
http://localhost:<port>, serialized as Amplify JS does, and CompleteWebAuthnRegistration
accepts it; its navigator.credentials.get() answer then signs in through USER_AUTH WEB_AUTHN.
The same page on 127.0.0.1 cannot use relying party `localhost` at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from playwright.sync_api import Browser, Page, Route, sync_playwright
from playwright.sync_api import Error as BrowserError

from local.emulator.caller import EmulatorProcess
from local.emulator.server.cognito import passkey_registration, passkeys
from local.emulator.server.cognito.exceptions import CognitoError
from tests.local.emulator.cognito.conftest import LocalPool
from tests.local.emulator.cognito.passkey_pool import (
    FACTORS,
    access_token,
    listed,
    passkey_pool,
    signed_in,
)
from tests.local.emulator.conftest import AwsClient
from tests.local.passkey_browser import VirtualAuthenticator
from tests.local.test_browser_flow import chromium_path
from tools.ports import free_port

# base64url <-> bytes in the page, as Amplify's convert helpers; `decoded` is the options
# with their challenge (and `more`) as buffers.
_CODEC = """
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')),
                                       (c) => c.charCodeAt(0));
  const text = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const ids = (list) => (list || []).map((c) => ({...c, id: bytes(c.id)}));
  const decoded = (more) => ({...options, challenge: bytes(options.challenge), ...more});
"""


def _in_page(body: str) -> str:
    """A page function of the ceremony's options: the codec, then `body`."""
    return "async (options) => {" + _CODEC + body + "}"


# Amplify's registerPasskey: the options' base64url fields to buffers, create(), then
# serializePkcWithAttestationToJson's fields.
CREATE = _in_page(
    """
  const user = {...options.user, id: bytes(options.user.id)};
  const publicKey = decoded({user, excludeCredentials: ids(options.excludeCredentials)});
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
"""
)
# Amplify's getPasskey: CREDENTIAL_REQUEST_OPTIONS to buffers, get(), then
# serializePkcWithAssertionToJson's fields (as the JSON string CREDENTIAL is).
GET = _in_page(
    """
  const publicKey = decoded({allowCredentials: ids(options.allowCredentials)});
  const got = await navigator.credentials.get({publicKey});
  const response = {
    clientDataJSON: text(got.response.clientDataJSON),
    authenticatorData: text(got.response.authenticatorData),
    signature: text(got.response.signature),
  };
  if (got.response.userHandle) response.userHandle = text(got.response.userHandle);
  return JSON.stringify({
    id: got.id, rawId: text(got.rawId), type: got.type, response,
    authenticatorAttachment: got.authenticatorAttachment,
    clientExtensionResults: got.getClientExtensionResults(),
  });
"""
)


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
    VirtualAuthenticator.attach(page)
    return page


def created(page: Page, options: dict[str, Any]) -> dict[str, Any]:
    """navigator.credentials.create() on the page, serialized as Amplify sends it."""
    made: dict[str, Any] = page.evaluate(CREATE, options)
    return made


def test_chromiums_virtual_authenticator_registers_a_passkey_and_signs_in(
    pool: LocalPool, browser: Browser
) -> None:
    """GIVEN a page at http://localhost:<port> with Chromium's virtual authenticator WHEN it
    answers StartWebAuthnRegistration's options THEN CompleteWebAuthnRegistration accepts the
    browser's credential and the list shows it with the browser's transports; THEN USER_AUTH
    with PREFERRED_CHALLENGE WEB_AUTHN, answered by the browser's assertion, gives tokens."""
    page = page_with_authenticator(browser, f"http://localhost:{free_port()}")
    user = signed_in(pool)
    access = user["AccessToken"]
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    credential = created(page, options["CredentialCreationOptions"])
    pool.cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    [shown] = listed(pool, access)
    assert shown["CredentialId"] == credential["id"]
    assert shown["AuthenticatorTransports"] == credential["response"]["transports"]
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": user["email"], "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    asked = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    answered = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="WEB_AUTHN",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": user["email"], "CREDENTIAL": page.evaluate(GET, asked)},
    )
    assert answered["AuthenticationResult"]["AccessToken"]
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


def test_chromiums_assertion_passes_the_web_authn_check(browser: Browser) -> None:
    """GIVEN a passkey Chromium's virtual authenticator registered (in this process's pool)
    WHEN the page answers the WEB_AUTHN request options THEN verify_assertion accepts it, and
    the same assertion is refused the second time (its sign count does not grow)."""
    pool = CognitoIdpUserPool(
        "123456789012",
        "us-east-1",
        "chromium",
        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": FACTORS}}},
    )
    user = CognitoIdpUser(pool.id, None, None, "CONFIRMED", [])
    page = page_with_authenticator(browser, f"http://localhost:{free_port()}")
    creation = passkey_registration.start(pool, user, "web")["CredentialCreationOptions"]
    passkey_registration.complete(pool, user, "web", created(page, creation))
    options, challenge = passkeys.request_options(pool, user)
    assertion: str = page.evaluate(GET, json.loads(options))
    passkeys.verify_assertion(pool, user, challenge, assertion)
    with pytest.raises(CognitoError) as raised:
        passkeys.verify_assertion(pool, user, challenge, assertion)
    assert raised.value.error_type == "NotAuthorizedException"
    page.close()
