"""Amplify JS v6 (pinned in tests/sdk, bundled by esbuild) in a real Chromium with a WebAuthn
virtual authenticator, against the shared run with scoped routes: sign up, register a passkey
(associateWebAuthnCredential), sign in with it (USER_AUTH, WEB_AUTHN), with an e-mail code
(EMAIL_OTP, the code from the local outbox), or with the user's choice of first factor; the
tokens open exactly the routes README's table gives a user's ID and access token. Refused:
a wrong e-mail code, a deleted passkey, an assertion signed by another key. The pool never
answers the browser with a 5xx.

The page is served from http://localhost:<port> (offline, the relying party is `localhost`, so
every localhost port may use it) and calls the local AWS endpoint cross-origin, as an app would.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from local.emulator.caller.outbox import latest_code
from local.runtime.client import local_client
from tests.local.conftest import LocalRun
from tests.local.passkey_browser import (
    PoolAnswers,
    VirtualAuthenticator,
    amplify_page,
    messages_sent,
    next_code,
)
from tests.local.passkey_browser import browser as browser

pytestmark = pytest.mark.local

PASSWORD = "Passkey-Local-42!"
WEB_AUTHN = {"authFlowType": "USER_AUTH", "preferredChallenge": "WEB_AUTHN"}
EMAIL_OTP = {"authFlowType": "USER_AUTH", "preferredChallenge": "EMAIL_OTP"}
CHOOSE_FACTOR = "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION"
EMAIL_CODE_STEP = "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}


@pytest.fixture(scope="module")
def amplify_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with amplify_page(tmp_path_factory.mktemp("amplify-browser")) as url:
        yield url


@dataclass
class AmplifyPage:
    """One page running the bundle: `call` runs window.amplify.<name>(...args)."""

    page: Page
    authenticator: VirtualAuthenticator
    run: LocalRun

    def call(self, name: str, *args: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.page.evaluate(
            "([name, args]) => window.amplify[name](...args)", [name, list(args)]
        )
        return answer

    def sign_up(self) -> str:
        """A new user, signed up with a password and confirmed with the outbox's code."""
        email = f"passkey-{uuid.uuid4().hex[:10]}@example.com"
        signed_up = self.call("signUp", {"email": email, "password": PASSWORD})
        assert signed_up["ok"], signed_up
        assert signed_up["nextStep"]["signUpStep"] == "CONFIRM_SIGN_UP"
        code = latest_code(self.run.endpoint_url, email)
        confirmed = self.call("confirmSignUp", {"email": email, "code": code})
        assert confirmed["ok"], confirmed
        assert confirmed["isSignUpComplete"] is True
        return email

    def sign_in(self, email: str, options: dict[str, str] | None = None) -> dict[str, Any]:
        signed_in = {"username": email} | ({"options": options} if options else {})
        if options is None:
            signed_in["password"] = PASSWORD  # Amplify's default: USER_SRP_AUTH
        return self.call("signIn", signed_in)

    def with_passkey(self) -> tuple[str, str]:
        """A signed-up user who registered a passkey, then signed out; (e-mail, its id)."""
        email = self.sign_up()
        assert self.sign_in(email) == {"ok": True, **DONE}
        registered = self.call("associateWebAuthnCredential")
        assert registered == {"ok": True}, registered
        listed = self.call("listWebAuthnCredentials")
        assert listed["ok"], listed
        [credential] = listed["credentials"]
        assert self.call("signOut") == {"ok": True}
        return email, str(credential["credentialId"])

    def tokens(self) -> dict[str, Any]:
        return self.call("tokens")


@pytest.fixture
def amplify(browser: Browser, amplify_url: str, scoped_run: LocalRun) -> Iterator[AmplifyPage]:
    """A fresh page (its own storage) with its own virtual authenticator; afterwards, the pool
    must not have answered any of its calls with a 5xx."""
    page = browser.new_page()
    page.set_default_timeout(10_000)  # a pool answer takes milliseconds; fail fast
    authenticator = VirtualAuthenticator.attach(page)
    answers = PoolAnswers(scoped_run.endpoint_url)
    answers.watch(page)
    page.goto(amplify_url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    outputs = scoped_run.outputs
    configured = page.evaluate(
        "(config) => window.amplify.configure(config)",
        {
            "endpoint": scoped_run.endpoint_url,
            "userPoolId": outputs.user_pool_id,
            "clientId": outputs.client_id,
        },
    )
    assert configured == {"ok": True}
    yield AmplifyPage(page, authenticator, scoped_run)
    page.close()
    assert answers.server_errors() == [], answers.seen


def _b64url(text: str) -> str:
    """CDP gives credential ids as base64; WebAuthn and Cognito as base64url."""
    return base64.urlsafe_b64encode(base64.b64decode(text)).decode().rstrip("=")


def _routes_opened(run: LocalRun, tokens: dict[str, Any]) -> dict[str, int]:
    """What README's table for the scoped run says a user's tokens open, asked of the API."""
    claims = json.loads(base64.urlsafe_b64decode(tokens["idToken"].split(".")[1] + "=="))
    with httpx.Client(base_url=run.base_url, timeout=30) as api:

        def status(method: str, path: str, token: str | None, body: Any = None) -> int:
            headers = {"authorization": f"Bearer {token}"} if token else {}
            return api.request(method, path, headers=headers, json=body).status_code

        access, identity = tokens["accessToken"], tokens["idToken"]
        return {
            "GET /user/profile no token": status("GET", "/user/profile", None),
            "GET /user/profile ID": status("GET", "/user/profile", identity),
            "GET /user/profile access": status("GET", "/user/profile", access),
            "POST /user/profile ID": status("POST", "/user/profile", identity, {"name": "P"}),
            "POST /user/profile access": status("POST", "/user/profile", access, {"name": "P"}),
            "GET /profiles/{sub} access": status("GET", f"/profiles/{claims['sub']}", access),
        }


ROUTE_TABLE = {  # README "Authorization with scopes": the user's tokens on the scoped run
    "GET /user/profile no token": 401,
    "GET /user/profile ID": 403,
    "GET /user/profile access": 200,
    "POST /user/profile ID": 403,
    "POST /user/profile access": 201,
    "GET /profiles/{sub} access": 403,
}


def test_a_passkey_registered_with_amplify_signs_in_without_a_password(
    amplify: AmplifyPage,
) -> None:
    """GIVEN a user signed in with a password WHEN associateWebAuthnCredential registers the
    virtual authenticator's passkey THEN listWebAuthnCredentials shows it for relying party
    `localhost`; after signOut, signIn USER_AUTH + WEB_AUTHN signs in with no password, the
    authenticator's counter moved, and the tokens open exactly the routes of README's table."""
    email, credential_id = amplify.with_passkey()
    [held] = amplify.authenticator.credentials()
    assert _b64url(held["credentialId"]) == credential_id
    assert held["rpId"] == "localhost"
    count_at_registration = held["signCount"]

    assert amplify.sign_in(email, WEB_AUTHN) == {"ok": True, **DONE}
    assert amplify.authenticator.credentials()[0]["signCount"] > count_at_registration
    listed = amplify.call("listWebAuthnCredentials")
    [credential] = listed["credentials"]
    assert credential["credentialId"] == credential_id
    assert credential["relyingPartyId"] == "localhost"
    tokens = amplify.tokens()
    assert _routes_opened(amplify.run, tokens) == ROUTE_TABLE


def test_an_email_code_signs_in_and_a_wrong_one_is_refused(amplify: AmplifyPage) -> None:
    """GIVEN a confirmed user WHEN signIn USER_AUTH + EMAIL_OTP THEN Amplify asks for the
    e-mail code (the pool 'sent' it to the outbox); a wrong code is CodeMismatchException and
    signs nobody in; the right one signs in, and the tokens open README's routes."""
    email = amplify.sign_up()
    before = messages_sent(amplify.run.endpoint_url, email)
    asked = amplify.sign_in(email, EMAIL_OTP)
    assert asked["ok"], asked
    assert asked["isSignedIn"] is False
    assert asked["nextStep"]["signInStep"] == EMAIL_CODE_STEP
    code = next_code(amplify.run.endpoint_url, email, before)
    wrong = amplify.call("confirmSignIn", "000000" if code != "000000" else "111111")
    assert wrong["ok"] is False
    assert wrong["name"] == "CodeMismatchException", wrong
    assert amplify.tokens()["accessToken"] is None

    assert amplify.call("confirmSignIn", code) == {"ok": True, **DONE}
    assert _routes_opened(amplify.run, amplify.tokens()) == ROUTE_TABLE


def test_without_a_preference_the_user_chooses_the_email_code(amplify: AmplifyPage) -> None:
    """GIVEN a confirmed user without a passkey WHEN signIn USER_AUTH with no preference THEN
    Amplify's CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION lists what the user can answer (the
    e-mail code and the password, no passkey); confirmSignIn('EMAIL_OTP') asks for the code,
    and the outbox's code signs in."""
    email = amplify.sign_up()
    chosen = amplify.sign_in(email, {"authFlowType": "USER_AUTH"})
    assert chosen["ok"], chosen
    assert chosen["nextStep"]["signInStep"] == CHOOSE_FACTOR
    available = set(chosen["nextStep"]["availableChallenges"])
    assert {"EMAIL_OTP", "PASSWORD"} <= available
    assert "WEB_AUTHN" not in available
    before = messages_sent(amplify.run.endpoint_url, email)
    asked = amplify.call("confirmSignIn", "EMAIL_OTP")
    assert asked["ok"], asked
    assert asked["nextStep"]["signInStep"] == EMAIL_CODE_STEP
    code = next_code(amplify.run.endpoint_url, email, before)
    assert amplify.call("confirmSignIn", code) == {"ok": True, **DONE}


def test_a_deleted_passkey_is_no_longer_offered(amplify: AmplifyPage) -> None:
    """GIVEN a user who registered a passkey WHEN deleteWebAuthnCredential removes it THEN the
    list is empty, and signIn with WEB_AUTHN preferred falls back to the first-factor choice
    without WEB_AUTHN (the user can no longer answer it)."""
    email, credential_id = amplify.with_passkey()
    assert amplify.sign_in(email) == {"ok": True, **DONE}
    assert amplify.call("deleteWebAuthnCredential", credential_id) == {"ok": True}
    assert amplify.call("listWebAuthnCredentials") == {"ok": True, "credentials": []}
    assert amplify.call("signOut") == {"ok": True}

    fallback = amplify.sign_in(email, WEB_AUTHN)
    assert fallback["ok"], fallback
    assert fallback["nextStep"]["signInStep"] == CHOOSE_FACTOR
    assert "WEB_AUTHN" not in fallback["nextStep"]["availableChallenges"]
    assert amplify.tokens()["accessToken"] is None


def test_a_passkey_deleted_while_its_assertion_travels_is_refused(amplify: AmplifyPage) -> None:
    """GIVEN a WEB_AUTHN challenge for a registered passkey WHEN the passkey is deleted (from
    another session of the user) before the browser's assertion arrives THEN the assertion is
    refused with Cognito's error and no tokens."""
    email, credential_id = amplify.with_passkey()
    run = amplify.run
    cognito = local_client("cognito-idp", run.endpoint_url)
    other_session = cognito.admin_initiate_auth(
        UserPoolId=run.outputs.user_pool_id,
        ClientId=run.outputs.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]

    def delete_first(route: Route) -> None:
        if "RespondToAuthChallenge" in route.request.headers.get("x-amz-target", ""):
            cognito.delete_web_authn_credential(
                AccessToken=other_session, CredentialId=credential_id
            )
        route.continue_()

    amplify.page.route(f"{run.endpoint_url}/", delete_first)
    refused = amplify.sign_in(email, WEB_AUTHN)
    assert refused["ok"] is False, refused
    assert refused["name"] == "NotAuthorizedException", refused
    assert amplify.tokens()["accessToken"] is None


def test_an_assertion_signed_by_another_key_is_refused(amplify: AmplifyPage) -> None:
    """GIVEN a registered passkey WHEN another key signs the assertion for the same credential
    id (the virtual authenticator's key replaced) THEN the pool refuses it with Cognito's error
    (the signature does not verify) and issues no tokens."""
    email, _ = amplify.with_passkey()
    [held] = amplify.authenticator.credentials()
    amplify.authenticator.replace_key(held)
    refused = amplify.sign_in(email, WEB_AUTHN)
    assert refused["ok"] is False, refused
    assert refused["name"] == "NotAuthorizedException", refused
    assert amplify.tokens()["accessToken"] is None


@pytest.mark.parametrize("challenge", ["PASSWORD_SRP", "PASSWORD"])
def test_the_password_through_user_auth_signs_in(amplify: AmplifyPage, challenge: str) -> None:
    """GIVEN a confirmed user WHEN signIn USER_AUTH prefers the password (SRP, or sent as is)
    THEN a wrong password is NotAuthorizedException "Incorrect username or password." and the
    right one signs in."""
    email = amplify.sign_up()
    options = {"authFlowType": "USER_AUTH", "preferredChallenge": challenge}
    wrong = amplify.call(
        "signIn", {"username": email, "password": "x" + PASSWORD, "options": options}
    )
    assert wrong == {
        "ok": False,
        "name": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
    right = amplify.call("signIn", {"username": email, "password": PASSWORD, "options": options})
    assert right == {"ok": True, **DONE}


def test_a_passwordless_sign_up_signs_in_and_registers_a_passkey(amplify: AmplifyPage) -> None:
    """GIVEN signUp without a password (autoSignIn with USER_AUTH) WHEN confirmSignUp takes the
    outbox code THEN Amplify's next step is COMPLETE_AUTO_SIGN_IN and autoSignIn signs in with
    ConfirmSignUp's Session; the user can then register a passkey and sign in with it, while a
    password sign-in fails (the user has none)."""
    email = f"passwordless-{uuid.uuid4().hex[:10]}@example.com"
    signed_up = amplify.call("signUp", {"email": email})
    assert signed_up["ok"], signed_up
    code = latest_code(amplify.run.endpoint_url, email)
    confirmed = amplify.call("confirmSignUp", {"email": email, "code": code})
    assert confirmed["nextStep"]["signUpStep"] == "COMPLETE_AUTO_SIGN_IN", confirmed
    assert amplify.call("autoSignIn") == {"ok": True, **DONE}
    assert amplify.call("associateWebAuthnCredential") == {"ok": True}
    assert amplify.call("signOut") == {"ok": True}

    assert amplify.sign_in(email, WEB_AUTHN) == {"ok": True, **DONE}
    assert amplify.call("signOut") == {"ok": True}
    refused = amplify.sign_in(email)  # Amplify's default SRP sign-in, with a password
    assert refused["ok"] is False
    assert refused["name"] == "NotAuthorizedException", refused
