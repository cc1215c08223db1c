"""EMAIL_OTP and SMS_OTP sign-in as Cognito answers them, driven with boto3: an 8-digit code
in the outbox valid 3 minutes, masked delivery details, the right code signs in once, wrong
codes are CodeMismatchException until the session dies, and nothing reveals an unknown user."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.local.emulator.cognito.user_auth_pool import (
    INVALID_SESSION,
    UserAuthPool,
    error_of,
    wrong,
)

WRONG_CODE = ("CodeMismatchException", "Invalid code or auth state for the user.")


def test_preferred_email_otp_sends_an_eight_digit_code_that_signs_in_once(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a user with an e-mail WHEN USER_AUTH prefers EMAIL_OTP THEN ChallengeName
    EMAIL_OTP with the masked address, one `email_otp` message with an 8-digit code valid 3
    minutes; the code signs in, and the same Session again is "Invalid session for the
    user."."""
    email = choice_pool.user()
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert answer["ChallengeName"] == "EMAIL_OTP"
    assert answer["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "u***@e***",
    }
    [message] = choice_pool.messages(email, "email_otp")
    assert len(message.code) == 8
    assert message.code.isdigit()
    assert message.expires_at - message.sent_at == 180
    assert message.code in message.message
    signed_in = choice_pool.respond(
        "EMAIL_OTP", answer["Session"], email, EMAIL_OTP_CODE=message.code
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", answer["Session"], email, EMAIL_OTP_CODE=message.code)
    assert error_of(raised.value) == INVALID_SESSION


def test_a_used_code_does_not_sign_in_a_later_sign_in(choice_pool: UserAuthPool) -> None:
    """GIVEN a code that signed in WHEN a new EMAIL_OTP sign-in is answered with the old code
    THEN CodeMismatchException (each sign-in has its own code)."""
    email = choice_pool.user()
    first = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    used = choice_pool.last_code(email, "email_otp")
    choice_pool.respond("EMAIL_OTP", first["Session"], email, EMAIL_OTP_CODE=used)
    second = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    if choice_pool.last_code(email, "email_otp") != used:  # 1 in 10^8 they are equal
        with pytest.raises(ClientError) as raised:
            choice_pool.respond("EMAIL_OTP", second["Session"], email, EMAIL_OTP_CODE=used)
        assert error_of(raised.value) == WRONG_CODE


def test_choosing_email_otp_sends_the_code(choice_pool: UserAuthPool) -> None:
    """GIVEN SELECT_CHALLENGE WHEN the answer is EMAIL_OTP (Amplify's confirmSignIn with
    'EMAIL_OTP') THEN an EMAIL_OTP challenge with a new Session, and its code signs in."""
    email = choice_pool.user()
    session = choice_pool.start(email)["Session"]
    answer = choice_pool.respond("SELECT_CHALLENGE", session, email, ANSWER="EMAIL_OTP")
    assert answer["ChallengeName"] == "EMAIL_OTP"
    assert answer["Session"] != session
    code = choice_pool.last_code(email, "email_otp")
    signed_in = choice_pool.respond("EMAIL_OTP", answer["Session"], email, EMAIL_OTP_CODE=code)
    assert signed_in["AuthenticationResult"]["IdToken"]


def test_a_wrong_code_is_code_mismatch_and_the_right_one_still_signs_in(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN an EMAIL_OTP challenge WHEN a wrong code, then the right one THEN
    CodeMismatchException (no tokens), then tokens."""
    email = choice_pool.user()
    session = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")["Session"]
    code = choice_pool.last_code(email, "email_otp")
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=wrong(code))
    assert error_of(raised.value) == WRONG_CODE
    signed_in = choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=code)
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_five_wrong_codes_kill_the_session(choice_pool: UserAuthPool) -> None:
    """GIVEN an EMAIL_OTP challenge WHEN five wrong codes are tried THEN CodeMismatchException
    each time, and then even the right code gets "Invalid session for the user."."""
    email = choice_pool.user()
    session = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")["Session"]
    code = choice_pool.last_code(email, "email_otp")
    for _ in range(5):
        with pytest.raises(ClientError) as raised:
            choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=wrong(code))
        assert error_of(raised.value) == WRONG_CODE
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=code)
    assert error_of(raised.value) == INVALID_SESSION


def test_a_missing_code_is_invalid_parameter(choice_pool: UserAuthPool) -> None:
    """GIVEN an EMAIL_OTP challenge WHEN answered without EMAIL_OTP_CODE THEN
    InvalidParameterException, and the session still takes the code."""
    email = choice_pool.user()
    session = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")["Session"]
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", session, email)
    assert error_of(raised.value) == (
        "InvalidParameterException",
        "Missing required parameter EMAIL_OTP_CODE",
    )
    code = choice_pool.last_code(email, "email_otp")
    assert choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=code)[
        "AuthenticationResult"
    ]


def test_a_session_answered_as_another_challenge_is_refused(choice_pool: UserAuthPool) -> None:
    """GIVEN an EMAIL_OTP challenge WHEN answered as SMS_OTP THEN "Invalid session for the
    user."."""
    email = choice_pool.user()
    session = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")["Session"]
    code = choice_pool.last_code(email, "email_otp")
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("SMS_OTP", session, email, SMS_OTP_CODE=code)
    assert error_of(raised.value) == INVALID_SESSION


def test_sms_otp_sends_the_code_to_the_phone(choice_pool: UserAuthPool) -> None:
    """GIVEN a user with a phone number WHEN USER_AUTH prefers SMS_OTP THEN ChallengeName
    SMS_OTP with the masked number, an `sms_otp` message to the number, and SMS_OTP_CODE
    signs in."""
    email = choice_pool.user(phone="+15555550123")
    assert "SMS_OTP" in choice_pool.start(email)["AvailableChallenges"]
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="SMS_OTP")
    assert answer["ChallengeName"] == "SMS_OTP"
    assert answer["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
        "CODE_DELIVERY_DESTINATION": "+*******0123",
    }
    [message] = choice_pool.messages("+15555550123", "sms_otp")
    assert len(message.code) == 8
    signed_in = choice_pool.respond("SMS_OTP", answer["Session"], email, SMS_OTP_CODE=message.code)
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_an_unknown_user_gets_a_code_challenge_that_never_signs_in(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a client preventing user-existence errors WHEN an unknown name prefers
    EMAIL_OTP THEN an EMAIL_OTP challenge masked like a real one, nothing in the outbox, and
    any code is CodeMismatchException."""
    unknown = "nobody-" + choice_pool.user()
    answer = choice_pool.start(unknown, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert answer["ChallengeName"] == "EMAIL_OTP"
    assert answer["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "n***@e***"
    assert choice_pool.messages(unknown) == []
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", answer["Session"], unknown, EMAIL_OTP_CODE="12345678")
    assert error_of(raised.value) == WRONG_CODE


def test_a_user_disabled_during_the_challenge_gets_no_tokens(choice_pool: UserAuthPool) -> None:
    """GIVEN an EMAIL_OTP challenge WHEN the user is disabled before the code is sent back
    THEN "User is disabled." and no tokens."""
    email = choice_pool.user()
    session = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")["Session"]
    code = choice_pool.last_code(email, "email_otp")
    choice_pool.cognito.admin_disable_user(UserPoolId=choice_pool.pool_id, Username=email)
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", session, email, EMAIL_OTP_CODE=code)
    assert error_of(raised.value) == ("NotAuthorizedException", "User is disabled.")


def test_a_new_code_replaces_the_code_of_an_earlier_sign_in(choice_pool: UserAuthPool) -> None:
    """GIVEN an EMAIL_OTP sign-in whose code was sent WHEN a second sign-in of the same user
    sends a new code THEN the first code no longer signs in through the first Session
    (CodeMismatchException, no tokens): one code per user is live, so starting sign-ins does
    not multiply the codes an attacker can guess at, and the new code still signs in."""
    email = choice_pool.user()
    first = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    replaced = choice_pool.last_code(email, "email_otp")
    second = choice_pool.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    current = choice_pool.last_code(email, "email_otp")
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("EMAIL_OTP", first["Session"], email, EMAIL_OTP_CODE=replaced)
    assert error_of(raised.value) == WRONG_CODE
    signed_in = choice_pool.respond("EMAIL_OTP", second["Session"], email, EMAIL_OTP_CODE=current)
    assert signed_in["AuthenticationResult"]["AccessToken"]
