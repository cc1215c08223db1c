"""The password flows as Cognito runs them: `USER_PASSWORD_AUTH` (InitiateAuth) and
`ADMIN_USER_PASSWORD_AUTH` / legacy `ADMIN_NO_SRP_AUTH` (AdminInitiateAuth).

moto's own versions check neither the client's `ExplicitAuthFlows` nor its secret: a
machine client with a secret and no user flow signed users in without a `SECRET_HASH`.
Here, in Cognito's order: the flow must be allowed (`InvalidParameterException`), the secret
hash must match (`NotAuthorizedException`), then the user and password; what follows a right
password is sign_in.after_password (new-password or MFA challenge, or tokens).
"""

from __future__ import annotations

import secrets
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)

from local.emulator.server import moto_seam

from . import attempts, auth_triggers, migration
from .exceptions import (
    INCORRECT_PASSWORD,
    MISSING_USERNAME,
    USER_DISABLED,
    InvalidParameterError,
    NotAuthorizedError,
    UserNotConfirmedError,
    UserNotFoundError,
)
from .sign_in import (
    ClientCall,
    after_password,
    check_secret,
    flow_allowed,
    prevents_existence_errors,
)

PASSWORD_FLOWS = frozenset({"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})


def refuse_unless_allowed(client: CognitoIdpUserPoolClient, flow: str) -> None:
    """Cognito's refusal of a sign-in flow the client's ExplicitAuthFlows leaves out."""
    if flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        if not flow_allowed(client, "ADMIN_USER_PASSWORD_AUTH"):
            raise InvalidParameterError("Auth flow not enabled for this client")
    elif not flow_allowed(client, flow):
        raise InvalidParameterError(f"{flow} flow not enabled for this client")


def stand_in(pool: CognitoIdpUserPool) -> str:
    """A random password the pool's policy accepts, for moto's SignUp of a passwordless user
    (backend.sign_up removes it at once: such a user has no password to sign in with)."""
    policy = (pool.extended_config.get("Policies") or {}).get("PasswordPolicy") or {}
    length = max(int(policy.get("MinimumLength") or 8), 20)
    return ("Aa1!" + secrets.token_hex(length))[:length]


def password_sign_in(call: ClientCall, flow: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """Tokens or the next challenge for a right password; Cognito's error otherwise."""
    pool, client = call.pool, call.client
    refuse_unless_allowed(client, flow)
    username, password = parameters.get("USERNAME"), parameters.get("PASSWORD")
    if not isinstance(username, str) or not username:
        raise InvalidParameterError(MISSING_USERNAME)
    if not isinstance(password, str):
        raise InvalidParameterError("Missing required parameter PASSWORD")
    check_secret(client, username, parameters.get("SECRET_HASH"))
    user = moto_seam.get_user(pool, username) or migration.on_sign_in(
        pool, client, username, password
    )
    auth_triggers.pre_authentication(pool, client, user, username)
    if user is None:
        if prevents_existence_errors(client):
            raise NotAuthorizedError(INCORRECT_PASSWORD)
        raise UserNotFoundError()
    if not user.enabled:
        raise NotAuthorizedError(USER_DISABLED)
    attempts.check_password(pool, user.username, user.password == password)  # may lock out
    if user.status is UserStatus.UNCONFIRMED:
        raise UserNotConfirmedError()
    return after_password(call, user)
