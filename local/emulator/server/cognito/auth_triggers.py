"""The pre and post authentication triggers, and the request's ClientMetadata they are given.

Cognito runs PreAuthentication (`PreAuthentication_Authentication`) when a sign-in starts,
before the password is checked: InitiateAuth / AdminInitiateAuth in the password flows, SRP
and CUSTOM_AUTH, and the hosted UI's sign-in. It also runs for an unknown user name when the
client prevents user-existence errors (`userNotFound: true`, no attributes). A function that
raises refuses the sign-in (`UserLambdaValidationException`); its answer is not read.

PostAuthentication (`PostAuthentication_Authentication`) runs after a successful sign-in,
before the tokens are issued; a raise fails the sign-in, with no tokens.

InitiateAuth's ClientMetadata reaches PreAuthentication (and UserMigration) as
`validationData`; RespondToAuthChallenge's reaches PostAuthentication and the custom challenge
triggers as `clientMetadata` (InitiateAuth's does not: the API reference's list), as
ForgotPassword's reaches UserMigration_ForgotPassword. responses.py says which request is
running with `initiating` / `responding`, so that the flow functions need no extra parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
)
from moto.core.exceptions import JsonRESTError

from local.emulator.server import moto_seam

from . import existence, lambda_triggers

_INITIATE, _RESPOND = "initiate", "respond"
# (which request, its ClientMetadata) for the request this thread is answering.
_REQUEST_METADATA: ContextVar[tuple[str, dict[str, str]]] = ContextVar(
    "cognito_request_metadata", default=("", {})
)


@contextmanager
def _request(kind: str, metadata: dict[str, str]) -> Iterator[None]:
    token = _REQUEST_METADATA.set((kind, dict(metadata)))
    try:
        yield
    finally:
        _REQUEST_METADATA.reset(token)


def initiating(metadata: dict[str, str]) -> Any:
    """While an InitiateAuth / AdminInitiateAuth (or ForgotPassword) with this ClientMetadata
    runs."""
    return _request(_INITIATE, metadata)


def responding(metadata: dict[str, str]) -> Any:
    """While a (Admin)RespondToAuthChallenge with this ClientMetadata runs, or another
    operation whose ClientMetadata the triggers get as `clientMetadata` (ForgotPassword)."""
    return _request(_RESPOND, metadata)


def validation_data() -> dict[str, str]:
    """InitiateAuth's ClientMetadata (what PreAuthentication and UserMigration get)."""
    kind, metadata = _REQUEST_METADATA.get()
    return dict(metadata) if kind == _INITIATE else {}


def client_metadata() -> dict[str, str]:
    """RespondToAuthChallenge's ClientMetadata (PostAuthentication, the challenge triggers)."""
    kind, metadata = _REQUEST_METADATA.get()
    return dict(metadata) if kind == _RESPOND else {}


def user_attributes(user: CognitoIdpUser | None) -> dict[str, str]:
    """The user's attributes as the triggers get them (with `sub`, and the user's status)."""
    if user is None:
        return {}
    attributes = {str(k): str(v) for k, v in user.attribute_lookup.items()}
    attributes.setdefault("sub", user.id)
    attributes["cognito:user_status"] = str(getattr(user.status, "value", user.status))
    return attributes


def pre_authentication(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    user: CognitoIdpUser | None,
    username: str,
) -> None:
    """Run PreAuthentication for a sign-in that is starting (unknown users only when the
    client prevents user-existence errors, as Cognito); its raise refuses the sign-in."""
    if not lambda_triggers.has_trigger(pool, "PreAuthentication"):
        return
    if user is None and not existence.prevents(client):
        return
    request: dict[str, Any] = {
        "userAttributes": user_attributes(user),
        "validationData": validation_data(),
    }
    if existence.prevents(client):
        request["userNotFound"] = user is None
    sent = lambda_triggers.event(
        pool,
        "PreAuthentication_Authentication",
        user_name=user.username if user is not None else username,
        client_id=client.id,
        request=request,
    )
    lambda_triggers.run(pool, "PreAuthentication", sent)


def pre_authentication_named(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> None:
    """pre_authentication for the user `username` names (None when unknown)."""
    pre_authentication(pool, client, moto_seam.get_user(pool, username), username)


def before_new_password(
    backend: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    session: str,
    answers: dict[str, Any],
) -> None:
    """NEW_PASSWORD_REQUIRED (moto answers it): when the new password will sign the user in
    (a password the policy takes, no MFA to set up), PostAuthentication runs first, so that
    its raise refuses the sign-in before moto issues tokens."""
    username, _ = backend.sessions[session]
    user = moto_seam.get_user(pool, username)
    new_password = answers.get("NEW_PASSWORD")
    if user is None or not isinstance(new_password, str) or not new_password:
        return
    try:
        moto_seam.validate_password(backend, pool.id, new_password)
    except JsonRESTError:
        return  # moto refuses it
    if pool.mfa_config == "ON" and not user.software_token_mfa_enabled:
        return  # MFA_SETUP follows; mfa_answer ends the sign-in
    _post_authentication(pool, client, user)


def signed_in(
    backend: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    user: CognitoIdpUser,
) -> dict[str, Any]:
    """The end of a successful sign-in: PostAuthentication (a raise: no tokens), then the
    tokens through the one mint path."""
    _post_authentication(pool, client, user)
    return moto_seam.log_user_in(backend, pool, client, user.username)


def _post_authentication(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser
) -> None:
    if not lambda_triggers.has_trigger(pool, "PostAuthentication"):
        return
    request = {
        "userAttributes": user_attributes(user),
        "newDeviceUsed": False,  # this pool remembers no devices
        "clientMetadata": client_metadata(),
    }
    sent = lambda_triggers.event(
        pool,
        "PostAuthentication_Authentication",
        user_name=user.username,
        client_id=client.id,
        request=request,
    )
    lambda_triggers.run(pool, "PostAuthentication", sent)
