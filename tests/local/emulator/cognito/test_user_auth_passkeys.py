"""WEB_AUTHN in choice-based sign-in, driven with boto3 and a software authenticator: a user
with a passkey is offered it, picking it from SELECT_CHALLENGE poses it, its assertion signs
in once. (The assertion's refusals are test_passkey_sign_in.py's.)"""

from __future__ import annotations

import json
from typing import Any

from tests.local.emulator.cognito.user_auth_pool import (
    INVALID_SESSION,
    PASSWORD,
    UserAuthPool,
    refused,
)
from tests.local.webauthn_authenticator import SoftwareAuthenticator


def _with_passkey(pool: UserAuthPool) -> tuple[str, SoftwareAuthenticator, str]:
    """A new user with a registered passkey: its e-mail, the authenticator, an access token."""
    email = pool.user()
    access = pool.start(email, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)[
        "AuthenticationResult"
    ]["AccessToken"]
    key = SoftwareAuthenticator()
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    pool.cognito.complete_web_authn_registration(
        AccessToken=access, Credential=key.register(options["CredentialCreationOptions"])
    )
    return email, key, access


def _web_authn(pool: UserAuthPool, session: str, email: str, credential: str) -> Any:
    return pool.respond("WEB_AUTHN", session, email, CREDENTIAL=credential)


def test_a_user_with_a_passkey_is_offered_it_and_its_assertion_signs_in_once(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a user with a passkey WHEN USER_AUTH has no preference THEN SELECT_CHALLENGE
    offers WEB_AUTHN; preferring it THEN ChallengeName WEB_AUTHN with CREDENTIAL_REQUEST_OPTIONS
    for localhost; the authenticator's CREDENTIAL gives tokens, and the Session again is
    "Invalid session for the user."."""
    email, key, _ = _with_passkey(choice_pool)
    assert "WEB_AUTHN" in choice_pool.start(email)["AvailableChallenges"]
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="WEB_AUTHN")
    assert answer["ChallengeName"] == "WEB_AUTHN"
    options = answer["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    assert json.loads(options)["rpId"] == "localhost"
    credential = key.assertion(options)
    signed_in = _web_authn(choice_pool, answer["Session"], email, credential)
    assert signed_in["AuthenticationResult"]["AccessToken"]
    error = refused(lambda: _web_authn(choice_pool, answer["Session"], email, credential))
    assert error == INVALID_SESSION


def test_choosing_web_authn_poses_the_passkey_challenge(choice_pool: UserAuthPool) -> None:
    """GIVEN SELECT_CHALLENGE WHEN the answer is WEB_AUTHN (Amplify's confirmSignIn) THEN a
    WEB_AUTHN challenge whose assertion signs in."""
    email, key, _ = _with_passkey(choice_pool)
    session = choice_pool.start(email)["Session"]
    answer = choice_pool.respond("SELECT_CHALLENGE", session, email, ANSWER="WEB_AUTHN")
    assert answer["ChallengeName"] == "WEB_AUTHN"
    credential = key.assertion(answer["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert _web_authn(choice_pool, answer["Session"], email, credential)["AuthenticationResult"]


def test_a_missing_credential_is_invalid_parameter(choice_pool: UserAuthPool) -> None:
    """GIVEN a WEB_AUTHN challenge WHEN answered without CREDENTIAL THEN
    InvalidParameterException."""
    email, _, _ = _with_passkey(choice_pool)
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="WEB_AUTHN")
    error = refused(lambda: choice_pool.respond("WEB_AUTHN", answer["Session"], email))
    assert error == ("InvalidParameterException", "Missing required parameter CREDENTIAL")
