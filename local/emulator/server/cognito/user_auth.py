"""Choice-based sign-in (`USER_AUTH`) as Cognito runs it.

InitiateAuth / AdminInitiateAuth `USER_AUTH` (the client must allow ALLOW_USER_AUTH) takes
USERNAME, and optionally PREFERRED_CHALLENGE (with PASSWORD or SRP_A for the password ones).
The pool offers only its AllowedFirstAuthFactors (pool_settings), and a user only what it can
answer: PASSWORD and PASSWORD_SRP with a password, EMAIL_OTP with an e-mail address, SMS_OTP
with a phone number, WEB_AUTHN with a passkey (passkeys.py); a user with MFA configured, or
in a pool whose MFA is ON, gets no passwordless factor (Cognito does not combine them).

- A usable preference goes straight to its challenge: PASSWORD is checked as
  USER_PASSWORD_AUTH's (attempt limits, then MFA or tokens: sign_in.after_password);
  PASSWORD_SRP answers PASSWORD_VERIFIER (sign_in.srp_challenge); EMAIL_OTP / SMS_OTP send a
  code (one_time_codes); WEB_AUTHN poses CREDENTIAL_REQUEST_OPTIONS. PASSWORD or PASSWORD_SRP
  preferred without the password (or SRP_A) poses that challenge, answered with it.
- No usable preference: SELECT_CHALLENGE with AvailableChallenges; RespondToAuthChallenge
  SELECT_CHALLENGE's ANSWER (with PASSWORD or SRP_A when it names those) starts the choice.
- EMAIL_OTP / SMS_OTP are answered with EMAIL_OTP_CODE / SMS_OTP_CODE, WEB_AUTHN with
  CREDENTIAL (passkeys.verify_assertion); a right answer signs in (PostAuthentication, the one
  mint path). Every Session is used once.
- An unknown user (the client preventing user-existence errors) gets a decoy that offers the
  pool's usual factors and fails at the answer; disabled and unconfirmed users get Cognito's
  refusal before any challenge (sign_in.signing_in_user).
- InitiateAuth's `Session` from ConfirmSignUp signs that user in once (sign_up_sessions.py):
  its confirmation code is the first factor, so the MFA a pool requires still follows.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from local.emulator.server import moto_seam

from . import (
    attempts,
    auth_triggers,
    email_mfa,
    one_time_codes,
    passkeys,
    pool_settings,
    sign_in,
    sign_up_sessions,
)
from .exceptions import (
    INCORRECT_PASSWORD,
    INVALID_SESSION,
    MISSING_USERNAME,
    USER_DISABLED,
    InvalidParameterError,
    NotAuthorizedError,
)
from .models import OneTimeSignIn

SELECT_CHALLENGE = one_time_codes.SELECT_CHALLENGE
PASSWORD, PASSWORD_SRP = "PASSWORD", "PASSWORD_SRP"
EMAIL_OTP, SMS_OTP, WEB_AUTHN = "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"
FIRST_FACTOR_CHALLENGES = (PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN)
# The challenges RespondToAuthChallenge answers here (SELECT_MFA_TYPE: email_mfa.py).
ANSWERED = frozenset({SELECT_CHALLENGE, *FIRST_FACTOR_CHALLENGES, email_mfa.SELECT_MFA_TYPE})
_CREDENTIALS = {PASSWORD: "PASSWORD", PASSWORD_SRP: "SRP_A"}
_CODE_KINDS = {EMAIL_OTP: "email_otp", SMS_OTP: "sms_otp"}


def start(
    call: sign_in.ClientCall, parameters: dict[str, Any], session: str | None
) -> dict[str, Any]:
    """InitiateAuth USER_AUTH: a challenge, or tokens (a password, or ConfirmSignUp's
    Session), or Cognito's refusal."""
    pool, client = call.pool, call.client
    if not sign_in.flow_allowed(client, "USER_AUTH"):
        raise InvalidParameterError("USER_AUTH flow not enabled for this client")
    named = parameters.get("USERNAME")
    if not isinstance(named, str) or not named:
        raise InvalidParameterError(MISSING_USERNAME)
    preferred = parameters.get("PREFERRED_CHALLENGE")
    if preferred is not None and preferred not in FIRST_FACTOR_CHALLENGES:
        raise InvalidParameterError(
            f"PREFERRED_CHALLENGE must be one of {', '.join(FIRST_FACTOR_CHALLENGES)}"
        )
    sign_in.check_secret(client, named, parameters.get("SECRET_HASH"))
    if session is not None:
        signed_up = sign_up_sessions.signed_up_user(pool, client, named, session)
        auth_triggers.pre_authentication(pool, client, signed_up, named)
        return sign_in.after_password(call, signed_up)  # the code was the first factor: MFA next
    user = sign_in.signing_in_user(pool, client, named)
    auth_triggers.pre_authentication(pool, client, user, named)
    offered = answerable(pool, user, named)
    if not offered:
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    username = user.username if user is not None else None
    state = OneTimeSignIn(client.id, username, named, SELECT_CHALLENGE, offered, time.time())
    if preferred in offered:
        return _begin(call, user, state, preferred, parameters)
    return one_time_codes.pose(pool, state, {})


_CODE_ATTRIBUTES = {EMAIL_OTP: "email", SMS_OTP: "phone_number"}


def passwordless(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, attributes: list[dict[str, str]]
) -> bool:
    """May this SignUp omit the password? Cognito's conditions: the app client allows
    USER_AUTH, and the user gives the address of a one-time-code factor the pool allows
    (email for EMAIL_OTP, phone_number for SMS_OTP) that the pool auto-verifies, so the user
    can sign in with a code."""
    if not sign_in.flow_allowed(client, "USER_AUTH"):
        return False
    given = {a.get("Name") for a in attributes if a.get("Value")}
    verified = set(pool.extended_config.get("AutoVerifiedAttributes") or [])
    factors = pool_settings.first_auth_factors(pool)
    return any(
        challenge in factors and attribute in given and attribute in verified
        for challenge, attribute in _CODE_ATTRIBUTES.items()
    )


def answerable(
    pool: CognitoIdpUserPool, user: CognitoIdpUser | None, named: str
) -> tuple[str, ...]:
    """The first-factor challenges this user can answer, of those the pool allows; for an
    unknown user (a decoy) the pool's usual ones, so that its answer reveals nothing."""
    factors = pool_settings.first_auth_factors(pool)
    offered: list[str] = []
    if pool_settings.PASSWORD in factors and (user is None or user.password is not None):
        offered += [PASSWORD, PASSWORD_SRP]
    if pool.mfa_config == "ON" or (user is not None and email_mfa.configured(pool, user)):
        return tuple(offered)  # Cognito offers no passwordless factor together with MFA
    phone_name = named.startswith("+")
    if EMAIL_OTP in factors and (
        one_time_codes.reachable(user, EMAIL_OTP) if user is not None else not phone_name
    ):
        offered.append(EMAIL_OTP)
    if SMS_OTP in factors and (
        one_time_codes.reachable(user, SMS_OTP) if user is not None else phone_name
    ):
        offered.append(SMS_OTP)
    if WEB_AUTHN in factors and user is not None and passkeys.has_passkey(pool, user):
        offered.append(WEB_AUTHN)
    return tuple(offered)


def _begin(
    call: sign_in.ClientCall,
    user: CognitoIdpUser | None,
    state: OneTimeSignIn,
    challenge: str,
    given: dict[str, Any],
) -> dict[str, Any]:
    """Start the chosen challenge; `given`: the request's parameters (a password or SRP_A
    completes the password ones at once)."""
    pool, client = call.pool, call.client
    state = dataclasses.replace(state, challenge=challenge, created=time.time())
    if challenge in _CREDENTIALS and _CREDENTIALS[challenge] not in given:
        return one_time_codes.pose(pool, state, {})  # answered with the password (or SRP_A) next
    if challenge == PASSWORD:
        return _password(call, user, given.get("PASSWORD"))
    if challenge == PASSWORD_SRP:
        srp_parameters = {key: given.get(key) for key in ("SRP_A", "SECRET_HASH")}
        return sign_in.srp_challenge(pool, client, srp_parameters | {"USERNAME": state.named})
    if challenge == WEB_AUTHN and user is not None:
        options, state.webauthn_challenge = passkeys.request_options(pool, user)
        return one_time_codes.pose(pool, state, {"CREDENTIAL_REQUEST_OPTIONS": options})
    metadata = auth_triggers.validation_data() or auth_triggers.client_metadata()
    kind = _CODE_KINDS[challenge]
    parameters = one_time_codes.send(pool, client.id, user, state, kind, metadata)
    return one_time_codes.pose(pool, state, parameters)


def _password(call: sign_in.ClientCall, user: CognitoIdpUser | None, given: Any) -> dict[str, Any]:
    """The PASSWORD challenge's answer, checked as USER_PASSWORD_AUTH's."""
    if not isinstance(given, str):
        raise InvalidParameterError("Missing required parameter PASSWORD")
    if user is None:
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    right = user.password is not None and hmac.compare_digest(
        user.password.encode(), given.encode()
    )
    attempts.check_password(call.pool, user.username, right)  # counts it; may lock out
    return sign_in.after_password(call, user)


def answer(
    call: sign_in.ClientCall, challenge: str, session: Any, answers: dict[str, Any]
) -> dict[str, Any]:
    """(Admin)RespondToAuthChallenge for a USER_AUTH challenge or an e-mail MFA step."""
    pool, client = call.pool, call.client
    state = one_time_codes.live(pool, client, session)
    named = answers.get("USERNAME")
    if not isinstance(named, str) or not named:
        raise InvalidParameterError(MISSING_USERNAME)
    sign_in.check_secret(client, named, answers.get("SECRET_HASH"))
    user = _state_user(pool, state)
    if challenge != state.challenge or (
        named != state.named and (user is None or moto_seam.get_user(pool, named) is not user)
    ):
        raise NotAuthorizedError(INVALID_SESSION)
    if challenge in (SELECT_CHALLENGE, email_mfa.SELECT_MFA_TYPE):
        chosen = answers.get("ANSWER")
        if not isinstance(chosen, str) or chosen not in state.available:
            raise InvalidParameterError(
                f"ANSWER must be one of the available challenges: {', '.join(state.available)}"
            )
        one_time_codes.end(pool, str(session))
        if challenge == email_mfa.SELECT_MFA_TYPE:
            return email_mfa.chosen(pool, client.id, user, state, chosen)
        return _begin(call, user, state, chosen, answers)
    if challenge in _CREDENTIALS:  # PASSWORD or PASSWORD_SRP, posed without the credential
        if _CREDENTIALS[challenge] not in answers:
            raise InvalidParameterError(f"Missing required parameter {_CREDENTIALS[challenge]}")
        one_time_codes.end(pool, str(session))
        return _begin(call, user, state, challenge, answers)
    return _complete(call, str(session), state, user, answers)


def _complete(
    call: sign_in.ClientCall,
    session: str,
    state: OneTimeSignIn,
    user: CognitoIdpUser | None,
    answers: dict[str, Any],
) -> dict[str, Any]:
    """A code or a passkey assertion: checked, then the tokens (the session ends)."""
    pool = call.pool
    if state.challenge == WEB_AUTHN:
        credential = answers.get("CREDENTIAL")
        if not isinstance(credential, str) or not credential:
            raise InvalidParameterError("Missing required parameter CREDENTIAL")
        one_time_codes.end(pool, session)  # the WebAuthn challenge is single use
        if user is None or state.webauthn_challenge is None:
            raise NotAuthorizedError(INVALID_SESSION)
        passkeys.verify_assertion(pool, user, state.webauthn_challenge, credential)
    else:
        one_time_codes.check(pool, session, state, answers)
    if user is None:  # a decoy never gets this far (no code matches), but never tokens
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    if state.enrols_address is not None:
        email_mfa.enrol(pool, user, state.enrols_address)
    return auth_triggers.signed_in(call.backend, pool, call.client, user)


def _state_user(pool: CognitoIdpUserPool, state: OneTimeSignIn) -> CognitoIdpUser | None:
    """The sign-in's user as it is now (None: a decoy); deleted or disabled meanwhile is
    refused."""
    if state.username is None:
        return None
    user = moto_seam.get_user(pool, state.username)
    if user is None:
        raise NotAuthorizedError(INVALID_SESSION)
    if not user.enabled:
        raise NotAuthorizedError(USER_DISABLED)
    return user
