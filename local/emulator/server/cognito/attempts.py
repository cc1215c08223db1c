"""Attempt limits, so that guessing costs what it costs on Cognito.

- Passwords (every sign-in flow), per user, as Cognito documents its lockout: five failures
  are free; from then on each failure locks the user for 1 s, doubling up to 15 minutes, and
  any attempt while locked (the right password too) is `NotAuthorizedException` "Password
  attempts exceeded". A right password resets it, as do 15 minutes without a failure.
- Codes (sign-up, forgot password, attribute verification): AWS documents no number; here a
  code dies after CODE_TRIES wrong tries, and further tries are `LimitExceededException` until
  a new code is sent (which replaces the old one).
- TOTP: a code is accepted once per 30 s step (a used step or an older one is refused), and a
  challenge session dies after SESSION_TRIES wrong codes (AWS documents no number either).
"""

from __future__ import annotations

import time

from moto.cognitoidp.models import CognitoIdpUserPool

from .exceptions import INCORRECT_PASSWORD, LimitExceededError, NotAuthorizedError
from .models import pool_state

FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 1.0
MAX_LOCK_SECONDS = 15 * 60.0
FORGET_AFTER_SECONDS = 15 * 60.0
CODE_TRIES = 5
SESSION_TRIES = 5
PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded"  # noqa: S105 - a message
CODE_ATTEMPTS_EXCEEDED = "Attempt limit exceeded, please try after some time."


def check_password(pool: CognitoIdpUserPool, username: str, right: bool) -> None:
    """Count this password attempt: nothing for a right one outside a lockout, else Cognito's
    NotAuthorizedException ("Incorrect username or password." or "Password attempts exceeded")."""
    failures = pool_state(pool).password_failures
    now = time.time()
    count, locked_until, last = failures.get(username, (0, 0.0, 0.0))
    if count and now - last > FORGET_AFTER_SECONDS:
        count, locked_until = 0, 0.0
    if now < locked_until:
        raise NotAuthorizedError(PASSWORD_ATTEMPTS_EXCEEDED)
    if right:
        failures.pop(username, None)
        return
    count += 1
    if count >= FREE_FAILURES:
        lock = min(FIRST_LOCK_SECONDS * 2 ** (count - FREE_FAILURES), MAX_LOCK_SECONDS)
        locked_until = now + lock
    failures[username] = (count, locked_until, now)
    raise NotAuthorizedError(INCORRECT_PASSWORD)


def refuse_spent_code(pool: CognitoIdpUserPool, username: str, purpose: str) -> None:
    """LimitExceededException once the user's current code for `purpose` took CODE_TRIES
    wrong tries."""
    if pool_state(pool).code_failures.get((username, purpose), 0) >= CODE_TRIES:
        raise LimitExceededError(CODE_ATTEMPTS_EXCEEDED)


def wrong_code(pool: CognitoIdpUserPool, username: str, purpose: str) -> None:
    """Count a wrong try at the current code (sent_code forgets the count)."""
    failures = pool_state(pool).code_failures
    failures[(username, purpose)] = failures.get((username, purpose), 0) + 1


def sent_code(pool: CognitoIdpUserPool, username: str, purpose: str) -> None:
    pool_state(pool).code_failures.pop((username, purpose), None)


def wrong_session_code(pool: CognitoIdpUserPool, session: str) -> bool:
    """Count a wrong code (TOTP, or an e-mailed or texted one) on a challenge session; True
    once the session must die."""
    failures = pool_state(pool).session_failures
    failures[session] = failures.get(session, 0) + 1
    if failures[session] >= SESSION_TRIES:
        failures.pop(session, None)
        return True
    return False
