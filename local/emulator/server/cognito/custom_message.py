"""What each message the pool sends says: the pool's own text, or the custom message trigger's.

Cognito runs the CustomMessage trigger before it sends a code (`CustomMessage_SignUp`,
`_ResendCode`, `_ForgotPassword`, `_UpdateUserAttribute`, `_VerifyUserAttribute`); the request
carries the user's attributes, the client's metadata and `codeParameter` ("{####}"), the place
holder Cognito replaces with the code. The answer's `emailSubject`/`emailMessage` (e-mail) or
`smsMessage` (SMS) replace the pool's text. A message without the place holder, or longer than
Cognito's limits (e-mail 20,000 characters, subject 140, SMS 140), is not used: Cognito sends
its default message then. A function that raises, times out or answers no object is refused
with lambda_triggers' errors, and nothing is sent. The local pool sends no MFA codes by SMS or
e-mail (TOTP only) nor invitations (AdminCreateUser), so `_Authentication` and `_AdminCreateUser`
never run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from . import lambda_triggers
from .exceptions import InvalidLambdaResponseError
from .sign_up_triggers import user_attributes

log = logging.getLogger("local.emulator.server.cognito.custom_message")

CODE_PARAMETER = "{####}"
LINK_PARAMETER = "{##Verify Email##}"
SIGN_UP = "CustomMessage_SignUp"
RESEND_CODE = "CustomMessage_ResendCode"
FORGOT_PASSWORD = "CustomMessage_ForgotPassword"  # noqa: S105 - a name
UPDATE_USER_ATTRIBUTE = "CustomMessage_UpdateUserAttribute"
VERIFY_USER_ATTRIBUTE = "CustomMessage_VerifyUserAttribute"
# Which trigger source a code sent for codes.py's message kinds is, when the caller names none.
SOURCES = {
    "signup": SIGN_UP,
    "resend": RESEND_CODE,
    "forgot_password": FORGOT_PASSWORD,
    "verify_email": VERIFY_USER_ATTRIBUTE,
    "verify_phone_number": VERIFY_USER_ATTRIBUTE,
}
DEFAULT_SUBJECT = "Your verification code"
DEFAULT_MESSAGE = f"Your verification code is {CODE_PARAMETER}. "
EMAIL_LIMIT, SUBJECT_LIMIT, SMS_LIMIT = 20_000, 140, 140


@dataclass(frozen=True)
class Occasion:
    """Why a code is sent: the trigger source, and the app client and metadata of the call."""

    trigger_source: str
    client_id: str | None = None
    client_metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Text:
    """A message as sent: its subject (e-mail only) and body, the code filled in."""

    subject: str
    message: str


def _pool_text(pool: CognitoIdpUserPool, sms: bool) -> tuple[str, str]:
    """The pool's own verification subject and message (its template, else Cognito's)."""
    config = pool.extended_config
    template = config.get("VerificationMessageTemplate") or {}
    if sms:
        return "", template.get("SmsMessage") or config.get("SmsVerificationMessage") or (
            DEFAULT_MESSAGE
        )
    subject = template.get("EmailSubject") or config.get("EmailVerificationSubject")
    message = template.get("EmailMessage") or config.get("EmailVerificationMessage")
    return subject or DEFAULT_SUBJECT, message or DEFAULT_MESSAGE


def _custom(response: dict[str, Any], sms: bool) -> tuple[str | None, str | None]:
    """The trigger's subject and message, None for what Cognito would not use."""
    keys = ("smsMessage",) if sms else ("emailSubject", "emailMessage")
    values = {key: response.get(key) for key in keys}
    if any(value is not None and not isinstance(value, str) for value in values.values()):
        raise InvalidLambdaResponseError()
    message = values.get("smsMessage" if sms else "emailMessage")
    limit = SMS_LIMIT if sms else EMAIL_LIMIT
    if message is not None and (CODE_PARAMETER not in message or len(message) > limit):
        log.warning("CustomMessage answered a message without %s or too long", CODE_PARAMETER)
        message = None
    subject = values.get("emailSubject")
    if subject is not None and not 0 < len(subject) <= SUBJECT_LIMIT:
        subject = None
    return subject, message


def compose(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, occasion: Occasion, code: str, to: str
) -> Text:
    """The message that carries `code` to `to` (an e-mail address or a phone number)."""
    sms = "@" not in to
    subject, message = _pool_text(pool, sms)
    if lambda_triggers.has_trigger(pool, "CustomMessage"):
        request = {
            "userAttributes": user_attributes(user),
            "codeParameter": CODE_PARAMETER,
            "linkParameter": LINK_PARAMETER,
            "usernameParameter": None,
            "clientMetadata": occasion.client_metadata,
        }
        sent = lambda_triggers.event(
            pool,
            occasion.trigger_source,
            user_name=user.username,
            client_id=occasion.client_id,
            request=request,
        )
        custom_subject, custom_message = _custom(
            lambda_triggers.run(pool, "CustomMessage", sent) or {}, sms
        )
        if custom_message is not None:  # the subject alone does not make a message
            subject, message = custom_subject or subject, custom_message
    return Text(subject=subject, message=message.replace(CODE_PARAMETER, code))
