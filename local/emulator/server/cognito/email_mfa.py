"""E-mail MFA as a second factor, when the pool configures it (SetUserPoolMfaConfig's
EmailMfaConfiguration: pool_settings.email_mfa).

A user turns it on with (Admin)SetUserMFAPreference's EmailMfaSettings {Enabled, PreferredMfa}
(the user needs an e-mail address); GetUser / AdminGetUser list `EMAIL_OTP` in
UserMFASettingList and, when preferred, as PreferredMfaSetting. After a right password (or SRP
proof) such a user gets ChallengeName `EMAIL_OTP` with a code in the outbox (kind
`email_mfa`), answered with EMAIL_OTP_CODE (one_time_codes); with TOTP on as well and neither
preferred, `SELECT_MFA_TYPE` with MFAS_CAN_CHOOSE, answered with ANSWER. Where the pool
requires MFA, MFA_SETUP offers EMAIL_OTP too (mfa.py): answered with EMAIL (an address, as
Amplify sends it), a code goes there, and the right one enrols it (`enrol`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.server import moto_seam

from . import attributes, auth_triggers, mfa, one_time_codes, pool_settings
from .exceptions import INVALID_SESSION, InvalidParameterError, NotAuthorizedError
from .models import OneTimeSignIn, backend_of, pool_state

SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
EMAIL_OTP = "EMAIL_OTP"
TOTP = "SOFTWARE_TOKEN_MFA"


def enabled(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Does a sign-in of this user need an e-mailed code after the password?"""
    return (
        pool_settings.email_mfa(pool) is not None
        and user.username in pool_state(pool).email_mfa_users
        and bool(user.attribute_lookup.get("email"))
    )


def configured(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Has the user any MFA on (TOTP, SMS or e-mail)?"""
    totp = user.software_token_mfa_enabled and user.token_verified
    return bool(totp or user.sms_mfa_enabled or enabled(pool, user))


def check_settings(pool: CognitoIdpUserPool, user: CognitoIdpUser, settings: Any) -> None:
    """EmailMfaSettings, before anything changes: booleans, and e-mail MFA needs the pool's
    EmailMfaConfiguration and an e-mail address."""
    if settings is None:
        return
    if not isinstance(settings, dict) or not all(
        isinstance(settings.get(key), bool | None) for key in ("Enabled", "PreferredMfa")
    ):
        raise InvalidParameterError("EmailMfaSettings must have boolean Enabled and PreferredMfa.")
    if settings.get("Enabled") or settings.get("PreferredMfa"):
        if pool_settings.email_mfa(pool) is None:
            raise InvalidParameterError("Email MFA is not enabled for this user pool.")
        if not user.attribute_lookup.get("email"):
            raise InvalidParameterError("User does not have an email address for email MFA.")


def apply_settings(pool: CognitoIdpUserPool, user: CognitoIdpUser, settings: Any) -> None:
    """Store checked EmailMfaSettings (None: unchanged)."""
    if settings is None:
        return
    users = pool_state(pool).email_mfa_users
    if settings.get("Enabled"):
        users.add(user.username)
    else:
        users.discard(user.username)
    if settings.get("PreferredMfa") and user.username in users:
        user.preferred_mfa_setting = EMAIL_OTP
    elif user.preferred_mfa_setting == EMAIL_OTP:
        user.preferred_mfa_setting = ""


def add_to_settings(pool: CognitoIdpUserPool, user: CognitoIdpUser, answer: Any) -> None:
    """GetUser / AdminGetUser's answer (moto's dict) with EMAIL_OTP in UserMFASettingList."""
    settings = answer.get("UserMFASettingList") if isinstance(answer, dict) else None
    if isinstance(settings, list) and enabled(pool, user) and EMAIL_OTP not in settings:
        settings.append(EMAIL_OTP)


def challenge_after_password(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, client_id: str
) -> dict[str, Any] | None:
    """EMAIL_OTP (or SELECT_MFA_TYPE) after a right password; None: not this module's."""
    if not enabled(pool, user):
        return None
    totp = user.software_token_mfa_enabled and user.token_verified
    if totp and user.preferred_mfa_setting == TOTP:
        return None  # mfa.py's SOFTWARE_TOKEN_MFA
    state = OneTimeSignIn(
        client_id, user.username, user.username, EMAIL_OTP, (EMAIL_OTP,), time.time(), True
    )
    if totp and user.preferred_mfa_setting != EMAIL_OTP:
        state.challenge, state.available = SELECT_MFA_TYPE, (TOTP, EMAIL_OTP)
        choices = {"MFAS_CAN_CHOOSE": json.dumps(list(state.available))}
        return one_time_codes.pose(pool, state, choices)
    return _send(pool, client_id, user, state)


def chosen(
    pool: CognitoIdpUserPool,
    client_id: str,
    user: CognitoIdpUser | None,
    state: OneTimeSignIn,
    choice: str,
) -> dict[str, Any]:
    """SELECT_MFA_TYPE's ANSWER: the TOTP challenge, or an e-mailed code."""
    if user is None:
        raise NotAuthorizedError(INVALID_SESSION)
    if choice == TOTP:
        session = mfa.new_session(pool, user, client_id)
        return {"ChallengeName": TOTP, "ChallengeParameters": {}, "Session": session}
    state = OneTimeSignIn(
        client_id, user.username, state.named, EMAIL_OTP, (EMAIL_OTP,), time.time(), True
    )
    return _send(pool, client_id, user, state)


def set_up(
    pool: CognitoIdpUserPool, client_id: str, user: CognitoIdpUser, named: str, address: Any
) -> dict[str, Any]:
    """MFA_SETUP answered with EMAIL: a code to that address; the right code turns e-mail MFA
    on for the user, with that address verified (enrol)."""
    if pool_settings.email_mfa(pool) is None:
        raise InvalidParameterError("Email MFA is not enabled for this user pool.")
    if not attributes.is_email(address):
        raise InvalidParameterError("Invalid email address format.")
    _refuse_taken(pool, user, str(address))
    state = OneTimeSignIn(
        client_id, user.username, named, EMAIL_OTP, (EMAIL_OTP,), time.time(), True
    )
    state.enrols_address = str(address)
    return _send(pool, client_id, user, state)


def enrol(pool: CognitoIdpUserPool, user: CognitoIdpUser, address: str) -> None:
    """The code MFA_SETUP sent was right: the address is the user's, verified, and e-mail MFA
    is on (preferred, as the MFA the user set up); another user took it meanwhile:
    AliasExistsException."""
    _refuse_taken(pool, user, address)
    user.update_attributes(
        [{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}]
    )
    pool_state(pool).email_mfa_users.add(user.username)
    user.preferred_mfa_setting = user.preferred_mfa_setting or EMAIL_OTP


def _refuse_taken(pool: CognitoIdpUserPool, user: CognitoIdpUser, address: str) -> None:
    """AliasExistsException when `address` is another user's e-mail in a pool that signs in
    with e-mail (as UpdateUserAttributes answers): MFA_SETUP must not give one account
    another's sign-in name."""
    if address != user.attribute_lookup.get("email"):
        moto_seam.verify_email_is_not_used(backend_of(pool), pool.id, address)


def _send(
    pool: CognitoIdpUserPool, client_id: str, user: CognitoIdpUser, state: OneTimeSignIn
) -> dict[str, Any]:
    metadata = auth_triggers.validation_data() or auth_triggers.client_metadata()
    parameters = one_time_codes.send(pool, client_id, user, state, "email_mfa", metadata)
    return one_time_codes.pose(pool, state, parameters)
