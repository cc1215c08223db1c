"""Confirmation codes as Cognito sends them, read from the local outbox: random 6 digits, the
right one needed, sign-up verifies the e-mail, forgot-password resets the password."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from local.emulator.caller.outbox import OutboxError, latest_code, read_outbox
from local.runtime.client import local_http
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _sign_up(pool: LocalPool) -> str:
    email = f"c-{uuid.uuid4().hex[:10]}@example.com"
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sign_up_sends_a_six_digit_code_valid_a_day(pool: LocalPool) -> None:
    """GIVEN a sign-up WHEN the outbox is read THEN one signup message to the address with a
    6-digit code that expires 24 h after it was sent."""
    email = _sign_up(pool)
    [message] = read_outbox(pool.endpoint_url, destination=email)
    assert message.kind == "signup"
    assert message.user_pool_id == pool.pool_id
    assert len(message.code) == 6
    assert message.code.isdigit()
    assert message.expires_at - message.sent_at == 24 * 3600
    assert abs(message.sent_at - time.time()) < 30


def test_a_wrong_code_is_refused_and_the_right_one_confirms_and_verifies(pool: LocalPool) -> None:
    """GIVEN a sign-up WHEN ConfirmSignUp gets a wrong code, then the sent one THEN
    CodeMismatchException (user still unconfirmed), then CONFIRMED with email_verified."""
    email = _sign_up(pool)
    code = latest_code(pool.endpoint_url, email)
    with pytest.raises(ClientError) as raised:
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=email, ConfirmationCode=_wrong(code)
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    assert user["UserStatus"] == "UNCONFIRMED"
    pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes["email_verified"] == "true"


def test_resend_replaces_the_code(pool: LocalPool) -> None:
    """GIVEN a sign-up WHEN ResendConfirmationCode THEN a resend message with a new code,
    and only the newest code confirms."""
    email = _sign_up(pool)
    first = latest_code(pool.endpoint_url, email)
    details = pool.cognito.resend_confirmation_code(ClientId=pool.client_id, Username=email)
    assert details["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    messages = read_outbox(pool.endpoint_url, destination=email)
    assert [m.kind for m in messages] == ["signup", "resend"]
    second = messages[-1].code
    if second != first:  # 1 in a million they are equal
        with pytest.raises(ClientError) as raised:
            pool.cognito.confirm_sign_up(
                ClientId=pool.client_id, Username=email, ConfirmationCode=first
            )
        assert _error(raised.value)[0] == "CodeMismatchException"
    pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=second)


def test_a_used_code_cannot_confirm_again(pool: LocalPool) -> None:
    """GIVEN a confirmed user WHEN ConfirmSignUp runs again THEN NotAuthorizedException."""
    email = pool.confirmed_user()
    with pytest.raises(ClientError) as raised:
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username=email, ConfirmationCode="123456"
        )
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_forgot_password_needs_the_code_and_sets_the_new_password(pool: LocalPool) -> None:
    """GIVEN a confirmed user WHEN ForgotPassword, then ConfirmForgotPassword with a wrong and
    the sent code THEN a forgot_password message valid 1 h, CodeMismatchException, then the new
    password signs in and the old one does not."""
    email = pool.confirmed_user()
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=email)
    [message] = read_outbox(pool.endpoint_url, destination=email, kind="forgot_password")
    assert message.expires_at - message.sent_at == 3600
    new_password = "Brand-New-Secret-5!"
    with pytest.raises(ClientError) as raised:
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id,
            Username=email,
            ConfirmationCode=_wrong(message.code),
            Password=new_password,
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    pool.cognito.confirm_forgot_password(
        ClientId=pool.client_id,
        Username=email,
        ConfirmationCode=message.code,
        Password=new_password,
    )
    pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": new_password},
    )
    with pytest.raises(ClientError) as raised:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_forgot_password_checks_the_password_policy(pool: LocalPool) -> None:
    """GIVEN a forgot-password code WHEN the new password breaks the pool's policy THEN
    InvalidPasswordException and the code still works afterwards."""
    email = pool.confirmed_user()
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=email)
    code = latest_code(pool.endpoint_url, email, kinds=("forgot_password",))
    with pytest.raises(ClientError) as raised:
        pool.cognito.confirm_forgot_password(
            ClientId=pool.client_id, Username=email, ConfirmationCode=code, Password="short"
        )
    assert _error(raised.value)[0] == "InvalidPasswordException"
    pool.cognito.confirm_forgot_password(
        ClientId=pool.client_id, Username=email, ConfirmationCode=code, Password="Long-Enough-123!"
    )


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_code(pool: LocalPool) -> None:
    """GIVEN a client that prevents user-existence errors WHEN ConfirmSignUp names no user
    THEN CodeMismatchException, as for a wrong code."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id, Username="nobody@example.com", ConfirmationCode="123456"
        )
    assert _error(raised.value)[0] == "CodeMismatchException"


def test_the_outbox_refuses_unknown_filters_and_other_methods(pool: LocalPool) -> None:
    """GIVEN the outbox endpoint WHEN asked (signed) with an unknown filter or POST THEN 400 /
    405 with a JSON message, never moto's HTML."""
    with local_http(pool.endpoint_url, timeout=10) as signed:
        bad_filter = signed.get("/_local/outbox", params={"who": "x"})
        assert bad_filter.status_code == 400
        assert "who" in bad_filter.json()["message"]
        assert signed.post("/_local/outbox").status_code == 405


def test_the_outbox_answers_only_requests_signed_with_the_runs_credentials(
    pool: LocalPool,
) -> None:
    """GIVEN a code in the outbox WHEN a page or script reads it unsigned THEN AWS's 4xx
    signature error and no code in the answer (a code confirms someone's account)."""
    email = pool.confirmed_user()
    code = latest_code(pool.endpoint_url, email)
    unsigned = httpx.get(f"{pool.endpoint_url}/_local/outbox", timeout=10)
    assert 400 <= unsigned.status_code < 500
    assert code not in unsigned.text
    assert email not in unsigned.text


def test_reading_an_outbox_that_is_not_there_is_one_clear_error() -> None:
    """GIVEN nothing listening WHEN read_outbox THEN OutboxError naming the URL."""
    with pytest.raises(OutboxError, match="cannot read the outbox"):
        read_outbox("http://localhost:9", timeout=1)


def test_verifying_a_changed_email_needs_the_code_sent_to_it(pool: LocalPool) -> None:
    """GIVEN a signed-in user WHEN GetUserAttributeVerificationCode for email, then
    VerifyUserAttribute with a wrong and the sent code THEN a verify_email message,
    CodeMismatchException, then email_verified is true."""
    email = pool.confirmed_user()
    access = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    pool.cognito.admin_update_user_attributes(
        UserPoolId=pool.pool_id,
        Username=email,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    pool.cognito.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    code = latest_code(pool.endpoint_url, email, kinds=("verify_email",))
    with pytest.raises(ClientError) as raised:
        pool.cognito.verify_user_attribute(
            AccessToken=access, AttributeName="email", Code=_wrong(code)
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    pool.cognito.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    user = pool.cognito.get_user(AccessToken=access)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email_verified"] == "true"


def test_delete_user_removes_the_user_and_revokes_its_tokens(pool: LocalPool) -> None:
    """GIVEN a signed-in user WHEN DeleteUser THEN the user is gone and its refresh token is
    revoked."""
    email = pool.confirmed_user()
    tokens = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    pool.cognito.delete_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as raised:
        pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    assert _error(raised.value)[0] == "UserNotFoundException"
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_tokens_from_refresh_token(
            ClientId=pool.client_id, RefreshToken=tokens["RefreshToken"]
        )
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_an_unconfirmed_user_cannot_sign_in_through_the_admin_password_flow(
    pool: LocalPool,
) -> None:
    """GIVEN a signed-up user who never entered the code WHEN AdminInitiateAuth
    ADMIN_USER_PASSWORD_AUTH with the right password THEN UserNotConfirmedException (moto
    issued tokens), and with a wrong one NotAuthorizedException, as Cognito answers."""
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    for password, expected in (
        (PASSWORD, "UserNotConfirmedException"),
        ("Wrong-9!aaaa", "NotAuthorizedException"),
    ):
        with pytest.raises(ClientError) as raised:
            pool.cognito.admin_initiate_auth(
                UserPoolId=pool.pool_id,
                ClientId=pool.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        assert _error(raised.value)[0] == expected
