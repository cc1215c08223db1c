"""Sign-in codes (EMAIL_OTP, SMS_OTP, e-mail MFA) and the sign-in sessions that wait for them.

Cognito sends a sign-in code as an 8-digit number (its passwordless codes cannot be made
shorter or longer: amplify-js #14428), valid 3 minutes (its MFA codes' lifetime), through the
pool's sign-in message (custom_message.AUTHENTICATION: the CustomMessage_Authentication
trigger, the custom senders' `_Authentication` sources). Locally it lands in the outbox
(kinds `email_otp`, `sms_otp`, `email_mfa`), as every code does.

A sign-in between two requests is a `OneTimeSignIn` kept under its Session (PoolState.one_time):
it lives as long as the client's AuthSessionValidity (3 minutes by default), belongs to one
client, and is taken once it is answered; a wrong code keeps it for SESSION_TRIES tries in all,
then it dies ("Invalid session for the user." from then on). A user has one live code: a new
one voids the codes of the user's other sign-ins (forget), so starting sign-ins over and over
never leaves several codes to guess at.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from . import attempts, codes, existence
from .custom_message import AUTHENTICATION, Occasion
from .exceptions import (
    INVALID_SESSION,
    SESSION_EXPIRED,
    CodeMismatchError,
    ExpiredCodeError,
    InvalidParameterError,
    NotAuthorizedError,
)
from .models import OneTimeSignIn, pool_state

CODE_DIGITS = 8
CODE_SECONDS = 3 * 60
ABANDONED_SECONDS = 15 * 60  # longer than any AuthSessionValidity (3-15 minutes)
EMAIL_OTP, SMS_OTP = "EMAIL_OTP", "SMS_OTP"
SELECT_CHALLENGE = "SELECT_CHALLENGE"
_ANSWER_KEYS = {EMAIL_OTP: "EMAIL_OTP_CODE", SMS_OTP: "SMS_OTP_CODE"}
_MEDIUMS = {EMAIL_OTP: ("EMAIL", "email"), SMS_OTP: ("SMS", "phone_number")}
_WRONG_CODE = "Invalid code or auth state for the user."


def session_seconds(client: CognitoIdpUserPoolClient) -> int:
    """The client's AuthSessionValidity, in seconds (Cognito's default: 3 minutes)."""
    return int(client.extended_config.get("AuthSessionValidity") or 3) * 60


def reachable(user: CognitoIdpUser, challenge: str) -> bool:
    """Has the user the address a code for `challenge` goes to?"""
    return bool(user.attribute_lookup.get(_MEDIUMS[challenge][1]))


def keep(pool: CognitoIdpUserPool, sign_in: OneTimeSignIn) -> str:
    """Keep `sign_in` under a new Session (forgetting abandoned ones); the Session."""
    sessions = pool_state(pool).one_time
    cutoff = time.time() - ABANDONED_SECONDS
    for old in [s for s, kept in sessions.items() if kept.created < cutoff]:
        sessions.pop(old, None)
    session = base64.b64encode(secrets.token_bytes(48)).decode()
    sessions[session] = sign_in
    return session


def pose(
    pool: CognitoIdpUserPool, sign_in: OneTimeSignIn, parameters: dict[str, str]
) -> dict[str, Any]:
    """The answer that poses `sign_in.challenge`, kept under a new Session (a choice lists
    what it offers: AvailableChallenges)."""
    answer: dict[str, Any] = {
        "ChallengeName": sign_in.challenge,
        "Session": keep(pool, sign_in),
        "ChallengeParameters": parameters,
    }
    if sign_in.challenge == SELECT_CHALLENGE:
        answer["AvailableChallenges"] = list(sign_in.available)
    return answer


def live(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, session: Any) -> OneTimeSignIn:
    """The sign-in `session` names, still kept: unknown, another client's or expired is
    refused (an expired one is forgotten)."""
    sessions = pool_state(pool).one_time
    sign_in = sessions.get(session) if isinstance(session, str) else None
    if sign_in is None or not hmac.compare_digest(sign_in.client_id, client.id):
        raise NotAuthorizedError(INVALID_SESSION)
    if time.time() > sign_in.created + session_seconds(client):
        sessions.pop(session, None)
        raise NotAuthorizedError(SESSION_EXPIRED)
    return sign_in


def owns(pool: CognitoIdpUserPool, session: Any) -> bool:
    return isinstance(session, str) and session in pool_state(pool).one_time


def end(pool: CognitoIdpUserPool, session: str) -> None:
    state = pool_state(pool)
    state.one_time.pop(session, None)
    state.session_failures.pop(session, None)


def send(
    pool: CognitoIdpUserPool,
    client_id: str,
    user: CognitoIdpUser | None,
    sign_in: OneTimeSignIn,
    kind: str,
    metadata: dict[str, str],
) -> dict[str, str]:
    """A new code for the sign-in's challenge (EMAIL_OTP or SMS_OTP) to the user's address
    (or the one MFA_SETUP enrols), kept on `sign_in`; for a decoy (unknown user) nothing is
    sent and no code matches. The challenge's ChallengeParameters (where it went, masked)."""
    medium, attribute = _MEDIUMS[sign_in.challenge]
    to = sign_in.enrols_address
    delivery = existence.masked(pool, None if to else user, to or sign_in.named, medium)
    if user is not None:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        occasion = Occasion(AUTHENTICATION, client_id, metadata)
        to = to or str(user.attribute_lookup[attribute])
        sent = codes.deliver(pool, user, kind, code, CODE_SECONDS, to, occasion)
        _forget_codes(pool, user.username)
        sign_in.code, sign_in.code_expires_at = code, sent.expires_at
    return {
        "CODE_DELIVERY_DELIVERY_MEDIUM": delivery["DeliveryMedium"],
        "CODE_DELIVERY_DESTINATION": delivery["Destination"],
    }


def _forget_codes(pool: CognitoIdpUserPool, username: str) -> None:
    """Void the codes the user's kept sign-ins wait for (a new code replaces them)."""
    for kept in pool_state(pool).one_time.values():
        if kept.username == username:
            kept.code = None


def check(
    pool: CognitoIdpUserPool, session: str, sign_in: OneTimeSignIn, answers: dict[str, Any]
) -> None:
    """The challenge's code (EMAIL_OTP_CODE / SMS_OTP_CODE): a missing one is
    InvalidParameterException; a wrong one CodeMismatchException (the session dies after
    attempts.SESSION_TRIES of them); an old one ExpiredCodeException (the session dies). The
    right one ends the session: a code signs in once."""
    key = _ANSWER_KEYS[sign_in.challenge]
    given = answers.get(key)
    if not isinstance(given, str) or not given:
        raise InvalidParameterError(f"Missing required parameter {key}")
    if sign_in.code is None or not hmac.compare_digest(sign_in.code.encode(), given.encode()):
        if attempts.wrong_session_code(pool, session):  # too many guesses: the session dies
            end(pool, session)
        raise CodeMismatchError(_WRONG_CODE)
    end(pool, session)
    if time.time() > sign_in.code_expires_at:
        raise ExpiredCodeError()
