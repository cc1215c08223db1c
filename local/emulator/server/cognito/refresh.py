"""Refreshing tokens: `InitiateAuth`/`AdminInitiateAuth` REFRESH_TOKEN_AUTH and
`GetTokensFromRefreshToken` (what Amplify JS v6 calls), with Cognito's refresh-token rotation.

A refresh token works only for the client it was issued to, until it expires, is revoked
(RevokeToken, GlobalSignOut) or, with rotation, is replaced: with `RefreshTokenRotation`
`Feature: ENABLED` on the client, REFRESH_TOKEN_AUTH is refused, every
GetTokensFromRefreshToken returns a new refresh token and the old one keeps working only for
the client's `RetryGracePeriodSeconds`. New tokens keep the sign-in's `auth_time` and
origin_jti; the pre token trigger runs with `TokenGeneration_RefreshTokens`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient, UserStatus

from .. import moto_seam
from . import minting
from .exceptions import REFRESH_REVOKED, InvalidParameterError, NotAuthorizedError
from .models import RefreshFamily, pool_state


def rotation(client: CognitoIdpUserPoolClient) -> tuple[bool, int]:
    """(enabled, grace period in seconds) from the client's RefreshTokenRotation."""
    config = client.extended_config.get("RefreshTokenRotation") or {}
    if not isinstance(config, dict) or config.get("Feature") != "ENABLED":
        return False, 0
    return True, int(config.get("RetryGracePeriodSeconds") or 0)


def _family(pool: CognitoIdpUserPool, refresh_token: str) -> RefreshFamily:
    """The token's family; tokens moto made before this add-on ran get one on the fly."""
    state = pool_state(pool)
    origin = state.refresh_index.get(refresh_token)
    family = state.families.get(origin) if origin is not None else None
    if family is not None:
        return family
    if refresh_token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    entry = pool.refresh_tokens[refresh_token]
    if entry is None:
        raise NotAuthorizedError(REFRESH_REVOKED)
    client_id, username, origin_jti = entry
    family = RefreshFamily(
        origin_jti=origin_jti,
        client_id=client_id,
        username=username,
        auth_time=int(time.time()),
        current=refresh_token,
        expires_at=time.time() + 30 * 86400,
    )
    state.families[origin_jti] = family
    state.refresh_index[refresh_token] = origin_jti
    return family


def _usable(pool: CognitoIdpUserPool, family: RefreshFamily, refresh_token: str) -> None:
    now = time.time()
    if family.revoked or pool.refresh_tokens.get(refresh_token, ()) is None:
        raise NotAuthorizedError(REFRESH_REVOKED)
    if refresh_token != family.current and now > family.retired.get(refresh_token, 0.0):
        raise NotAuthorizedError(REFRESH_REVOKED)
    if now > family.expires_at:
        raise NotAuthorizedError("Refresh Token has expired")
    user = moto_seam.get_user(pool, family.username)
    if user is None:
        raise NotAuthorizedError("User does not exist.")
    if not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    if user.status is not UserStatus.CONFIRMED and str(user.status) != "CONFIRMED":
        raise NotAuthorizedError("User is not confirmed.")


def usable_family(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, refresh_token: str
) -> RefreshFamily:
    """The family of a refresh token the client may use now; NotAuthorized (the pool's
    message) when it is unknown, another client's, revoked, rotated out or expired."""
    family = _family(pool, refresh_token)
    if family.client_id != client.id:
        raise NotAuthorizedError("Invalid Refresh Token")
    _usable(pool, family, refresh_token)
    return family


def rotate(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, family: RefreshFamily
) -> str | None:
    """With rotation on: the family's new refresh token (the old one lives on for the grace
    period); else None."""
    enabled, grace = rotation(client)
    if not enabled:
        return None
    new_token = str(uuid.uuid4())
    pool.refresh_tokens[new_token] = (client.id, family.username, family.origin_jti)
    family.retired[family.current] = time.time() + grace
    family.current = new_token
    pool_state(pool).refresh_index[new_token] = family.origin_jti
    return new_token


def refresh(
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    refresh_token: Any,
    *,
    api: str,
) -> dict[str, Any]:
    """New ID and access tokens (and, with rotation, a new refresh token).

    `api` is "initiate_auth" (REFRESH_TOKEN_AUTH) or "get_tokens" (GetTokensFromRefreshToken).
    """
    if not isinstance(refresh_token, str) or not refresh_token:
        raise InvalidParameterError("Missing required parameter REFRESH_TOKEN")
    if rotation(client)[0] and api == "initiate_auth":
        raise NotAuthorizedError(
            "Refresh token rotation is enabled for this app client: "
            "use GetTokensFromRefreshToken instead of REFRESH_TOKEN_AUTH"
        )
    family = usable_family(pool, client, refresh_token)
    minted = minting.user_tokens(
        pool, client.id, family.username, family.origin_jti, source=minting.REFRESH
    )
    result: dict[str, Any] = {
        "AccessToken": minted.access_token,
        "ExpiresIn": minted.expires_in,
        "TokenType": "Bearer",
        "IdToken": minted.id_token,
    }
    new_token = rotate(pool, client, family)
    if new_token is not None:
        result["RefreshToken"] = new_token
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


def family_user(pool: CognitoIdpUserPool, refresh_token: object) -> str | None:
    """The username a refresh token was issued to (for the client's SECRET_HASH), if known."""
    if not isinstance(refresh_token, str):
        return None
    origin = pool_state(pool).refresh_index.get(refresh_token)
    family = pool_state(pool).families.get(origin) if origin is not None else None
    if family is not None:
        return family.username
    entry = pool.refresh_tokens.get(refresh_token)
    return entry[1] if entry else None
