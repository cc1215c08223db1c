"""The user migration trigger: an unknown user name in a password sign-in or in ForgotPassword
asks the pool's UserMigration function for the user, as Cognito does.

- `UserMigration_Authentication` (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the hosted
  UI's sign-in) gets the password the user typed; the answer's `userAttributes` and
  `finalUserStatus` (CONFIRMED, the default, or RESET_REQUIRED) make the user, with that
  password (the pool's password policy is not applied, as the docs say). RESET_REQUIRED is
  then `PasswordResetRequiredException`, as for any user who must reset.
- `UserMigration_ForgotPassword` has no password: the user is made with status
  RESET_REQUIRED, and ForgotPassword sends it a code (a refusal is ForgotPassword's answer
  for an unknown user: `UserNotFoundException`, or the simulated delivery when the client
  prevents user-existence errors).
- USER_SRP_AUTH never migrates (Cognito has no password to give the function).
- A function that raises refuses as Cognito does: `UserNotFoundException` "UserMigration
  failed with error <message>." (`NotAuthorizedException` "Incorrect username or password."
  for a sign-in when the client prevents user-existence errors); an answer that is not a
  usable user is `InvalidLambdaResponseException`. Nothing is stored then.
"""

from __future__ import annotations

import logging
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    UserStatus,
)
from moto.core.exceptions import JsonRESTError

from . import auth_triggers, existence, lambda_triggers
from .exceptions import (
    INCORRECT_PASSWORD,
    InvalidLambdaResponseError,
    NotAuthorizedError,
    PasswordResetRequiredError,
    UserLambdaValidationError,
    UserNotFoundError,
)
from .models import backend_of

log = logging.getLogger("local.emulator.server.cognito.migration")

_STATUSES = {"CONFIRMED": UserStatus.CONFIRMED, "RESET_REQUIRED": UserStatus.RESET_REQUIRED}
_MESSAGE_ACTIONS = (None, "SUPPRESS", "RESEND")
_MEDIUMS = frozenset({"EMAIL", "SMS"})


def on_sign_in(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str, password: str
) -> CognitoIdpUser | None:
    """The migrated user for a password sign-in naming an unknown user; None when the pool
    has no UserMigration trigger. Cognito's errors otherwise (module docstring)."""
    if not lambda_triggers.has_trigger(pool, "UserMigration"):
        return None
    request = {
        "password": password,
        "validationData": auth_triggers.validation_data(),
        "clientMetadata": {},
    }
    try:
        user = _migrate(pool, client.id, username, "UserMigration_Authentication", request)
    except UserNotFoundError:
        if existence.prevents(client):
            raise NotAuthorizedError(INCORRECT_PASSWORD) from None
        raise
    user.password = password
    if user.status is UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredError()
    return user


def on_forgot_password(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> CognitoIdpUser | None:
    """The migrated user for ForgotPassword naming an unknown user (status RESET_REQUIRED);
    None when the pool has no UserMigration trigger."""
    if not lambda_triggers.has_trigger(pool, "UserMigration"):
        return None
    request = {"validationData": {}, "clientMetadata": auth_triggers.client_metadata()}
    try:
        user = _migrate(pool, client.id, username, "UserMigration_ForgotPassword", request)
    except UserNotFoundError:
        if existence.prevents(client):  # the caller gets the simulated delivery
            return None
        raise
    user.status = UserStatus.RESET_REQUIRED
    return user


def _migrate(
    pool: CognitoIdpUserPool,
    client_id: str,
    username: str,
    trigger_source: str,
    request: dict[str, Any],
) -> CognitoIdpUser:
    sent = lambda_triggers.event(
        pool, trigger_source, user_name=username, client_id=client_id, request=request
    )
    try:
        response = lambda_triggers.run(pool, "UserMigration", sent)
    except UserLambdaValidationError as refused:  # Cognito answers a refusal as "not found"
        raise UserNotFoundError(refused.message) from None
    attributes, status = read_answer(response or {})
    try:
        user: CognitoIdpUser = backend_of(pool).admin_create_user(
            pool.id, username, "SUPPRESS", "", attributes
        )
    except JsonRESTError as refused:  # moto's own refusal (a bad user name, a name in use)
        log.warning("UserMigration: the pool refused the user %s: %s", username, refused.message)
        raise UserNotFoundError(f"Exception during user migration: {refused.message}") from None
    user.status = status
    return user


def read_answer(response: dict[str, Any]) -> tuple[list[dict[str, str]], UserStatus]:
    """The answer's attributes (as AdminCreateUser takes them) and status;
    InvalidLambdaResponseException when unusable."""
    attributes = response.get("userAttributes")
    status = response.get("finalUserStatus") or "CONFIRMED"
    action = response.get("messageAction")
    mediums = response.get("desiredDeliveryMediums") or []
    usable = (
        isinstance(attributes, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items())
        and isinstance(status, str)
        and status in _STATUSES
        and action in _MESSAGE_ACTIONS
        and isinstance(mediums, list)
        and all(isinstance(m, str) and m in _MEDIUMS for m in mediums)
        and isinstance(response.get("forceAliasCreation", False), bool)
    )
    if not usable:
        log.warning("UserMigration answered no usable user: %r", response)
        raise InvalidLambdaResponseError()
    assert isinstance(attributes, dict)
    pairs = [{"Name": k, "Value": v} for k, v in attributes.items() if k != "sub"]
    return pairs, _STATUSES[status]
