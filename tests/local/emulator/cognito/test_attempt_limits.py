"""Attempt limits (issue 30, finding 6): guessing a password, a code or a TOTP code costs what
it costs on Cognito. The probe got 300 wrong passwords, 1,500 wrong sign-up codes, 500 wrong
reset codes and 200 wrong TOTP codes accepted before the right one still worked, and one TOTP
code twice in a window."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller.outbox import latest_code
from local.emulator.server.cognito.attempts import CODE_TRIES, FREE_FAILURES, SESSION_TRIES
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool

WRONG = "Wrong-Horse-9!x"


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def _password(pool: LocalPool, email: str, password: str) -> Any:
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )


def _srp(pool: LocalPool, email: str, password: str) -> Any:
    srp = AWSSRP(
        username=email,
        password=password,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    return pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=srp.process_challenge(
            started["ChallengeParameters"], {"USERNAME": email}
        ),
    )


INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
EXCEEDED = ("NotAuthorizedException", "Password attempts exceeded")


@pytest.mark.parametrize("sign_in", [_password, _srp], ids=["password", "srp"])
def test_five_wrong_passwords_lock_the_user_out_for_a_growing_time(
    pool: LocalPool, sign_in: Any
) -> None:
    """GIVEN a user WHEN five wrong passwords arrive THEN each is "Incorrect username or
    password.", and at once the right one is "Password attempts exceeded" (was: tokens); a
    second later the right one signs in again."""
    email = pool.confirmed_user()
    for _ in range(FREE_FAILURES):
        assert _error(lambda: sign_in(pool, email, WRONG)) == INCORRECT
    assert _error(lambda: sign_in(pool, email, PASSWORD)) == EXCEEDED
    time.sleep(1.2)  # the first lockout is 1 s
    assert sign_in(pool, email, PASSWORD)["AuthenticationResult"]["AccessToken"]


def test_the_lockout_doubles_after_each_failure_past_five(pool: LocalPool) -> None:
    """GIVEN a user locked out once WHEN the next attempt after the lockout fails too THEN the
    lockout is 2 s: still refused after 1.2 s, signed in after 2.2 s."""
    email = pool.confirmed_user()
    for _ in range(FREE_FAILURES):
        _error(lambda: _password(pool, email, WRONG))
    time.sleep(1.2)
    assert _error(lambda: _password(pool, email, WRONG)) == INCORRECT
    time.sleep(1.2)
    assert _error(lambda: _password(pool, email, PASSWORD)) == EXCEEDED
    time.sleep(1.0)
    assert _password(pool, email, PASSWORD)["AuthenticationResult"]


def _signed_up(pool: LocalPool) -> str:
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_a_sign_up_code_dies_after_five_wrong_tries_and_a_new_one_works(pool: LocalPool) -> None:
    """GIVEN a sign-up code WHEN five wrong codes arrive THEN each is CodeMismatchException and
    then the right one is LimitExceededException (was: confirmed); a resent code confirms."""
    email = _signed_up(pool)
    code = latest_code(pool.endpoint_url, email)

    def confirm(given: str) -> Any:
        return pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=email, ConfirmationCode=given
        )

    for _ in range(CODE_TRIES):
        assert _error(lambda: confirm(_wrong(code)))[0] == "CodeMismatchException"
    assert _error(lambda: confirm(code))[0] == "LimitExceededException"
    pool.cognito.resend_confirmation_code(ClientId=pool.client_id, Username=email)
    confirm(latest_code(pool.endpoint_url, email))


def test_a_reset_code_dies_after_five_wrong_tries(pool: LocalPool) -> None:
    """GIVEN a forgot-password code WHEN five wrong codes arrive THEN the right one is
    LimitExceededException and the password is unchanged (was: reset)."""
    email = pool.confirmed_user()
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=email)
    code = latest_code(pool.endpoint_url, email, kinds=("forgot_password",))

    def reset(given: str) -> Any:
        return pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id, Username=email, ConfirmationCode=given, Password=WRONG + "Z"
        )

    for _ in range(CODE_TRIES):
        assert _error(lambda: reset(_wrong(code)))[0] == "CodeMismatchException"
    assert _error(lambda: reset(code))[0] == "LimitExceededException"
    assert _password(pool, email, PASSWORD)["AuthenticationResult"]


def _enrolled(pool: LocalPool) -> tuple[str, pyotp.TOTP]:
    email = pool.confirmed_user()
    access = _password(pool, email, PASSWORD)["AuthenticationResult"]["AccessToken"]
    totp = pyotp.TOTP(pool.cognito.associate_software_token(AccessToken=access)["SecretCode"])
    pool.cognito.verify_software_token(AccessToken=access, UserCode=totp.now())
    pool.cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return email, totp


def _answer_mfa(pool: LocalPool, email: str, session: str, code: str) -> Any:
    return pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def test_a_totp_code_is_accepted_once(pool: LocalPool) -> None:
    """GIVEN a user with TOTP WHEN the same code answers two sign-ins THEN the first gets tokens
    and the second CodeMismatchException (was: tokens twice); the enrolment's code is spent
    too."""
    email, totp = _enrolled(pool)
    used_at_enrolment = totp.now()
    session = _password(pool, email, PASSWORD)["Session"]
    if totp.now() == used_at_enrolment:  # still the enrolment's step: that code is spent
        assert _error(lambda: _answer_mfa(pool, email, session, used_at_enrolment))[0] == (
            "CodeMismatchException"
        )
    code = totp.at(time.time() + 30)
    assert _answer_mfa(pool, email, session, code)["AuthenticationResult"]
    again = _password(pool, email, PASSWORD)["Session"]
    assert _error(lambda: _answer_mfa(pool, email, again, code))[0] == "CodeMismatchException"


def test_a_challenge_session_dies_after_five_wrong_totp_codes(pool: LocalPool) -> None:
    """GIVEN a SOFTWARE_TOKEN_MFA challenge WHEN five wrong codes arrive THEN the session is
    gone: the right code is NotAuthorizedException (was: 200 wrong codes, then tokens)."""
    email, totp = _enrolled(pool)
    session = _password(pool, email, PASSWORD)["Session"]
    right = totp.at(time.time() + 30)
    for _ in range(SESSION_TRIES):
        assert _error(lambda: _answer_mfa(pool, email, session, _wrong(right)))[0] == (
            "CodeMismatchException"
        )
    assert _error(lambda: _answer_mfa(pool, email, session, right))[0] == "NotAuthorizedException"
