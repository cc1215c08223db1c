"""The WEB_AUTHN sign-in check the USER_AUTH flow calls (passkeys.request_options and
verify_assertion), on moto's own pool and user objects in this process: a passkey registered
through passkey_registration signs in once per assertion; another key, a replayed or cloned
assertion, a foreign origin, another relying party, a wrong challenge, a missing user
verification the pool requires and a deleted passkey are refused with NotAuthorizedException,
and the stored sign count only moves on success."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.server.cognito import passkey_registration, passkeys, pool_settings
from local.emulator.server.cognito.exceptions import CognitoError, WebAuthnChallengeNotFoundError
from local.emulator.server.cognito.models import pool_state
from tests.local.webauthn_authenticator import Ceremony, SoftwareAuthenticator, b64url

CLIENT = "client-one"


def _pool(**settings: Any) -> CognitoIdpUserPool:
    policies = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
    return CognitoIdpUserPool("123456789012", "us-east-1", "p", {"Policies": policies} | settings)


def _user(pool: CognitoIdpUserPool) -> CognitoIdpUser:
    return CognitoIdpUser(pool.id, None, "pw", "CONFIRMED", [{"Name": "email", "Value": "a@b.c"}])


def _registered(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> SoftwareAuthenticator:
    key = SoftwareAuthenticator()
    options = passkey_registration.start(pool, user, CLIENT)["CredentialCreationOptions"]
    passkey_registration.complete(pool, user, CLIENT, key.register(options))
    return key


def _refused(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    challenge: bytes,
    answer: str,
    code: str = "NotAuthorizedException",
) -> str:
    """verify_assertion's refusal (its message), after checking its code."""
    with pytest.raises(CognitoError) as raised:
        passkeys.verify_assertion(pool, user, challenge, answer)
    assert raised.value.error_type == code
    return str(raised.value.message)


def test_a_registered_passkey_signs_in_and_its_count_moves() -> None:
    """GIVEN a user with a registered passkey WHEN the WEB_AUTHN options are made THEN they
    name localhost, the passkey and the pool's user verification; the authenticator's answer
    verifies and the stored sign count becomes the assertion's."""
    pool = _pool()
    user = _user(pool)
    assert not passkeys.has_passkey(pool, user)
    key = _registered(pool, user)
    assert passkeys.has_passkey(pool, user)
    options, challenge = passkeys.request_options(pool, user)
    asked = json.loads(options)
    assert asked["rpId"] == "localhost"
    assert asked["challenge"] == b64url(challenge)
    assert asked["allowCredentials"] == [{"id": b64url(key.credential_id), "type": "public-key"}]
    assert asked["userVerification"] == "preferred"
    assert asked["timeout"] == 180000
    passkeys.verify_assertion(pool, user, challenge, key.assertion(options))
    assert passkeys.user_passkeys(pool, user)[0].sign_count == key.counter == 2


def test_a_replayed_or_cloned_assertion_is_refused() -> None:
    """GIVEN an assertion that signed in WHEN the same one is sent again, or a clone of the
    key answers with a count not above the stored one THEN NotAuthorizedException, and the
    stored count stays."""
    pool = _pool()
    user = _user(pool)
    key = _registered(pool, user)
    options, challenge = passkeys.request_options(pool, user)
    answer = key.assertion(options)
    passkeys.verify_assertion(pool, user, challenge, answer)
    assert "sign count" in _refused(pool, user, challenge, answer)
    options, challenge = passkeys.request_options(pool, user)
    cloned = key.assertion(options, Ceremony(sign_count=key.counter - 1))
    _refused(pool, user, challenge, cloned)
    assert passkeys.user_passkeys(pool, user)[0].sign_count == 2


@pytest.mark.parametrize(
    "ceremony",
    [
        Ceremony(origin="https://evil.example"),
        Ceremony(origin="http://localhost.evil.example"),
        Ceremony(rp_id="example.com"),
        Ceremony(user_present=False),
    ],
    ids=["foreign-origin", "lookalike-origin", "other-relying-party", "no-user-presence"],
)
def test_an_assertion_made_elsewhere_is_refused(ceremony: Ceremony) -> None:
    """GIVEN a registered passkey WHEN its assertion was made for a foreign origin, another
    relying party or without the user present THEN NotAuthorizedException."""
    pool = _pool()
    user = _user(pool)
    key = _registered(pool, user)
    options, challenge = passkeys.request_options(pool, user)
    answer = key.assertion(options, ceremony)
    _refused(pool, user, challenge, answer)
    assert passkeys.user_passkeys(pool, user)[0].sign_count == 1


def test_an_assertion_from_another_key_or_user_is_refused() -> None:
    """GIVEN a user with a passkey WHEN an unregistered key answers, or another user's
    registered passkey answers THEN NotAuthorizedException."""
    pool = _pool()
    user, other = _user(pool), _user(pool)
    _registered(pool, user)
    others_key = _registered(pool, other)
    options, challenge = passkeys.request_options(pool, user)
    for key in (SoftwareAuthenticator(), others_key):
        answer = key.assertion(options)
        _refused(pool, user, challenge, answer)


def test_an_answer_to_another_challenge_is_refused() -> None:
    """GIVEN two WEB_AUTHN challenges WHEN the answer to the first is checked against the
    second THEN NotAuthorizedException."""
    pool = _pool()
    user = _user(pool)
    key = _registered(pool, user)
    first, _ = passkeys.request_options(pool, user)
    _, second = passkeys.request_options(pool, user)
    answer = key.assertion(first)
    _refused(pool, user, second, answer)


def test_required_user_verification_refuses_an_unverified_assertion() -> None:
    """GIVEN a pool that requires user verification WHEN the options are made THEN they say
    so; an assertion without UV is refused, one with UV signs in."""
    pool = _pool(**{pool_settings.USER_VERIFICATION_KEY: "required"})
    user = _user(pool)
    key = _registered(pool, user)
    options, challenge = passkeys.request_options(pool, user)
    assert json.loads(options)["userVerification"] == "required"
    unverified = key.assertion(options, Ceremony(user_verified=False))
    _refused(pool, user, challenge, unverified)
    passkeys.verify_assertion(pool, user, challenge, key.assertion(options))


def test_a_deleted_passkey_no_longer_signs_in() -> None:
    """GIVEN a passkey deleted with DeleteWebAuthnCredential WHEN it answers THEN the user has
    no passkey and its assertion is refused."""
    pool = _pool()
    user = _user(pool)
    key = _registered(pool, user)
    options, challenge = passkeys.request_options(pool, user)
    passkey_registration.delete_credential(pool, user, b64url(key.credential_id))
    assert not passkeys.has_passkey(pool, user)
    answer = key.assertion(options)
    _refused(pool, user, challenge, answer)


@pytest.mark.parametrize(
    "credential",
    ["not json", "[]", "{}", json.dumps({"id": "AA", "rawId": "AA", "type": "public-key"})],
)
def test_a_malformed_answer_is_invalid_parameter(credential: str) -> None:
    """GIVEN a WEB_AUTHN challenge WHEN CREDENTIAL is not an authentication response THEN
    InvalidParameterException (never a 5xx)."""
    pool = _pool()
    user = _user(pool)
    _registered(pool, user)
    _, challenge = passkeys.request_options(pool, user)
    _refused(pool, user, challenge, credential, "InvalidParameterException")


def test_a_registration_challenge_older_than_three_minutes_is_refused() -> None:
    """GIVEN a StartWebAuthnRegistration made 181 s ago WHEN it is completed THEN
    WebAuthnChallengeNotFoundException, nothing kept, and the challenge is gone."""
    pool = _pool()
    user = _user(pool)
    options = passkey_registration.start(pool, user, CLIENT)["CredentialCreationOptions"]
    pool_state(pool).passkey_registrations[user.id].created -= 181
    with pytest.raises(WebAuthnChallengeNotFoundError):
        passkey_registration.complete(pool, user, CLIENT, SoftwareAuthenticator().register(options))
    assert not passkeys.has_passkey(pool, user)
    assert user.id not in pool_state(pool).passkey_registrations
