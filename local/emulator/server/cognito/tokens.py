"""The refresh-token family behind a user's tokens, and the client's token lifetimes.

Every sign-in makes a refresh token (moto's `create_refresh_token`); here it also starts a
`RefreshFamily` keyed by its origin_jti, which every token issued from it carries. So
`auth_time` stays the sign-in's across refreshes, revoking the refresh token revokes the
access tokens issued from it, and GlobalSignOut revokes every family of the user. The tokens
themselves are minted in minting.py.
"""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from moto.cognitoidp.models import CognitoIdpUserPool

from .. import moto_seam
from . import keys
from .models import RefreshFamily, pool_state

_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def refresh_validity_seconds(pool: CognitoIdpUserPool, client_id: str) -> int:
    client = pool.clients.get(client_id)
    config = client.extended_config if client is not None else {}
    value = config.get("RefreshTokenValidity", 30)
    unit = (config.get("TokenValidityUnits") or {}).get("RefreshToken", "days")
    return int(value) * _UNITS.get(str(unit), 86400)


def token_validity_seconds(pool: CognitoIdpUserPool, client_id: str, token_use: str) -> int:
    """The client's AccessTokenValidity / IdTokenValidity (Cognito's default: 1 hour)."""
    client = pool.clients.get(client_id)
    config = client.extended_config if client is not None else {}
    key = "AccessToken" if token_use == "access" else "IdToken"  # noqa: S105
    value = config.get(f"{key}Validity")
    if value is None:
        return 3600
    unit = (config.get("TokenValidityUnits") or {}).get(key, "hours")
    return int(value) * _UNITS.get(str(unit), 3600)


def family_of(pool: CognitoIdpUserPool, origin_jti: object) -> RefreshFamily | None:
    if not isinstance(origin_jti, str):
        return None
    return pool_state(pool).families.get(origin_jti)


def access_claims(pool: CognitoIdpUserPool, token: str) -> dict[str, Any] | None:
    """The claims of an access token this pool signed, or None (not a token of ours)."""
    try:
        claims = dict(jwt.decode(token, keys.own_key(pool)[0]).claims)
    except (JoseError, ValueError, TypeError):
        return None
    if claims.get("token_use") != "access" or claims.get("iss", "").rsplit("/", 1)[-1] != pool.id:
        return None
    return claims


_original_create_refresh_token = CognitoIdpUserPool.create_refresh_token
_original_sign_out = CognitoIdpUserPool.sign_out


def _create_refresh_token(
    self: CognitoIdpUserPool, client_id: str, username: str
) -> tuple[str, str]:
    refresh_token, origin_jti = _original_create_refresh_token(self, client_id, username)
    now = time.time()
    state = pool_state(self)
    state.families[origin_jti] = RefreshFamily(
        origin_jti=origin_jti,
        client_id=client_id,
        username=username,
        auth_time=int(now),
        current=refresh_token,
        expires_at=now + refresh_validity_seconds(self, client_id),
    )
    state.refresh_index[refresh_token] = origin_jti
    return refresh_token, origin_jti


def _sign_out(self: CognitoIdpUserPool, username: str) -> None:
    """GlobalSignOut / AdminUserGlobalSignOut: every family of the user is revoked."""
    user = moto_seam.get_user(self, username)
    for family in pool_state(self).families.values():
        if family.username == username or (user is not None and family.username == user.username):
            family.revoked = True
    _original_sign_out(self, username)


def apply() -> None:
    """Install the patches (idempotent)."""
    pool = CognitoIdpUserPool
    if pool.create_refresh_token is _create_refresh_token:
        return
    pool.create_refresh_token = _create_refresh_token  # type: ignore[method-assign]
    pool.sign_out = _sign_out  # type: ignore[method-assign]
