"""The lifetimes of USER_AUTH's sessions and codes, on the pool's own objects in this process
(a real wait of 3 minutes per case would be too slow): a session older than the client's
AuthSessionValidity is "Invalid session for the user, session is expired." and forgotten; a
code older than its 3 minutes in a longer session is ExpiredCodeException and ends the
session; ConfirmSignUp's Session expires with AuthSessionValidity too."""

from __future__ import annotations

import time

import pytest
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local.emulator.server.cognito import one_time_codes, sign_up_sessions
from local.emulator.server.cognito.exceptions import (
    SESSION_EXPIRED,
    CognitoError,
    ExpiredCodeError,
    NotAuthorizedError,
)
from local.emulator.server.cognito.models import OneTimeSignIn, pool_state

ACCOUNT, REGION = "123456789012", "eu-west-1"
CODE = "12345678"


def _pool_and_client(
    validity_minutes: int | None,
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    pool = CognitoIdpUserPool(ACCOUNT, REGION, "lifetimes", {})
    config = {} if validity_minutes is None else {"AuthSessionValidity": validity_minutes}
    return pool, CognitoIdpUserPoolClient(pool.id, False, config)


def _email_otp(client_id: str, age_seconds: float, code_age_seconds: float) -> OneTimeSignIn:
    """An EMAIL_OTP sign-in started `age_seconds` ago whose code is `code_age_seconds` old."""
    now = time.time()
    return OneTimeSignIn(
        client_id,
        "someone",
        "someone",
        "EMAIL_OTP",
        ("EMAIL_OTP",),
        now - age_seconds,
        code=CODE,
        code_expires_at=now - code_age_seconds + one_time_codes.CODE_SECONDS,
    )


def _refusal(error: CognitoError) -> tuple[str, str]:
    return error.error_type, error.message


def test_a_session_past_the_default_three_minutes_is_expired_and_forgotten() -> None:
    """GIVEN a client with Cognito's default AuthSessionValidity (3 min) and a sign-in 181 s
    old WHEN its Session is answered THEN NotAuthorizedException "session is expired", and
    the Session is gone."""
    pool, client = _pool_and_client(None)
    session = one_time_codes.keep(pool, _email_otp(client.id, 181, 181))
    with pytest.raises(NotAuthorizedError) as raised:
        one_time_codes.live(pool, client, session)
    assert _refusal(raised.value) == ("NotAuthorizedException", SESSION_EXPIRED)
    assert not one_time_codes.owns(pool, session)


def test_a_session_within_the_clients_validity_lives() -> None:
    """GIVEN a client with AuthSessionValidity 15 min and a sign-in 10 min old WHEN its
    Session is looked up THEN the sign-in."""
    pool, client = _pool_and_client(15)
    sign_in = _email_otp(client.id, 600, 0)
    session = one_time_codes.keep(pool, sign_in)
    assert one_time_codes.live(pool, client, session) is sign_in


def test_an_old_code_in_a_live_session_is_expired_code_and_ends_it() -> None:
    """GIVEN a 15-minute session whose 8-digit code was sent 200 s ago WHEN the right code is
    sent back THEN ExpiredCodeException, and the Session is gone (no later try signs in)."""
    pool, client = _pool_and_client(15)
    sign_in = _email_otp(client.id, 200, 200)
    session = one_time_codes.keep(pool, sign_in)
    with pytest.raises(ExpiredCodeError) as raised:
        one_time_codes.check(pool, session, sign_in, {"EMAIL_OTP_CODE": CODE})
    assert _refusal(raised.value)[0] == "ExpiredCodeException"
    assert not one_time_codes.owns(pool, session)


def test_a_fresh_code_is_accepted_once() -> None:
    """GIVEN a sign-in with a fresh code WHEN the right code is checked THEN it passes and the
    Session is gone."""
    pool, client = _pool_and_client(None)
    sign_in = _email_otp(client.id, 10, 10)
    session = one_time_codes.keep(pool, sign_in)
    one_time_codes.check(pool, session, sign_in, {"EMAIL_OTP_CODE": CODE})
    assert not one_time_codes.owns(pool, session)


def test_confirm_sign_up_session_expires_with_the_clients_validity() -> None:
    """GIVEN ConfirmSignUp's Session made 181 s ago (default validity) WHEN USER_AUTH uses it
    THEN "session is expired"; a fresh one signs the user in."""
    pool, client = _pool_and_client(None)
    user = CognitoIdpUser(pool.id, "someone", None, UserStatus.CONFIRMED, [])
    pool.users[user.username] = user
    old = sign_up_sessions.confirmed(pool, client, user, None)
    username, client_id, created, confirmed = pool_state(pool).sign_up_sessions[old]
    pool_state(pool).sign_up_sessions[old] = (username, client_id, created - 181, confirmed)
    with pytest.raises(NotAuthorizedError) as raised:
        sign_up_sessions.signed_up_user(pool, client, "someone", old)
    assert _refusal(raised.value) == ("NotAuthorizedException", SESSION_EXPIRED)
    fresh = sign_up_sessions.confirmed(pool, client, user, None)
    assert sign_up_sessions.signed_up_user(pool, client, "someone", fresh) is user
