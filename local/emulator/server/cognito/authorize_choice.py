"""The pool's choice-based sign-in decisions for the run's hosted UI (managed login): which
first factors the login page offers, and each step of the pool's own USER_AUTH flow for the
authorize request's client (AdminInitiateAuth with PREFERRED_CHALLENGE, then
AdminRespondToAuthChallenge with the e-mailed or texted code, or the passkey's assertion).

The hosted UI carries the pool's `Session` between its pages and decides nothing: the pool
checks every answer (a wrong, expired or reused code or session, a bad assertion) with its own
rules and errors, and a completed sign-in ends exactly as the password sign-in does
(authorize.signed_in: the code or implicit redirect and a signed-in session handle).
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.core.exceptions import JsonRESTError

from . import authorize, backend, minting, pool_settings
from .authorize import Decision
from .sign_in import flow_allowed

# The order the login page lists the factors in (managed login's: password first).
_FACTOR_ORDER = (
    pool_settings.PASSWORD,
    pool_settings.EMAIL_OTP,
    pool_settings.SMS_OTP,
    pool_settings.WEB_AUTHN,
)
# The challenges the hosted UI answers, and the ChallengeResponses key of each answer.
ANSWER_KEYS = {
    pool_settings.EMAIL_OTP: "EMAIL_OTP_CODE",
    pool_settings.SMS_OTP: "SMS_OTP_CODE",
    pool_settings.WEB_AUTHN: "CREDENTIAL",
}
SELECT_CHALLENGE = "SELECT_CHALLENGE"
MAX_USERNAME_CHARS = 128
MAX_SESSION_CHARS = 4096
MAX_ANSWER_CHARS = 8192  # a passkey assertion's JSON is well under 2 KB
# The pool's refusals the login page words as Cognito's managed login does.
_NO_SESSION = "Your sign-in session is missing: start again."
_NO_ANSWER = "The passkey gave no answer: try again."
_MESSAGES = {"UserNotFoundException": "Incorrect username or password."}


def offered_factors(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient) -> list[str]:
    """The first factors the login page offers for this client: the pool's
    AllowedFirstAuthFactors when the client allows USER_AUTH, else the password only (the
    hosted UI's password sign-in needs no USER_AUTH)."""
    if not flow_allowed(client, "USER_AUTH"):
        return [pool_settings.PASSWORD]
    factors = pool_settings.first_auth_factors(pool)
    return [factor for factor in _FACTOR_ORDER if factor in factors]


def _text(value: Any, most: int, missing: str) -> str:
    if not isinstance(value, str) or not value or len(value) > most:
        raise Decision("login_error", message=missing)
    return value


def _step(auth: authorize.AuthorizeRequest, run: Any) -> dict[str, Any]:
    """One USER_AUTH step, minting the authorize request's tokens if it completes; a refusal
    is the login page's message and leaves nothing signed in."""
    try:
        with minting.signing_in_for(authorize.oauth_flow(auth)):
            answer = run()
    except JsonRESTError as refused:  # the pool's refusal, or its trigger's
        raise authorize.refusal(refused, _MESSAGES) from None
    if not isinstance(answer, dict):
        raise Decision("login_error", message="The local user pool did not answer the sign-in.")
    return answer


def _next(
    pool: CognitoIdpUserPool, auth: authorize.AuthorizeRequest, answer: dict[str, Any]
) -> dict[str, Any]:
    """The pool's answer as the hosted UI's next page: a challenge it offers (with the pool's
    Session and parameters), or the end of the sign-in (authorize.signed_in)."""
    challenge = answer.get("ChallengeName")
    if challenge in ANSWER_KEYS or challenge == SELECT_CHALLENGE:
        parameters = answer.get("ChallengeParameters") or {}
        return {
            "decision": "challenge",
            "challenge": challenge,
            "authSession": answer.get("Session") or "",
            "parameters": {k: v for k, v in parameters.items() if isinstance(v, str)},
            "available": [c for c in answer.get("AvailableChallenges") or () if c != challenge],
        }
    return authorize.signed_in(pool, auth, answer)


def start(pool: CognitoIdpUserPool, query: Any, username: Any, factor: Any) -> dict[str, Any]:
    """Begin a USER_AUTH sign-in preferring `factor` (a first factor the page offers, not the
    password, which the login form sends as it always has): the pool's challenge for it, or
    SELECT_CHALLENGE with what the user can answer instead."""
    auth = authorize.check(pool, query)
    name = _text(username, MAX_USERNAME_CHARS, "Enter your email.")
    if factor not in ANSWER_KEYS or factor not in offered_factors(pool, auth.client):
        raise Decision("login_error", message="That sign-in method is not offered here.")
    parameters = authorize.client_parameters(auth, name, PREFERRED_CHALLENGE=factor)
    answer = _step(
        auth,
        lambda: backend.initiate_auth(pool, auth.client, "USER_AUTH", parameters, public=False),
    )
    return _next(pool, auth, answer)


def answer(
    pool: CognitoIdpUserPool,
    query: Any,
    username: Any,
    challenge: Any,
    session: Any,
    response: Any,
) -> dict[str, Any]:
    """Answer the pool's EMAIL_OTP, SMS_OTP or WEB_AUTHN challenge with the code or the
    passkey's credential JSON: the redirect and a session handle, or the pool's refusal."""
    auth = authorize.check(pool, query)
    name = _text(username, MAX_USERNAME_CHARS, "Enter your email.")
    if challenge not in ANSWER_KEYS:
        raise Decision("login_error", message="That sign-in step is not offered here.")
    pool_session = _text(session, MAX_SESSION_CHARS, _NO_SESSION)
    missing = _NO_ANSWER if challenge == pool_settings.WEB_AUTHN else "Enter the code."
    given = _text(response, MAX_ANSWER_CHARS, missing)
    answers = authorize.client_parameters(auth, name, **{ANSWER_KEYS[challenge]: given})
    reply = _step(
        auth,
        lambda: backend.respond_to_auth_challenge(
            pool, auth.client, challenge, pool_session, answers
        ),
    )
    return _next(pool, auth, reply)
