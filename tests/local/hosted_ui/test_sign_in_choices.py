"""Choice-based sign-in on the hosted UI (managed login): the login page offers exactly the
first factors the pool enables for the client, an e-mailed code signs in and its
authorization code redeems to tokens, and every refusal (a wrong or reused code, a forged or
missing session, a factor not offered, a malformed passkey answer, an oversized form) shows
the page's error, signs nobody in and never answers 5xx.

The pools are made here with the API (choices.py) on an emulator of this module's own, and
their hosted UIs served over real HTTP; the pool runs its own USER_AUTH flow for every step.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import httpx
import jwt
import pytest

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.keys import pool_signing_key
from local.hosted_ui.pool_oauth import PoolOAuth
from tests.local.emulator.conftest import own_emulator
from tests.local.hosted_ui.choices import (
    FACTORS,
    ChoiceAgent,
    ChoiceUi,
    assert_signed_in_nobody,
    choice_ui,
    new_user,
    served_choices,
)
from tests.local.hosted_ui.oauth import (
    PASSWORD,
    Pkce,
    page_error,
    query_of,
)
from tests.local.webauthn_authenticator import Ceremony, SoftwareAuthenticator

emulator = pytest.fixture(scope="module", name="emulator")(own_emulator)
choices = pytest.fixture(scope="module", name="choices")(served_choices)


def _login_page(ui: ChoiceUi) -> str:
    agent = ui.agent()
    page = agent.http.get("/login", params=agent.params())
    assert page.status_code == 200, page.text
    return page.text


@dataclass(frozen=True)
class CodeStep:
    """A user who chose the e-mail code, on the code page."""

    agent: ChoiceAgent
    params: dict[str, str]  # the authorize request, with PKCE's challenge
    pkce: Pkce
    email: str
    page: str  # the code page


def _code_step(ui: ChoiceUi) -> CodeStep:
    agent = ui.agent()
    pkce = Pkce.new()
    params = agent.params(pkce)
    email = new_user(ui, agent)
    page = agent.choose(params, email, "EMAIL_OTP")
    assert page.status_code == 200, page.text
    assert 'action="/login/code?' in page.text
    return CodeStep(agent, params, pkce, email, page.text)


def _answer_code(ui: ChoiceUi, step: CodeStep, **fields: str) -> httpx.Response:
    """The code page's form, with the newest code the pool sent unless `fields` say."""
    form = {"code": ui.newest_code(step.email)} | fields
    return step.agent.post_form("/login/code", step.params, step.page, **form)


def test_the_login_page_offers_the_pools_first_factors_to_a_user_auth_client(
    choices: ChoiceUi,
) -> None:
    """GIVEN a pool allowing PASSWORD, EMAIL_OTP and WEB_AUTHN and a client allowing USER_AUTH
    WHEN the login page opens THEN it offers the password form, an e-mail code and a passkey,
    and no text message code (the pool does not allow SMS_OTP)."""
    page = _login_page(choices)
    assert "id=password" in page
    assert "Sign in with an e-mail code" in page
    assert "Sign in with a passkey" in page
    assert "text message" not in page


def test_a_pool_that_allows_only_passwords_offers_only_the_password(
    emulator: EmulatorProcess,
) -> None:
    """GIVEN a pool with no sign-in policy (Cognito's default: passwords only) and a client
    allowing USER_AUTH WHEN the login page opens THEN it shows the password form alone."""
    with choice_ui(emulator.endpoint_url, factors=None, name="tests-password-only") as ui:
        page = _login_page(ui)
    assert "id=password" in page
    assert "/login/choose" not in page


def test_a_client_without_user_auth_is_offered_only_the_password(
    emulator: EmulatorProcess,
) -> None:
    """GIVEN a pool allowing every factor but a client without ALLOW_USER_AUTH WHEN the login
    page opens THEN it shows the password form alone, and choosing a code anyway is refused
    on the page without a code being sent."""
    flows = ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    with choice_ui(
        emulator.endpoint_url, factors=FACTORS, flows=flows, name="tests-no-user-auth"
    ) as ui:
        assert "/login/choose" not in _login_page(ui)
        agent = ui.agent()
        email = new_user(ui, agent)
        refused = agent.choose(agent.params(), email, "EMAIL_OTP")
        assert ui.sent_count(email) == 0
    assert_signed_in_nobody(refused)
    assert page_error(refused.text) == "Choose a sign-in method this page offers."


def test_an_emailed_code_signs_in_and_its_authorization_code_redeems_to_tokens(
    choices: ChoiceUi,
) -> None:
    """GIVEN a confirmed user who chose "Sign in with an e-mail code" WHEN the code from the
    outbox is entered THEN 302 to the callback with the state and a code, a session cookie is
    set, and the code redeems (with PKCE) to tokens the pool signed for this user."""
    step = _code_step(choices)
    assert "local outbox" in step.page
    signed_in = _answer_code(choices, step)
    assert signed_in.status_code == 302, signed_in.text
    location = signed_in.headers["location"]
    assert location.startswith(choices.redirect_uri)
    assert query_of(location)["state"] == "state-123"
    assert "cognito=" in signed_in.headers["set-cookie"]
    tokens = step.agent.redeem(query_of(location)["code"], step.pkce)
    assert tokens.status_code == 200, tokens.text
    key = pool_signing_key(choices.endpoint_url, choices.pool_id).private_key.public_key()
    claims = jwt.decode(
        tokens.json()["id_token"], key, algorithms=["RS256"], audience=choices.client_id
    )
    assert claims["email"] == step.email
    assert claims["token_use"] == "id"


def test_a_wrong_code_shows_cognitos_message_and_signs_nobody_in(choices: ChoiceUi) -> None:
    """GIVEN the code page WHEN a wrong code is entered THEN the code page again with the
    pool's CodeMismatchException message, no redirect and no session."""
    step = _code_step(choices)
    right = choices.newest_code(step.email)
    refused = _answer_code(choices, step, code="000000" if right != "000000" else "111111")
    assert_signed_in_nobody(refused)
    assert 'action="/login/code?' in refused.text
    assert "code" in page_error(refused.text).lower()


def test_a_used_sign_in_session_never_signs_in_again(choices: ChoiceUi) -> None:
    """GIVEN a sign-in completed with an e-mailed code WHEN the same form (session and code)
    is posted again THEN the page shows the pool's refusal and signs nobody in."""
    step = _code_step(choices)
    first = _answer_code(choices, step)
    assert first.status_code == 302, first.text
    step.agent.http.cookies.delete("cognito")
    again = _answer_code(choices, step)
    assert_signed_in_nobody(again)
    assert page_error(again.text)


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({"session": "forged-session"}, None),
        ({"session": ""}, "Your sign-in session is missing: start again."),
        ({"challenge": "PASSWORD_VERIFIER"}, "Start the sign-in again."),
        ({"username": "someone-else@example.com"}, None),
    ],
    ids=["forged-session", "missing-session", "forged-challenge", "another-user"],
)
def test_a_forged_or_missing_step_field_is_refused_on_the_page(
    choices: ChoiceUi, changed: dict[str, str], expected: str | None
) -> None:
    """GIVEN the code page WHEN its form comes back with the session forged or missing, the
    challenge changed, or another user named THEN the page shows the error (the pool's own
    refusal where it is the pool's to say) and signs nobody in, even with the right code."""
    refused = _answer_code(choices, _code_step(choices), **changed)
    assert_signed_in_nobody(refused)
    shown = page_error(refused.text)
    assert shown == expected if expected is not None else shown


def test_a_factor_the_pool_does_not_offer_is_refused_before_any_code_is_sent(
    choices: ChoiceUi,
) -> None:
    """GIVEN a pool without SMS_OTP WHEN the login form is posted choosing SMS_OTP (or a made
    up factor, or the password, which has its own form) THEN the login page's error, and the
    pool sends nothing."""
    agent = choices.agent()
    email = new_user(choices, agent)
    for factor in ("SMS_OTP", "MAGIC_LINK", "PASSWORD", ""):
        refused = agent.choose(agent.params(), email, factor)
        assert_signed_in_nobody(refused)
        assert page_error(refused.text) == "Choose a sign-in method this page offers."
    assert choices.sent_count(email) == 0


def test_a_passkey_chosen_by_a_user_without_one_offers_the_other_ways(
    choices: ChoiceUi,
) -> None:
    """GIVEN a user with no passkey WHEN they choose "Sign in with a passkey" THEN the pool
    answers SELECT_CHALLENGE and the page offers only what this user can use: the password
    and an e-mail code, for the same user, and no passkey."""
    agent = choices.agent()
    email = new_user(choices, agent)
    page = agent.choose(agent.params(), email, "WEB_AUTHN")
    assert page.status_code == 200, page.text
    assert "Choose another way to sign in" in page.text
    assert f"id=signing-in-as>{email}<" in page.text
    assert "Sign in with an e-mail code" in page.text
    assert "Sign in with a passkey" not in page.text


def test_a_malformed_passkey_answer_is_refused_never_a_5xx(choices: ChoiceUi) -> None:
    """GIVEN a passkey form back with a forged session WHEN its credential is missing, not
    JSON, or JSON of the wrong shape THEN the page's error, nobody signed in, never 5xx."""
    agent = choices.agent()
    params = agent.params()
    email = new_user(choices, agent)
    login = agent.http.get("/login", params=params).text
    for credential in ("", "not json", '{"id": 1}', "[]", '{"response": {}}'):
        refused = agent.post_form(
            "/login/passkey",
            params,
            login,
            username=email,
            challenge="WEB_AUTHN",
            session="forged",
            credential=credential,
        )
        assert_signed_in_nobody(refused)
        assert page_error(refused.text)


def test_an_oversized_choice_form_gets_the_pages_error(choices: ChoiceUi) -> None:
    """GIVEN any choice-based sign-in page WHEN the form is larger than the hosted UI reads
    THEN 413 with the error page, and nobody is signed in."""
    agent = choices.agent()
    for path in ("/login/choose", "/login/code", "/login/passkey"):
        answer = agent.http.post(
            path, params=agent.params(), data={"credential": "x" * (20 * 1024)}
        )
        assert answer.status_code == 413, answer.text
        assert "larger than" in page_error(answer.text)


def test_the_passkey_script_is_served_as_javascript(choices: ChoiceUi) -> None:
    """GIVEN the hosted UI WHEN its passkey page's script is fetched THEN JavaScript, not
    sniffable as anything else."""
    answer = httpx.get(f"{choices.base_url}/static/passkey.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "navigator.credentials.get" in answer.text


@pytest.mark.parametrize(
    "fields",
    [
        {"username": 3, "factor": "EMAIL_OTP"},
        {"username": ["a"], "factor": "EMAIL_OTP"},
        {"username": "x" * 129, "factor": "EMAIL_OTP"},
        {"username": "a@example.com", "factor": None},
        {"username": "a@example.com", "challenge": "EMAIL_OTP", "authSession": 7, "response": "1"},
        {"username": "a@example.com", "challenge": "EMAIL_OTP", "authSession": "s", "response": {}},
        {"username": "a@example.com", "challenge": "WEB_AUTHN", "authSession": "s", "response": ""},
        {"username": "a@example.com", "challenge": "SELECT_CHALLENGE", "authSession": "s"},
        {"username": "a@example.com", "challenge": "WEB_AUTHN", "response": "x" * 9000},
    ],
)
def test_the_pools_choice_decisions_refuse_fields_that_are_not_short_text(
    choices: ChoiceUi, fields: dict[str, object]
) -> None:
    """GIVEN the pool's start and answer decisions (signed, as the hosted UI asks them) WHEN a
    field is not text, is empty or too long THEN the login page's error: never a redirect,
    never tokens, never a 5xx."""
    oauth = PoolOAuth(choices.endpoint_url, choices.pool_id)
    query = choices.agent().params()
    action = "answer" if "challenge" in fields else "start"
    decision = oauth._ask(action, query=query, **fields)
    assert decision.kind == "login_error", decision
    assert decision.message
    assert decision.location == ""


def _passkey_user(ui: ChoiceUi, agent: ChoiceAgent) -> tuple[str, SoftwareAuthenticator]:
    """A user with a passkey registered from the hosted UI's origin (the software
    authenticator), through the pool's own StartWebAuthnRegistration and
    CompleteWebAuthnRegistration with a password sign-in's access token."""
    email = new_user(ui, agent)
    signed_in = agent.cognito.admin_initiate_auth(
        UserPoolId=ui.pool_id,
        ClientId=ui.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    access = signed_in["AuthenticationResult"]["AccessToken"]
    options = agent.cognito.start_web_authn_registration(AccessToken=access)
    key = SoftwareAuthenticator()
    created = key.register(options["CredentialCreationOptions"], Ceremony(origin=ui.base_url))
    agent.cognito.complete_web_authn_registration(AccessToken=access, Credential=created)
    return email, key


def _passkey_page(ui: ChoiceUi) -> tuple[CodeStep, SoftwareAuthenticator, str]:
    """A user with a passkey who chose it: the step, the key, and the page's request options."""
    agent = ui.agent()
    pkce = Pkce.new()
    params = agent.params(pkce)
    email, key = _passkey_user(ui, agent)
    page = agent.choose(params, email, "WEB_AUTHN")
    assert page.status_code == 200, page.text
    options = re.search(r'data-options="([^"]*)"', page.text)
    assert options is not None, page.text
    return CodeStep(agent, params, pkce, email, page.text), key, html.unescape(options.group(1))


def _post_assertion(step: CodeStep, credential: str) -> httpx.Response:
    return step.agent.post_form("/login/passkey", step.params, step.page, credential=credential)


def test_a_passkey_signs_in_and_its_authorization_code_redeems_to_tokens(
    choices: ChoiceUi,
) -> None:
    """GIVEN a user with a passkey who chose "Sign in with a passkey" WHEN the page's options
    (relying party localhost, the user's passkey) are answered by the authenticator THEN 302
    to the callback with a code that redeems to this user's tokens."""
    step, key, options = _passkey_page(choices)
    assert json.loads(options)["rpId"] == "localhost"
    assert "/static/passkey.js" in step.page
    signed_in = _post_assertion(step, key.assertion(options, Ceremony(origin=choices.base_url)))
    assert signed_in.status_code == 302, signed_in.text
    tokens = step.agent.redeem(query_of(signed_in.headers["location"])["code"], step.pkce)
    assert tokens.status_code == 200, tokens.text


@pytest.mark.parametrize(
    "forge",
    ["another-key", "foreign-origin", "replayed"],
)
def test_a_bad_passkey_assertion_shows_the_pools_refusal_and_signs_nobody_in(
    choices: ChoiceUi, forge: str
) -> None:
    """GIVEN the passkey page WHEN the answer is signed by another key (same credential id, a
    higher sign count), made for a foreign origin, or replayed after it signed in THEN the
    login page with the pool's refusal, no redirect, no session."""
    step, key, options = _passkey_page(choices)
    honest = Ceremony(origin=choices.base_url)
    if forge == "another-key":
        other = SoftwareAuthenticator(credential_id=key.credential_id, counter=100)
        answer = other.assertion(options, honest)  # a count the pool accepts: the key fails
    elif forge == "foreign-origin":
        answer = key.assertion(options, Ceremony(origin="https://evil.example"))
    else:
        answer = key.assertion(options, honest)
        assert _post_assertion(step, answer).status_code == 302
        step.agent.http.cookies.delete("cognito")
    refused = _post_assertion(step, answer)
    assert_signed_in_nobody(refused)
    assert page_error(refused.text)


def test_a_texted_code_signs_in_where_the_pool_allows_sms_otp(emulator: EmulatorProcess) -> None:
    """GIVEN a pool allowing SMS_OTP and a user with a verified phone number WHEN they choose
    "Sign in with a text message code" THEN the code page says it went by text message, and
    the code the pool texted (the outbox) signs in."""
    with choice_ui(emulator.endpoint_url, factors=["PASSWORD", "SMS_OTP"], name="tests-sms") as ui:
        agent = ui.agent()
        email, phone = new_user(ui, agent), "+15555550123"
        verified_phone = {"phone_number": phone, "phone_number_verified": "true"}
        attributes = [{"Name": k, "Value": v} for k, v in verified_phone.items()]
        agent.cognito.admin_update_user_attributes(
            UserPoolId=ui.pool_id, Username=email, UserAttributes=attributes
        )
        assert "Sign in with a text message code" in _login_page(ui)
        page = agent.choose(agent.params(), email, "SMS_OTP")
        assert page.status_code == 200, page.text
        assert "We have sent a code by text message" in page.text
        signed_in = agent.post_form(
            "/login/code", agent.params(), page.text, code=ui.newest_code(phone)
        )
    assert signed_in.status_code == 302, signed_in.text
    assert query_of(signed_in.headers["location"])["code"]
