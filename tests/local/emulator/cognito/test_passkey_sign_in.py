"""Signing in with a passkey through boto3: InitiateAuth USER_AUTH with PREFERRED_CHALLENGE
WEB_AUTHN answers the WEB_AUTHN challenge (CREDENTIAL_REQUEST_OPTIONS naming the user's
passkeys), and RespondToAuthChallenge WEB_AUTHN with the software authenticator's assertion
gives tokens. An assertion from another key, a replayed one, one made on a foreign origin, and
one from a deleted passkey get NotAuthorizedException and no tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.conftest import LocalPool
from tests.local.emulator.cognito.passkey_pool import (
    FACTORS,
    error_of,
    passkey_pool,
    register,
    signed_in,
)
from tests.local.emulator.conftest import AwsClient
from tests.local.webauthn_authenticator import Ceremony, SoftwareAuthenticator, b64url


def _with_passkey(pool: LocalPool) -> tuple[str, SoftwareAuthenticator, str]:
    """A user with a registered passkey: its e-mail, the authenticator, an access token."""
    user, key = signed_in(pool), SoftwareAuthenticator()
    register(pool, user["AccessToken"], key)
    return user["email"], key, user["AccessToken"]


@pytest.fixture(scope="module")
def pool(emulator: EmulatorProcess, aws: AwsClient) -> LocalPool:
    return passkey_pool(emulator, aws, FACTORS)


def _web_authn_challenge(pool: LocalPool, email: str) -> dict[str, Any]:
    started: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    assert started["ChallengeName"] == "WEB_AUTHN", started
    assert "AuthenticationResult" not in started
    return started


def _answer(pool: LocalPool, email: str, session: str, credential: str) -> dict[str, Any]:
    answered: dict[str, Any] = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="WEB_AUTHN",
        Session=session,
        ChallengeResponses={"USERNAME": email, "CREDENTIAL": credential},
    )
    return answered


def _refused(pool: LocalPool, email: str, session: str, credential: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        _answer(pool, email, session, credential)
    return error_of(raised)


def test_a_passkey_signs_in_through_user_auth(pool: LocalPool) -> None:
    """GIVEN a user with a passkey WHEN InitiateAuth USER_AUTH prefers WEB_AUTHN THEN the
    challenge's options name localhost and the passkey; the authenticator's assertion gives
    tokens for the same user."""
    email, key, _ = _with_passkey(pool)
    started = _web_authn_challenge(pool, email)
    options = json.loads(started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert options["rpId"] == "localhost"
    assert options["allowCredentials"] == [{"id": b64url(key.credential_id), "type": "public-key"}]
    answered = _answer(pool, email, started["Session"], key.assertion(options))
    tokens = answered["AuthenticationResult"]
    assert pool.cognito.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]
    assert tokens["IdToken"]
    assert tokens["RefreshToken"]


@pytest.mark.parametrize(
    "case", ["another-key", "foreign-origin", "other-relying-party", "unverified-presence"]
)
def test_an_assertion_the_pool_cannot_accept_gets_no_tokens(pool: LocalPool, case: str) -> None:
    """GIVEN a WEB_AUTHN challenge WHEN it is answered by a key the user never registered, on
    a foreign origin, for another relying party, or without the user present THEN
    NotAuthorizedException and no tokens."""
    email, key, _ = _with_passkey(pool)
    started = _web_authn_challenge(pool, email)
    options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    answers = {
        "another-key": lambda: SoftwareAuthenticator().assertion(options),
        "foreign-origin": lambda: key.assertion(options, Ceremony(origin="https://evil.example")),
        "other-relying-party": lambda: key.assertion(options, Ceremony(rp_id="example.com")),
        "unverified-presence": lambda: key.assertion(options, Ceremony(user_present=False)),
    }
    assert _refused(pool, email, started["Session"], answers[case]())[0] == (
        "NotAuthorizedException"
    )


def test_a_replayed_assertion_gets_no_tokens(pool: LocalPool) -> None:
    """GIVEN an assertion that signed in WHEN it is sent again, on its own session or on a
    new challenge's THEN NotAuthorizedException: the session and the challenge are used."""
    email, key, _ = _with_passkey(pool)
    started = _web_authn_challenge(pool, email)
    options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    assertion = key.assertion(options)
    assert _answer(pool, email, started["Session"], assertion)["AuthenticationResult"]
    assert _refused(pool, email, started["Session"], assertion)[0] == "NotAuthorizedException"
    again = _web_authn_challenge(pool, email)
    assert _refused(pool, email, again["Session"], assertion)[0] == "NotAuthorizedException"


def test_a_cloned_authenticator_with_an_old_count_gets_no_tokens(pool: LocalPool) -> None:
    """GIVEN a passkey whose count reached 3 WHEN an assertion with count 2 (a clone) answers a
    new challenge THEN NotAuthorizedException."""
    email, key, _ = _with_passkey(pool)
    for _ in range(2):
        started = _web_authn_challenge(pool, email)
        options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
        assert _answer(pool, email, started["Session"], key.assertion(options))
    started = _web_authn_challenge(pool, email)
    options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    cloned = key.assertion(options, Ceremony(sign_count=key.counter - 1))
    assert _refused(pool, email, started["Session"], cloned)[0] == "NotAuthorizedException"


def test_a_deleted_passkey_no_longer_signs_in(pool: LocalPool) -> None:
    """GIVEN a WEB_AUTHN challenge taken while the passkey existed WHEN the passkey is deleted
    and then answers THEN NotAuthorizedException; a new USER_AUTH no longer offers WEB_AUTHN."""
    email, key, access = _with_passkey(pool)
    started = _web_authn_challenge(pool, email)
    options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    pool.cognito.delete_web_authn_credential(
        AccessToken=access, CredentialId=b64url(key.credential_id)
    )
    refused = _refused(pool, email, started["Session"], key.assertion(options))
    assert refused[0] == "NotAuthorizedException"
    again = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    assert again["ChallengeName"] != "WEB_AUTHN"
    assert "WEB_AUTHN" not in again.get("AvailableChallenges", [])


def test_a_malformed_credential_gets_no_tokens(pool: LocalPool) -> None:
    """GIVEN a WEB_AUTHN challenge WHEN CREDENTIAL is not an authentication response THEN
    InvalidParameterException (never a 5xx), no tokens."""
    email, _, _ = _with_passkey(pool)
    for credential in ("not json", "[]", json.dumps({"id": "AA", "rawId": "AA"})):
        started = _web_authn_challenge(pool, email)
        code, _ = _refused(pool, email, started["Session"], credential)
        assert code == "InvalidParameterException"


def test_a_refused_answer_ends_the_session(pool: LocalPool) -> None:
    """GIVEN a WEB_AUTHN challenge answered by the wrong key WHEN the right passkey then
    answers the same session THEN NotAuthorizedException: one answer per challenge."""
    email, key, _ = _with_passkey(pool)
    started = _web_authn_challenge(pool, email)
    options = started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
    wrong = SoftwareAuthenticator().assertion(options)
    assert _refused(pool, email, started["Session"], wrong)[0] == "NotAuthorizedException"
    right = key.assertion(options)
    assert _refused(pool, email, started["Session"], right)[0] == "NotAuthorizedException"
