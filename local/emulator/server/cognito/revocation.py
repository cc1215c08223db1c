"""Revocation: `RevokeToken`, and access tokens that Cognito's own APIs refuse once revoked.

RevokeToken takes a refresh token of the calling client (with its secret, when it has one;
the client must have `EnableTokenRevocation`) and revokes its family: the refresh token and
every access token issued from it (same origin_jti). GlobalSignOut revokes every family of the
user (tokens.py). Cognito's APIs that take an access token then answer "Access Token has been
revoked"; API Gateway's JWT authorizer verifies offline and keeps accepting the access token
until it expires, as on AWS.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from .exceptions import (
    ACCESS_REVOKED,
    NOT_ISSUED_TO_CLIENT,
    InvalidParameterError,
    NotAuthorizedError,
    UnauthorizedError,
    UnsupportedOperationError,
    UnsupportedTokenTypeError,
)
from .models import all_pools, pool_state
from .tokens import access_claims, family_of


def revoke_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: Any, secret: Any
) -> None:
    """Revoke the refresh token's family; a token that is not a live one of ours is already
    unusable, so that is a success too (RFC 7009), unless it belongs to another client."""
    if not isinstance(token, str) or not token:
        raise InvalidParameterError("Missing required parameter Token")
    secret_ok = isinstance(secret, str) and hmac.compare_digest(
        secret.encode(), str(client.secret).encode()
    )
    if client.generate_secret and not secret_ok:
        raise NotAuthorizedError(
            f"Client {client.id} is configured with a secret: ClientSecret is missing or wrong",
        )
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise UnsupportedOperationError("Token revocation is not enabled for this app client.")
    if token.count(".") == 2:  # a JWT: access or ID token
        raise UnsupportedTokenTypeError("Only refresh tokens can be revoked.")
    state = pool_state(pool)
    origin = state.refresh_index.get(token)
    family = state.families.get(origin) if origin is not None else None
    if family is None:
        entry = pool.refresh_tokens.get(token)
        if entry is not None and entry[0] != client.id:
            raise UnauthorizedError(NOT_ISSUED_TO_CLIENT)
        if entry is not None:
            pool.refresh_tokens[token] = None
        return
    if family.client_id != client.id:
        raise UnauthorizedError(NOT_ISSUED_TO_CLIENT)
    family.revoked = True
    for refresh_token in [family.current, *family.retired]:
        if refresh_token in pool.refresh_tokens:
            pool.refresh_tokens[refresh_token] = None


def check_access_token(token: Any) -> None:
    """Refuse, as Cognito does, an access token that is revoked, expired or not ours; a token
    moto does not know at all is left to moto's own answer."""
    if not isinstance(token, str) or not token:
        return
    for pool in all_pools():
        claims = access_claims(pool, token)
        if claims is None:
            continue
        family = family_of(pool, claims.get("origin_jti"))
        if family is not None and family.revoked:
            raise NotAuthorizedError(ACCESS_REVOKED)
        if int(claims.get("exp", 0)) < time.time():
            raise NotAuthorizedError("Access Token has expired")
        return
