"""Sign-in flows: USER_SRP_AUTH -> PASSWORD_VERIFIER (srp.py's math against the user's
verifier), the MFA challenges after it (mfa.py), and which challenges are refused.

InitiateAuth and AdminInitiateAuth start an SRP sign-in: the server's B and a random secret
block, remembered (`SrpSignIn`) under the block. RespondToAuthChallenge /
AdminRespondToAuthChallenge PASSWORD_VERIFIER takes the block once (reused or unknown: refused),
checks the timestamp's format and the client's HMAC over pool name, user id, block and
timestamp; a wrong password is `NotAuthorizedException` "Incorrect username or password.".
An unknown user gets a decoy challenge when the client prevents user-existence errors, as
Cognito does, and the same refusal afterwards. Device challenges are refused: this pool never
remembers devices (it issues no NewDeviceMetadata).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)
from moto.cognitoidp.utils import check_secret_hash

from local.emulator.server import moto_seam

from . import attempts, auth_triggers, email_mfa, existence, mfa, srp
from .exceptions import (
    INCORRECT_PASSWORD,
    INVALID_SESSION,
    MISSING_USERNAME,
    SESSION_EXPIRED,
    USER_DISABLED,
    CodeMismatchError,
    InvalidParameterError,
    NotAuthorizedError,
    UserNotConfirmedError,
    UserNotFoundError,
)
from .models import SrpSignIn, backend_of, pool_state, verifier_for

DEVICE_CHALLENGES = frozenset({"DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"})
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
# ExplicitAuthFlows' legacy names (without ALLOW_), as Cognito still accepts them.
_LEGACY_FLOWS = {
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
}


@dataclass(frozen=True)
class ClientCall:
    """A sign-in request through one app client of one pool: what every flow step works on
    (moto's backend holding the pool keeps the sessions of moto's own challenges)."""

    backend: CognitoIdpBackend
    pool: CognitoIdpUserPool
    client: CognitoIdpUserPoolClient

    @classmethod
    def of(cls, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient) -> ClientCall:
        return cls(backend_of(pool), pool, client)


def flow_allowed(client: CognitoIdpUserPoolClient, flow: str) -> bool:
    """Does the client's ExplicitAuthFlows (Cognito's default when unset) allow `flow`?"""
    flows = client.extended_config.get("ExplicitAuthFlows") or _DEFAULT_FLOWS
    return f"ALLOW_{flow}" in {_LEGACY_FLOWS.get(f, f) for f in flows}


def check_secret(client: CognitoIdpUserPoolClient, username: str, secret_hash: Any) -> None:
    if client.generate_secret and not (
        isinstance(secret_hash, str)
        and check_secret_hash(client.secret, client.id, username, secret_hash)
    ):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


prevents_existence_errors = existence.prevents


def start_srp(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: dict[str, Any]
) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge for USER_SRP_AUTH (after the pre authentication
    trigger)."""
    if not flow_allowed(client, "USER_SRP_AUTH"):
        raise InvalidParameterError("USER_SRP_AUTH flow not enabled for this client")
    challenge = srp_challenge(pool, client, parameters)
    auth_triggers.pre_authentication_named(pool, client, parameters["USERNAME"])
    return challenge


def signing_in_user(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, named: str
) -> CognitoIdpUser | None:
    """The user a sign-in names; None for an unknown one when the client hides that (the flow
    goes on with a decoy), Cognito's refusal for an unknown, disabled or unconfirmed one."""
    user = moto_seam.get_user(pool, named)
    if user is None:
        if prevents_existence_errors(client):
            return None
        raise UserNotFoundError()
    if not user.enabled:
        raise NotAuthorizedError(USER_DISABLED)
    if user.status is UserStatus.UNCONFIRMED:
        raise UserNotConfirmedError()
    return user


def srp_challenge(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: dict[str, Any]
) -> dict[str, Any]:
    """A PASSWORD_VERIFIER challenge for the SRP_A in `parameters` (USER_SRP_AUTH, or the
    first step of CUSTOM_AUTH)."""
    username = parameters.get("USERNAME")
    if not isinstance(username, str) or not username:
        raise InvalidParameterError(MISSING_USERNAME)
    try:
        a = srp.parse_srp_a(parameters.get("SRP_A"))
    except srp.SrpError:
        raise InvalidParameterError("SRP_A is not a valid SRP value") from None
    check_secret(client, username, parameters.get("SECRET_HASH"))
    user = signing_in_user(pool, client, username)
    if user is None:
        # A decoy: the same salt and id on every call for this name, refused after the answer.
        user_id = existence.decoy_user_id(pool, username)
        verifier = existence.decoy_verifier(pool, username, user_id)
        known: str | None = None
    else:
        user_id = user.username
        verifier = verifier_for(pool, user)
        known = user.username
    _forget_abandoned(pool)
    sign_in = SrpSignIn.start(client.id, known, user_id, verifier, a)
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    pool_state(pool).srp[secret_block] = sign_in
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": sign_in.session,
        "ChallengeParameters": {
            "SALT": format(verifier.salt, "x"),
            "SECRET_BLOCK": secret_block,
            "SRP_B": format(sign_in.big_b, "x"),
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }


ABANDONED_SECONDS = 15 * 60  # longer than any AuthSessionValidity (3-15 minutes)


def _forget_abandoned(pool: CognitoIdpUserPool) -> None:
    """Drop SRP sign-ins nobody answered: they could never succeed any more."""
    state = pool_state(pool)
    cutoff = time.time() - ABANDONED_SECONDS
    for block in [b for b, sign_in in state.srp.items() if sign_in.created < cutoff]:
        state.srp.pop(block, None)
    for session in [s for s, entry in state.mfa_sessions.items() if entry[2] < cutoff]:
        state.mfa_sessions.pop(session, None)


def _session_seconds(client: CognitoIdpUserPoolClient) -> int:
    return int(client.extended_config.get("AuthSessionValidity") or 3) * 60


def password_verifier(call: ClientCall, session: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Check the client's proof; tokens, a further challenge, or Cognito's refusal."""
    return after_password(call, proven_user(call.pool, call.client, session, answers))


def proven_user(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: Any,
    answers: dict[str, Any],
) -> CognitoIdpUser:
    """The user whose password the client's PASSWORD_VERIFIER answer proves; Cognito's refusal
    otherwise."""
    block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK")
    if not isinstance(block, str) or not block:
        raise InvalidParameterError("Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK")
    sign_in = pool_state(pool).srp.pop(block, None)  # single use, whatever happens next
    if sign_in is None or sign_in.client_id != client.id:
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    if session is not None and not (
        isinstance(session, str) and hmac.compare_digest(session.encode(), sign_in.session.encode())
    ):
        raise NotAuthorizedError(INVALID_SESSION)
    if time.time() > sign_in.created + _session_seconds(client):
        raise NotAuthorizedError(SESSION_EXPIRED)
    try:
        timestamp = srp.check_timestamp(answers.get("TIMESTAMP"))
    except srp.SrpError:
        raise InvalidParameterError("TIMESTAMP format is invalid") from None
    username = answers.get("USERNAME")
    if not isinstance(username, str) or not username:
        raise InvalidParameterError(MISSING_USERNAME)
    check_secret(client, username, answers.get("SECRET_HASH"))
    user = moto_seam.get_user(pool, username) if sign_in.username is not None else None
    if user is None or user.username != sign_in.username:
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    right = user.password is not None and (  # a passwordless user has no password to prove
        _proves_password(pool, user, sign_in, block, timestamp, answers)
    )
    attempts.check_password(pool, user.username, right)  # counts it; may lock out
    return user


def _proves_password(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    sign_in: SrpSignIn,
    block: str,
    timestamp: str,
    answers: dict[str, Any],
) -> bool:
    """Does the client's PASSWORD_CLAIM_SIGNATURE prove the user's current password?"""
    try:
        block_bytes = base64.b64decode(block, validate=True)
        key = srp.session_key(sign_in.verifier, sign_in.a, sign_in.b, sign_in.big_b)
    except (ValueError, srp.SrpError):
        return False
    expected = srp.expected_signature(key, pool.id, sign_in.user_id, block_bytes, timestamp)
    if not srp.signature_matches(expected, answers.get("PASSWORD_CLAIM_SIGNATURE")):
        return False
    return sign_in.verifier == verifier_for(pool, user)  # else the password changed meanwhile


def after_password(call: ClientCall, user: CognitoIdpUser) -> dict[str, Any]:
    """What follows a proven password: a new-password or MFA challenge, or the tokens."""
    if not user.enabled:
        raise NotAuthorizedError(USER_DISABLED)
    if user.status in (UserStatus.FORCE_CHANGE_PASSWORD, UserStatus.RESET_REQUIRED):
        session = str(uuid.uuid4())
        # moto answers NEW_PASSWORD_REQUIRED
        call.backend.sessions[session] = (user.username, call.pool)
        return {
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "ChallengeParameters": {"USERNAME": user.username},
            "Session": session,
        }
    challenge = email_mfa.challenge_after_password(
        call.pool, user, call.client.id
    ) or mfa.challenge_after_password(call.pool, user, call.client.id)
    if challenge is not None:
        return challenge
    return auth_triggers.signed_in(call.backend, call.pool, call.client, user)


def mfa_answer(
    call: ClientCall, challenge: str, session: Any, answers: dict[str, Any]
) -> dict[str, Any]:
    """SOFTWARE_TOKEN_MFA (a current TOTP code) or MFA_SETUP (a verified software token)."""
    pool, client = call.pool, call.client
    user = _challenge_user(call, session)
    named = answers.get("USERNAME")
    if isinstance(named, str) and named and moto_seam.get_user(pool, named) is not user:
        raise NotAuthorizedError(INVALID_SESSION)
    if client.generate_secret:
        check_secret(client, named if isinstance(named, str) else "", answers.get("SECRET_HASH"))
    if challenge == "MFA_SETUP" and "EMAIL" in answers:  # e-mail MFA chosen (Amplify's EMAIL)
        named = named if isinstance(named, str) and named else user.username
        next_step = email_mfa.set_up(pool, client.id, user, named, answers["EMAIL"])
        _end_challenge(call, session)
        return next_step
    if challenge == "SOFTWARE_TOKEN_MFA":
        if not mfa.accept_code(pool, user, answers.get("SOFTWARE_TOKEN_MFA_CODE")):
            if attempts.wrong_session_code(pool, session):  # too many guesses: the session dies
                _end_challenge(call, session)
            raise CodeMismatchError("Invalid code or auth state for the user.")
    elif not user.token_verified:  # MFA_SETUP
        raise InvalidParameterError("User has not verified software token mfa")
    else:
        user.software_token_mfa_enabled = True
        user.preferred_mfa_setting = user.preferred_mfa_setting or "SOFTWARE_TOKEN_MFA"
    _end_challenge(call, session)
    return auth_triggers.signed_in(call.backend, pool, client, user)


def _challenge_user(call: ClientCall, session: Any) -> CognitoIdpUser:
    sessions = call.backend.sessions
    if isinstance(session, str) and session in sessions:  # made by moto's password flow
        username, session_pool = sessions[session]
        user = moto_seam.get_user(session_pool, username) if session_pool is call.pool else None
        if user is None:
            raise NotAuthorizedError(INVALID_SESSION)
        return user
    return mfa.session_user(call.pool, session, call.client.id)


def _end_challenge(call: ClientCall, session: str) -> None:
    call.backend.sessions.pop(session, None)
    mfa.end_session(call.pool, session)
