"""TOTP MFA (RFC 6238: 30 s, 6 digits, SHA-1) with a real secret per user, checked by pyotp.

`AssociateSoftwareToken` makes the user's secret (with an access token, or with the session
of an MFA_SETUP challenge only: a SOFTWARE_TOKEN_MFA session comes from the password alone),
`VerifySoftwareToken` checks a code from it and marks the token verified (moto's
`token_verified`), `SetUserMFAPreference` (moto's) turns it on, and the `SOFTWARE_TOKEN_MFA`
challenge after the password step needs a current code.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pyotp
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.server import moto_seam

from . import pool_settings
from .exceptions import (
    INVALID_SESSION,
    SESSION_EXPIRED,
    CodeMismatchError,
    InvalidParameterError,
    NotAuthorizedError,
)
from .models import pool_state

SESSION_SECONDS = 180  # Cognito's default AuthSessionValidity: 3 minutes


def new_session(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, client_id: str, *, setup: bool = False
) -> str:
    """A challenge session; `setup`: an MFA_SETUP challenge's, the only kind Cognito accepts
    in place of an access token at AssociateSoftwareToken and VerifySoftwareToken."""
    session = str(uuid.uuid4())
    state = pool_state(pool)
    state.mfa_sessions[session] = (user.username, client_id, time.time())
    if setup:
        state.setup_sessions.add(session)
    return session


def setup_session_user(pool: CognitoIdpUserPool, session: Any) -> CognitoIdpUser:
    """The user of a live MFA_SETUP session; any other session (a SOFTWARE_TOKEN_MFA one,
    which a password alone yields) cannot re-key the user's authenticator."""
    if not isinstance(session, str) or session not in pool_state(pool).setup_sessions:
        raise NotAuthorizedError(INVALID_SESSION)
    return session_user(pool, session, None)


def session_user(pool: CognitoIdpUserPool, session: Any, client_id: str | None) -> CognitoIdpUser:
    """The user of a live challenge session of this pool (and client, when one is named)."""
    entry = pool_state(pool).mfa_sessions.get(session) if isinstance(session, str) else None
    if entry is None:
        raise NotAuthorizedError(INVALID_SESSION)
    username, session_client, created = entry
    if time.time() > created + SESSION_SECONDS:
        pool_state(pool).mfa_sessions.pop(session, None)
        raise NotAuthorizedError(SESSION_EXPIRED)
    if client_id is not None and client_id != session_client:
        raise NotAuthorizedError(INVALID_SESSION)
    user = moto_seam.get_user(pool, username)
    if user is None:
        raise NotAuthorizedError(INVALID_SESSION)
    return user


def end_session(pool: CognitoIdpUserPool, session: str) -> None:
    pool_state(pool).mfa_sessions.pop(session, None)
    pool_state(pool).setup_sessions.discard(session)


def associate(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> str:
    """A new secret for the user (replacing an unverified one), base32 as Cognito returns it."""
    secret = pyotp.random_base32(length=32)
    pool_state(pool).totp_secrets[user.username] = secret
    user.token_verified = False
    return secret


def accept_code(pool: CognitoIdpUserPool, user: CognitoIdpUser, code: Any) -> bool:
    """A current code (one step of clock skew either way), accepted once: its 30 s step must
    be later than the last step this user's code was accepted for (a replay is refused)."""
    state = pool_state(pool)
    secret = state.totp_secrets.get(user.username)
    if secret is None or not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = time.time()
    current = totp.timecode(datetime.fromtimestamp(now, UTC))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if step <= state.totp_last_step.get(user.username, -1):
                return False
            state.totp_last_step[user.username] = step
            return True
    return False


def verify(pool: CognitoIdpUserPool, user: CognitoIdpUser, code: Any) -> None:
    if pool_state(pool).totp_secrets.get(user.username) is None:
        raise InvalidParameterError(
            "User has not associated a software token (AssociateSoftwareToken).",
        )
    if not accept_code(pool, user, code):
        raise CodeMismatchError("Invalid code received for user")
    user.token_verified = True


def challenge_after_password(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, client_id: str
) -> dict[str, Any] | None:
    """The MFA challenge Cognito asks for after a correct password, or None for tokens."""
    if user.software_token_mfa_enabled and user.token_verified:
        return {
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "ChallengeParameters": {},
            "Session": new_session(pool, user, client_id),
        }
    if pool.mfa_config == "ON" and not user.software_token_mfa_enabled:
        can_set_up = ["SOFTWARE_TOKEN_MFA"]
        if pool_settings.email_mfa(pool) is not None:  # e-mail MFA: email_mfa.set_up
            can_set_up.append("EMAIL_OTP")
        return {
            "ChallengeName": "MFA_SETUP",
            "ChallengeParameters": {"MFAS_CAN_SETUP": json.dumps(can_set_up)},
            "Session": new_session(pool, user, client_id, setup=True),
        }
    return None
