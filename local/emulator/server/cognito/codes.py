"""Confirmation codes and the local outbox.

Cognito e-mails a random 6-digit code for sign-up (valid 24 h; a resend replaces it), for a
forgotten password (valid 1 h) and for verifying an attribute (valid 24 h). Locally nothing is
mailed: each message goes to the pool's outbox (`PoolState.outbox`), which `GET /_local/outbox`
serves and `make local` prints.
A wrong code is `CodeMismatchException`, an old one `ExpiredCodeException`, as Cognito
answers; a used code is gone, and one that took attempts.CODE_TRIES wrong tries is too.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.wire import OutboxMessage

from . import attempts, custom_message, custom_senders
from .exceptions import CodeMismatchError, ExpiredCodeError
from .models import Code, pool_state

log = logging.getLogger("local.emulator.server.cognito")

SIGN_UP = "signup"
FORGOT_PASSWORD = "forgot_password"  # noqa: S105 - a purpose, not a password
VERIFY_EMAIL = "verify_email"
VERIFY_PHONE = "verify_phone_number"
LIFETIMES = {
    SIGN_UP: 24 * 3600,
    FORGOT_PASSWORD: 3600,
    VERIFY_EMAIL: 24 * 3600,
    VERIFY_PHONE: 24 * 3600,
}
OUTBOX_LIMIT = 1000  # oldest messages are dropped beyond this


def delivery_details(name: str, value: str) -> dict[str, str]:
    """CodeDeliveryDetails for a code sent to the attribute `name` (email or phone_number)."""
    if name == "email":
        local, _, domain = value.partition("@")
        return {
            "Destination": f"{local[:1]}***@{domain[:1]}***",
            "DeliveryMedium": "EMAIL",
            "AttributeName": name,
        }
    return {"Destination": "+*******" + value[-4:], "DeliveryMedium": "SMS", "AttributeName": name}


def destination(user: CognitoIdpUser) -> str:
    return str(user.attribute_lookup.get("email") or user.attribute_lookup.get("phone_number", ""))


def sign_up_delivery(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> dict[str, str] | None:
    """Where a sign-up code goes: the auto-verified attribute the user has (e-mail first)."""
    auto_verified = pool.extended_config.get("AutoVerifiedAttributes") or []
    lookup = user.attribute_lookup
    if "email" in auto_verified and "@" in str(lookup.get("email", "")):
        return delivery_details("email", str(lookup["email"]))
    if "phone_number" in auto_verified and lookup.get("phone_number"):
        return delivery_details("phone_number", str(lookup["phone_number"]))
    return None


def send(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    purpose: str,
    kind: str,
    to: str | None = None,
    occasion: custom_message.Occasion | None = None,
) -> OutboxMessage:
    """A new random code for `purpose` (replacing any earlier one), put in the outbox; `to`:
    another address than the user's (a new e-mail waiting for verification); `occasion`: the
    call's custom message trigger source and client (custom_message.py)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    occasion = occasion or custom_message.Occasion(custom_message.SOURCES[kind])
    sent = deliver(pool, user, kind, code, LIFETIMES[purpose], to or destination(user), occasion)
    pool_state(pool).codes[(user.username, purpose)] = Code(code=code, expires_at=sent.expires_at)
    attempts.sent_code(pool, user.username, purpose)  # the new code gets its own tries
    return sent


def deliver(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    kind: str,
    code: str,
    lifetime: float,
    to: str,
    occasion: custom_message.Occasion,
) -> OutboxMessage:
    """The message carrying `code` (valid `lifetime` seconds) to `to`: to the pool's custom
    sender when it has one, else into the outbox; the caller keeps the code where it checks
    it, once this returned (a trigger's refusal stores nothing)."""
    text = custom_message.compose(pool, user, occasion, code, to)
    now = time.time()
    message = OutboxMessage(
        user_pool_id=pool.id,
        username=user.username,
        destination=to,
        kind=kind,
        code=code,
        sent_at=now,
        expires_at=now + lifetime,
        subject=text.subject,
        message=text.message,
    )
    if custom_senders.deliver(pool, user, message, occasion):  # a custom sender took it
        return message
    state = pool_state(pool)
    state.outbox.append(message)
    del state.outbox[:-OUTBOX_LIMIT]
    log.info("code %s sent to %s (%s, pool %s)", code, message.destination, kind, pool.id)
    return message


def check(pool: CognitoIdpUserPool, user: CognitoIdpUser, purpose: str, given: str) -> None:
    """Accept the code once; anything else answers Cognito's error and changes nothing."""
    state = pool_state(pool)
    attempts.refuse_spent_code(pool, user.username, purpose)
    code = state.codes.get((user.username, purpose))
    if code is None or not hmac.compare_digest(code.code.encode(), given.encode()):
        attempts.wrong_code(pool, user.username, purpose)
        raise CodeMismatchError()
    if time.time() > code.expires_at:
        raise ExpiredCodeError()
    del state.codes[(user.username, purpose)]
