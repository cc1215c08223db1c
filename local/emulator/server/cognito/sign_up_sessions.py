"""Sign-up's Session: SignUp answers one, ConfirmSignUp takes it (optionally) and answers a new
one, and InitiateAuth / AdminInitiateAuth `USER_AUTH` with that Session signs the confirmed
user in once, without another code: the confirmation code was the first factor (Cognito's API
reference, InitiateAuth's Session). Amplify's autoSignIn after confirmSignUp uses exactly this.

The confirmed user's Session is good once, for that user and app client, within the client's
AuthSessionValidity; anything else is `NotAuthorizedException` "Invalid session for the user.".
SignUp's own Session lives as long as its confirmation code (24 h); for a user already
confirmed (PreSignUp's autoConfirmUser) it is the sign-in Session itself (Amplify's autoSignIn
sends it when signUp completes at once).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time

from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local.emulator.server import moto_seam

from . import codes, one_time_codes
from .exceptions import INVALID_SESSION, SESSION_EXPIRED, USER_DISABLED, NotAuthorizedError
from .models import pool_state

SIGN_UP_SECONDS = codes.LIFETIMES[codes.SIGN_UP]


def _keep(pool: CognitoIdpUserPool, username: str, client_id: str, confirmed: bool) -> str:
    sessions = pool_state(pool).sign_up_sessions
    cutoff = time.time() - SIGN_UP_SECONDS
    for old in [s for s, entry in sessions.items() if entry[2] < cutoff]:
        sessions.pop(old, None)
    session = base64.b64encode(secrets.token_bytes(48)).decode()
    sessions[session] = (username, client_id, time.time(), confirmed)
    return session


def signed_up(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser
) -> str:
    """SignUp's Session for the new user: one that signs in at once when the user is already
    confirmed (PreSignUp's autoConfirmUser), as ConfirmSignUp's does."""
    return _keep(pool, user.username, client.id, confirmed=user.status is UserStatus.CONFIRMED)


def check_before_confirming(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    user: CognitoIdpUser,
    session: str | None,
) -> None:
    """ConfirmSignUp's Session, when given, must be SignUp's for this user and client."""
    if session is None:
        return
    entry = pool_state(pool).sign_up_sessions.get(session)
    if entry is None or entry[3] or entry[0] != user.username or entry[1] != client.id:
        raise NotAuthorizedError(INVALID_SESSION)


def confirmed(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    user: CognitoIdpUser,
    session: str | None,
) -> str:
    """ConfirmSignUp's answer: a Session that signs the user in once (SignUp's is spent)."""
    if session is not None:
        pool_state(pool).sign_up_sessions.pop(session, None)
    return _keep(pool, user.username, client.id, confirmed=True)


def signed_up_user(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, named: str, session: str
) -> CognitoIdpUser:
    """The user a confirmed sign-up's Session signs in (taken once), or Cognito's refusal."""
    entry = pool_state(pool).sign_up_sessions.pop(session, None)
    if entry is None or not entry[3] or not hmac.compare_digest(entry[1], client.id):
        raise NotAuthorizedError(INVALID_SESSION)
    username, _, created, _ = entry
    if time.time() > created + one_time_codes.session_seconds(client):
        raise NotAuthorizedError(SESSION_EXPIRED)
    user = moto_seam.get_user(pool, username)
    if user is None or (named != username and moto_seam.get_user(pool, named) is not user):
        raise NotAuthorizedError(INVALID_SESSION)
    if not user.enabled:
        raise NotAuthorizedError(USER_DISABLED)
    if user.status is not UserStatus.CONFIRMED:
        raise NotAuthorizedError(INVALID_SESSION)
    return user
