"""The deployed test app's custom senders and pre token trigger, driven with boto3: every code
goes to the app's CustomEmailSender (encrypted by the local KMS) instead of the outbox, and a
sign-in's tokens carry the pre token trigger's claim."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from local.emulator.caller.outbox import read_outbox
from local.pool_notices import CUSTOM_SENDER_MARK
from tests.local.emulator.test_cloudformation_addon import jwt_claims
from tests.local.hosted_ui.oauth import create_user
from tests.local.triggers.conftest import TriggersApp

pytestmark = pytest.mark.local

PASSWORD = "Correct-Horse-9!"


def _signed_up(app: TriggersApp) -> str:
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    app.cognito.sign_up(
        ClientId=app.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def _delivered(app: TriggersApp, email: str, source: str) -> dict[str, Any]:
    delivered = app.delivered(email)
    assert delivered is not None, f"no message delivered to {email}"
    assert delivered["source"] == source
    assert delivered["type"] == "customEmailSenderRequestV1"
    assert len(delivered["code"]) == 6
    assert delivered["code"].isdigit()
    return delivered


def _outbox_for(app: TriggersApp, email: str) -> list[Any]:
    messages = read_outbox(app.endpoint_url, user_pool_id=app.pool_id)
    return [m for m in messages if m.destination == email]


def test_given_a_custom_email_sender_when_a_user_signs_up_then_the_sender_gets_the_code(
    triggers_app: TriggersApp,
) -> None:
    email = _signed_up(triggers_app)
    delivered = _delivered(triggers_app, email, "CustomEmailSender_SignUp")
    assert _outbox_for(triggers_app, email) == []  # Cognito sent nothing itself
    handed = [line for line in triggers_app.emulator.log_text().splitlines() if email in line]
    assert any(CUSTOM_SENDER_MARK in line for line in handed)  # what `make local` prints
    assert not any(delivered["code"] in line for line in handed)
    triggers_app.cognito.confirm_sign_up(
        ClientId=triggers_app.client_id, Username=email, ConfirmationCode=delivered["code"]
    )
    user = triggers_app.cognito.admin_get_user(UserPoolId=triggers_app.pool_id, Username=email)
    assert user["UserStatus"] == "CONFIRMED"


def test_given_a_custom_email_sender_when_codes_are_resent_or_reset_then_each_source_is_named(
    triggers_app: TriggersApp,
) -> None:
    email = _signed_up(triggers_app)
    _delivered(triggers_app, email, "CustomEmailSender_SignUp")
    triggers_app.cognito.resend_confirmation_code(ClientId=triggers_app.client_id, Username=email)
    resent = _delivered(triggers_app, email, "CustomEmailSender_ResendCode")
    triggers_app.cognito.confirm_sign_up(
        ClientId=triggers_app.client_id, Username=email, ConfirmationCode=resent["code"]
    )
    triggers_app.cognito.forgot_password(ClientId=triggers_app.client_id, Username=email)
    reset = _delivered(triggers_app, email, "CustomEmailSender_ForgotPassword")
    triggers_app.cognito.confirm_forgot_password(
        ClientId=triggers_app.client_id,
        Username=email,
        ConfirmationCode=reset["code"],
        Password=PASSWORD + "x",
    )
    assert _outbox_for(triggers_app, email) == []


def test_given_the_v2_pre_token_trigger_when_a_user_signs_in_then_both_tokens_carry_its_claim(
    triggers_app: TriggersApp,
) -> None:
    email = f"u-{uuid.uuid4().hex[:10]}@example.com"
    cognito = triggers_app.cognito
    create_user(cognito, triggers_app.pool_id, email, PASSWORD)
    result = cognito.initiate_auth(
        ClientId=triggers_app.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert jwt_claims(result["IdToken"])["tenant"] == "example"
    assert jwt_claims(result["AccessToken"])["tenant"] == "example"
