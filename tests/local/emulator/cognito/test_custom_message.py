"""The custom message trigger for every code the local pool sends, through boto3 against the
emulator: the outbox shows the trigger's subject and text (triggered_pool.py's function)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller.outbox import latest_code

from .triggered_pool import TriggeredPool, new_email, pool_fixture

CUSTOM = {"CustomMessage": "custom"}


pool = pool_fixture("custom-message")


def test_sign_up_code_goes_out_in_the_triggers_words(pool: TriggeredPool) -> None:
    """GIVEN CustomMessage answers a subject and a message with codeParameter WHEN a user signs
    up THEN CustomMessage_SignUp got codeParameter "{####}", and the outbox shows the trigger's
    subject and message with the code in place of the placeholder."""
    email = new_email()
    pool.sign_up(email, **CUSTOM)
    (message,) = pool.messages(email)
    assert message.subject == "Welcome aboard"
    assert message.message == f"Your code: {message.code}!"
    event = pool.events(email)[-1]
    assert event["triggerSource"] == "CustomMessage_SignUp"
    assert event["request"]["codeParameter"] == "{####}"
    assert event["request"]["clientMetadata"] == CUSTOM
    assert event["request"]["userAttributes"]["email"] == email
    assert event["callerContext"]["clientId"] == pool.client_id


def test_without_an_answer_or_with_no_placeholder_the_default_message_goes_out(
    pool: TriggeredPool,
) -> None:
    """GIVEN CustomMessage answers nothing, or a message without codeParameter WHEN users sign
    up THEN the pool's default verification message carries the code."""
    for behaviour in ("", "no-code"):
        email = new_email()
        pool.sign_up(email, CustomMessage=behaviour)
        (message,) = pool.messages(email)
        assert message.subject == "Your verification code"
        assert message.message == f"Your verification code is {message.code}. "


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        ("raise", "UserLambdaValidationException"),
        ("invalid", "InvalidLambdaResponseException"),
        ("not-text", "InvalidLambdaResponseException"),
    ],
)
def test_a_failing_trigger_is_answered_and_nothing_is_sent(
    pool: TriggeredPool, behaviour: str, code: str
) -> None:
    """GIVEN CustomMessage raises, answers no event, or a message that is no string WHEN a user
    asks for a new sign-up code THEN Cognito's error and no code in the outbox."""
    email = new_email()
    pool.sign_up(email)
    sent = len(pool.messages(email))
    with pytest.raises(ClientError) as caught:
        pool.cognito.resend_confirmation_code(
            ClientId=pool.client_id, Username=email, ClientMetadata={"CustomMessage": behaviour}
        )
    error = caught.value.response["Error"]
    assert error["Code"] == code
    if behaviour == "raise":
        assert error["Message"].startswith("CustomMessage failed with error ")
    assert len(pool.messages(email)) == sent


def test_every_code_the_pool_sends_runs_the_trigger(pool: TriggeredPool) -> None:
    """GIVEN CustomMessage WHEN a user gets a resent code, a password reset code, a code for a
    new e-mail address and one it asks for again THEN CustomMessage_ResendCode,
    _ForgotPassword, _UpdateUserAttribute and _VerifyUserAttribute run, and each message in
    the outbox is the trigger's."""
    email, new = new_email(), new_email()
    pool.sign_up(email)
    pool.cognito.resend_confirmation_code(
        ClientId=pool.client_id, Username=email, ClientMetadata=CUSTOM
    )
    code = latest_code(pool.endpoint_url, email)
    pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=email, ClientMetadata=CUSTOM)
    token = pool.access_token(email)
    pool.cognito.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": new}], ClientMetadata=CUSTOM
    )
    pool.cognito.get_user_attribute_verification_code(
        AccessToken=token, AttributeName="email", ClientMetadata=CUSTOM
    )
    custom = [
        e["triggerSource"] for e in pool.events(email, new) if e["triggerSource"][:6] == "Custom"
    ]
    assert custom == [
        "CustomMessage_SignUp",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_VerifyUserAttribute",
    ]
    messages = pool.messages(email)[1:] + pool.messages(new)
    assert [m.kind for m in messages] == [
        "resend",
        "forgot_password",
        "verify_email",
        "verify_email",
    ]
    assert all(m.subject == "Welcome aboard" for m in messages)
    assert all(m.message == f"Your code: {m.code}!" for m in messages)


def _invite(pool: TriggeredPool, email: str, **behaviours: str) -> None:
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}],
        DesiredDeliveryMediums=["EMAIL"],
        ClientMetadata=behaviours,
    )


def test_admin_create_user_invitation_in_the_triggers_words(pool: TriggeredPool) -> None:
    """GIVEN CustomMessage answers a message with usernameParameter and codeParameter WHEN an
    admin creates a user (e-mail invitation) THEN CustomMessage_AdminCreateUser got
    "{username}", and the outbox's invitation names the user and its temporary password."""
    email = new_email()
    _invite(pool, email, CustomMessage="invite")
    (message,) = pool.messages(email)
    assert message.kind == "invitation"
    assert message.subject == "Join us"
    assert message.message == f"{email} / {message.code}"
    event = pool.events(email)[-1]
    assert event["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert event["request"]["usernameParameter"] == "{username}"
    assert event["request"]["codeParameter"] == "{####}"


def test_invitation_without_the_username_placeholder_is_the_default_one(
    pool: TriggeredPool,
) -> None:
    """GIVEN CustomMessage answers a message without usernameParameter WHEN an admin creates a
    user with no TemporaryPassword THEN the default invitation carries the password Cognito
    made, and signing in with it asks for a new password."""
    email = new_email()
    _invite(pool, email, CustomMessage="custom")
    (message,) = pool.messages(email)
    assert message.subject == "Your temporary password"
    assert message.message == (
        f"Your username is {email} and temporary password is {message.code}. "
    )
    signed_in = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": message.code},
    )
    assert signed_in["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
