"""CUSTOM_AUTH as Cognito runs it: the DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse triggers drive a sequence of challenges.

InitiateAuth / AdminInitiateAuth `CUSTOM_AUTH` (the client must allow ALLOW_CUSTOM_AUTH) runs
the pre authentication trigger, then DefineAuthChallenge with the `session` so far (empty, or
`[SRP_A]` when the client starts with SRP: AuthParameters SRP_A and CHALLENGE_NAME=SRP_A, as
Amplify's CUSTOM_WITH_SRP and pycognito do). Its answer decides:
- `failAuthentication`: `NotAuthorizedException` "Incorrect username or password.";
- `issueTokens`: the post authentication trigger, then the tokens (sign_in's mint path);
- `challengeName` CUSTOM_CHALLENGE: CreateAuthChallenge makes it; the caller gets its
  `publicChallengeParameters` (and USERNAME), the pool keeps its `privateChallengeParameters`;
  RespondToAuthChallenge CUSTOM_CHALLENGE's ANSWER goes to VerifyAuthChallengeResponse, whose
  `answerCorrect` joins the session, and DefineAuthChallenge decides again;
- `challengeName` PASSWORD_VERIFIER after SRP_A: the SRP challenge (sign_in.srp_challenge);
  the proof is checked by sign_in.proven_user, then the session goes on.
Each Session is used once and expires as the client's AuthSessionValidity says. AWS documents
no limit on the rounds; here a sign-in ends after MAX_ROUNDS challenges.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
import time
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)

from local.emulator.server import moto_seam

from . import auth_triggers, existence, lambda_triggers, sign_in
from .exceptions import (
    INCORRECT_PASSWORD,
    INVALID_SESSION,
    MISSING_USERNAME,
    SESSION_EXPIRED,
    InvalidLambdaResponseError,
    InvalidParameterError,
    NotAuthorizedError,
)
from .models import CustomAuthSignIn, pool_state

log = logging.getLogger("local.emulator.server.cognito.custom_auth")

MAX_ROUNDS = 10
ABANDONED_SECONDS = 15 * 60  # longer than any AuthSessionValidity
NOT_CONFIGURED = "Custom auth lambda trigger is not configured for the user pool."


def start(call: sign_in.ClientCall, parameters: dict[str, Any]) -> dict[str, Any]:
    """InitiateAuth CUSTOM_AUTH: the first challenge (or tokens, or Cognito's refusal)."""
    pool, client = call.pool, call.client
    if not lambda_triggers.has_trigger(pool, "DefineAuthChallenge"):
        raise InvalidParameterError(NOT_CONFIGURED)
    if not sign_in.flow_allowed(client, "CUSTOM_AUTH"):
        raise InvalidParameterError("CUSTOM_AUTH flow not enabled for this client")
    named = parameters.get("USERNAME")
    if not isinstance(named, str) or not named:
        raise InvalidParameterError(MISSING_USERNAME)
    with_srp = "SRP_A" in parameters
    if with_srp and parameters.get("CHALLENGE_NAME") != "SRP_A":
        raise InvalidParameterError("CHALLENGE_NAME must be SRP_A when SRP_A is given")
    sign_in.check_secret(client, named, parameters.get("SECRET_HASH"))
    user = sign_in.signing_in_user(pool, client, named)
    auth_triggers.pre_authentication(pool, client, user, named)
    _forget_abandoned(pool)
    state = CustomAuthSignIn(
        client_id=client.id,
        username=user.username if user is not None else None,
        named=named,
        rounds=[_round("SRP_A", True, None)] if with_srp else [],
        private={},
        challenge_metadata=None,
        created=time.time(),
    )
    return _next(call, state, parameters if with_srp else None)


def owns(pool: CognitoIdpUserPool, session: Any) -> bool:
    """Is `session` a CUSTOM_AUTH sign-in's (its SRP step answers PASSWORD_VERIFIER here)?"""
    return isinstance(session, str) and session in pool_state(pool).custom_auth


def password_answer(
    call: sign_in.ClientCall, session: str, answers: dict[str, Any]
) -> dict[str, Any]:
    """PASSWORD_VERIFIER inside CUSTOM_AUTH: the proof, then DefineAuthChallenge again."""
    pool, client = call.pool, call.client
    state = _take(pool, client, session)
    user = sign_in.proven_user(pool, client, session, answers)
    if user.username != state.username:
        raise NotAuthorizedError(INVALID_SESSION)
    state.rounds.append(_round("PASSWORD_VERIFIER", True, None))
    return _next(call, state, None)


def answer(call: sign_in.ClientCall, session: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges ANSWER,
    then DefineAuthChallenge decides what follows."""
    pool, client = call.pool, call.client
    named = answers.get("USERNAME")
    if not isinstance(named, str) or not named:
        raise InvalidParameterError(MISSING_USERNAME)
    given = answers.get("ANSWER")
    if not isinstance(given, str):
        raise InvalidParameterError("Missing required parameter ANSWER")
    sign_in.check_secret(client, named, answers.get("SECRET_HASH"))
    state = _take(pool, client, session)
    user = _state_user(pool, state)
    if named != state.named and (user is None or moto_seam.get_user(pool, named) is not user):
        raise NotAuthorizedError(INVALID_SESSION)
    request = _request(pool, client, state, user)
    request.update(privateChallengeParameters=state.private, challengeAnswer=given)
    response = _run(pool, client, state, "VerifyAuthChallengeResponse", request)
    correct = response.get("answerCorrect")
    if not isinstance(correct, bool):
        log.warning("VerifyAuthChallengeResponse answered no boolean answerCorrect")
        raise InvalidLambdaResponseError()
    state.rounds.append(_round("CUSTOM_CHALLENGE", correct, state.challenge_metadata))
    return _next(call, state, None)


def _next(
    call: sign_in.ClientCall, state: CustomAuthSignIn, srp_parameters: dict[str, Any] | None
) -> dict[str, Any]:
    """Ask DefineAuthChallenge what follows the session so far, and do it."""
    pool, client = call.pool, call.client
    user = _state_user(pool, state)
    decision = _run(pool, client, state, "DefineAuthChallenge", _request(pool, client, state, user))
    fail, issue = decision.get("failAuthentication"), decision.get("issueTokens")
    name = decision.get("challengeName")
    if not isinstance(fail, bool | None) or not isinstance(issue, bool | None):
        log.warning("DefineAuthChallenge answered non-boolean issueTokens/failAuthentication")
        raise InvalidLambdaResponseError()
    if fail or len(state.rounds) >= MAX_ROUNDS:
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    if issue:
        if user is None:  # an unknown user never gets tokens
            raise NotAuthorizedError(INCORRECT_PASSWORD)
        return auth_triggers.signed_in(call.backend, pool, client, user)
    if name == "PASSWORD_VERIFIER" and srp_parameters is not None:
        challenge = sign_in.srp_challenge(pool, client, srp_parameters)
        pool_state(pool).custom_auth[challenge["Session"]] = state
        return challenge
    if name == "CUSTOM_CHALLENGE":
        return _create(pool, client, state, user)
    log.warning("DefineAuthChallenge answered challenge %r, which this pool cannot pose", name)
    raise InvalidLambdaResponseError()


def _create(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    state: CustomAuthSignIn,
    user: CognitoIdpUser | None,
) -> dict[str, Any]:
    """CreateAuthChallenge: the challenge the caller sees; the private part stays here."""
    request = _request(pool, client, state, user)
    request["challengeName"] = "CUSTOM_CHALLENGE"
    response = _run(pool, client, state, "CreateAuthChallenge", request)
    public = response.get("publicChallengeParameters") or {}
    private = response.get("privateChallengeParameters") or {}
    metadata = response.get("challengeMetadata")
    if not (_strings(public) and _strings(private) and isinstance(metadata, str | None)):
        log.warning("CreateAuthChallenge answered challenge parameters that are not strings")
        raise InvalidLambdaResponseError()
    state.private, state.challenge_metadata = dict(private), metadata
    session = base64.b64encode(secrets.token_bytes(48)).decode()
    pool_state(pool).custom_auth[session] = state
    parameters = {"USERNAME": user.username if user is not None else state.named, **public}
    return {
        "ChallengeName": "CUSTOM_CHALLENGE",
        "Session": session,
        "ChallengeParameters": parameters,
    }


def _request(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    state: CustomAuthSignIn,
    user: CognitoIdpUser | None,
) -> dict[str, Any]:
    """What every challenge trigger gets: attributes, the session so far, the metadata."""
    request: dict[str, Any] = {
        "userAttributes": auth_triggers.user_attributes(user),
        "session": [dict(r) for r in state.rounds],
        "clientMetadata": auth_triggers.client_metadata(),
    }
    if existence.prevents(client):
        request["userNotFound"] = user is None
    return request


def _run(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    state: CustomAuthSignIn,
    trigger: str,
    request: dict[str, Any],
) -> dict[str, Any]:
    if not lambda_triggers.has_trigger(pool, trigger):
        raise InvalidParameterError(NOT_CONFIGURED)
    source = {
        "DefineAuthChallenge": "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge": "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse": "VerifyAuthChallengeResponse_Authentication",
    }[trigger]
    user_name = state.username if state.username is not None else state.named
    sent = lambda_triggers.event(
        pool, source, user_name=user_name, client_id=client.id, request=request
    )
    return lambda_triggers.run(pool, trigger, sent) or {}


def _state_user(pool: CognitoIdpUserPool, state: CustomAuthSignIn) -> CognitoIdpUser | None:
    if state.username is None:
        return None
    user = moto_seam.get_user(pool, state.username)
    if user is None or not user.enabled:  # deleted or disabled meanwhile
        raise NotAuthorizedError(INCORRECT_PASSWORD)
    return user


def _take(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, session: Any
) -> CustomAuthSignIn:
    """The sign-in `session` names, once: unknown, another client's or expired is refused."""
    state = pool_state(pool).custom_auth.pop(session, None) if isinstance(session, str) else None
    if state is None or not hmac.compare_digest(state.client_id, client.id):
        raise NotAuthorizedError(INVALID_SESSION)
    validity = int(client.extended_config.get("AuthSessionValidity") or 3) * 60
    if time.time() > state.created + validity:
        raise NotAuthorizedError(SESSION_EXPIRED)
    state.created = time.time()
    return state


def _forget_abandoned(pool: CognitoIdpUserPool) -> None:
    sessions = pool_state(pool).custom_auth
    cutoff = time.time() - ABANDONED_SECONDS
    for session in [s for s, state in sessions.items() if state.created < cutoff]:
        sessions.pop(session, None)


def _round(name: str, result: bool, metadata: str | None) -> dict[str, Any]:
    """One ChallengeResult of the triggers' `session`."""
    entry: dict[str, Any] = {"challengeName": name, "challengeResult": result}
    if metadata is not None:
        entry["challengeMetadata"] = metadata
    return entry


def _strings(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )
