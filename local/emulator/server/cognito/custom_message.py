"""What each message the pool sends says: the pool's own text, or the custom message trigger's.

Cognito runs the CustomMessage trigger before it sends a code (`CustomMessage_SignUp`,
`_ResendCode`, `_ForgotPassword`, `_UpdateUserAttribute`, `_VerifyUserAttribute`); the request
carries the user's attributes, the client's metadata and `codeParameter` ("{####}"), the place
holder Cognito replaces with the code. The answer's `emailSubject`/`emailMessage` (e-mail) or
`smsMessage` (SMS) replace the pool's text. AdminCreateUser's invitation
(`CustomMessage_AdminCreateUser`, invitations.py) also has `usernameParameter` ("{username}")
and carries the temporary password as its code. A message without the place holders, or longer
than Cognito's limits (e-mail 20,000 characters, subject 140, SMS 140), is not used: Cognito
sends its default message then. A function that raises, times out or answers no object is
refused with lambda_triggers' errors, and nothing is sent. Sign-in codes (EMAIL_OTP, SMS_OTP,
e-mail MFA: one_time_codes.py) are `CustomMessage_Authentication`, with the pool's
EmailMfaConfiguration or SmsAuthenticationMessage as its own text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from . import lambda_triggers, pool_settings
from .exceptions import InvalidLambdaResponseError
from .sign_up_triggers import user_attributes

log = logging.getLogger("local.emulator.server.cognito.custom_message")

CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"
LINK_PARAMETER = "{##Verify Email##}"
SIGN_UP = "CustomMessage_SignUp"
RESEND_CODE = "CustomMessage_ResendCode"
FORGOT_PASSWORD = "CustomMessage_ForgotPassword"  # noqa: S105 - a name
UPDATE_USER_ATTRIBUTE = "CustomMessage_UpdateUserAttribute"
VERIFY_USER_ATTRIBUTE = "CustomMessage_VerifyUserAttribute"
ADMIN_CREATE_USER = "CustomMessage_AdminCreateUser"
AUTHENTICATION = "CustomMessage_Authentication"  # sign-in codes: EMAIL_OTP, SMS_OTP, e-mail MFA
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
# Sign-in codes: the pool's EmailMfaConfiguration / SmsAuthenticationMessage, else these.
DEFAULT_SIGN_IN_SUBJECT = "Your sign-in code"
DEFAULT_SIGN_IN_MESSAGE = f"Your authentication code is {CODE_PARAMETER}. "
DEFAULT_INVITE_SUBJECT = "Your temporary password"
DEFAULT_INVITE = (
    f"Your username is {USERNAME_PARAMETER} and temporary password is {CODE_PARAMETER}. "
)
EMAIL_LIMIT, SUBJECT_LIMIT, SMS_LIMIT = 20_000, 140, 140


@dataclass(frozen=True)
class Occasion:
    """Why a code is sent: the trigger source, and the app client and metadata of the call."""

    trigger_source: str
    client_id: str | None = None
    client_metadata: dict[str, str] = field(default_factory=dict)
    username: str | None = None  # an invitation's: the name the user signs in with


@dataclass(frozen=True)
class Text:
    """A message as sent: its subject (e-mail only) and body, the code filled in."""

    subject: str
    message: str


def _sign_in_text(pool: CognitoIdpUserPool, sms: bool) -> tuple[str, str]:
    """A sign-in code's subject and message (SetUserPoolMfaConfig's templates)."""
    config = pool.extended_config
    if sms:
        return "", config.get("SmsAuthenticationMessage") or DEFAULT_SIGN_IN_MESSAGE
    email = pool_settings.email_mfa(pool) or {}
    subject = email.get("Subject") or DEFAULT_SIGN_IN_SUBJECT
    return subject, email.get("Message") or DEFAULT_SIGN_IN_MESSAGE


def _pool_text(pool: CognitoIdpUserPool, sms: bool, invitation: bool) -> tuple[str, str]:
    """The pool's own subject and message (its template, else Cognito's)."""
    config = pool.extended_config
    if invitation:
        invite = (config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
        if sms:
            return "", invite.get("SMSMessage") or DEFAULT_INVITE
        subject = invite.get("EmailSubject") or DEFAULT_INVITE_SUBJECT
        return subject, invite.get("EmailMessage") or DEFAULT_INVITE
    template = config.get("VerificationMessageTemplate") or {}
    if sms:
        return "", template.get("SmsMessage") or config.get("SmsVerificationMessage") or (
            DEFAULT_MESSAGE
        )
    subject = template.get("EmailSubject") or config.get("EmailVerificationSubject")
    message = template.get("EmailMessage") or config.get("EmailVerificationMessage")
    return subject or DEFAULT_SUBJECT, message or DEFAULT_MESSAGE


def _custom(
    response: dict[str, Any], sms: bool, placeholders: tuple[str, ...]
) -> tuple[str | None, str | None]:
    """The trigger's subject and message, None for what Cognito would not use."""
    keys = ("smsMessage",) if sms else ("emailSubject", "emailMessage")
    values = {key: response.get(key) for key in keys}
    if any(value is not None and not isinstance(value, str) for value in values.values()):
        raise InvalidLambdaResponseError()
    message = values.get("smsMessage" if sms else "emailMessage")
    limit = SMS_LIMIT if sms else EMAIL_LIMIT
    if message is not None and (
        any(p not in message for p in placeholders) or len(message) > limit
    ):
        log.warning("CustomMessage answered a message without %s or too long", placeholders)
        message = None
    subject = values.get("emailSubject")
    if subject is not None and not 0 < len(subject) <= SUBJECT_LIMIT:
        subject = None
    return subject, message


def compose(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, occasion: Occasion, code: str, to: str
) -> Text:
    """The message that carries `code` to `to` (an e-mail address or a phone number)."""
    sms, invitation = "@" not in to, occasion.username is not None
    placeholders = (CODE_PARAMETER, USERNAME_PARAMETER) if invitation else (CODE_PARAMETER,)
    if occasion.trigger_source == AUTHENTICATION:
        subject, message = _sign_in_text(pool, sms)
    else:
        subject, message = _pool_text(pool, sms, invitation)
    if lambda_triggers.has_trigger(pool, "CustomMessage"):
        request = {
            "userAttributes": user_attributes(user),
            "codeParameter": CODE_PARAMETER,
            "linkParameter": LINK_PARAMETER,
            "usernameParameter": USERNAME_PARAMETER if invitation else None,
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
            lambda_triggers.run(pool, "CustomMessage", sent) or {}, sms, placeholders
        )
        if custom_message is not None:  # the subject alone does not make a message
            subject, message = custom_subject or subject, custom_message
    message = message.replace(CODE_PARAMETER, code)
    if occasion.username is not None:
        message = message.replace(USERNAME_PARAMETER, occasion.username)
    return Text(subject, message)
