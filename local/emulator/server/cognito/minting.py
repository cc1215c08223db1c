"""THE one path that mints the pool's tokens: claims, the pre token trigger, one signature.

Every token the local pool issues comes from here: a user's ID and access tokens for a sign-in
(InitiateAuth/AdminInitiateAuth and their challenges), a refresh, an OAuth flow (with its
granted scopes, the authorize request's nonce, at_hash and the sign-in's auth_time), and a
client_credentials access token. The claims are built in Cognito's shape (moto's claim set,
plus what Cognito adds: auth_time kept across a refresh family, email_verified and
phone_number_verified as booleans, the client's token validity), the pool's pre token trigger
runs once per issue (triggers.py) and each token is signed once with the pool's key (keys.py).

moto's own minting is switched off: its sign-in (`CognitoIdpBackend._log_user_in`), its
refresh (`create_tokens_from_refresh_token`) and its per-token methods (`create_access_token`,
`create_id_token`) call into this module, and its signer (`create_jwt`) refuses to run.
moto's private names (`_get_user`, `_log_user_in`) are reached through moto_seam.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core.util import create_half_hash
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolClient

from .. import moto_seam
from . import keys, triggers
from .pool_settings import issuer
from .tokens import family_of, token_validity_seconds

# What InitiateAuth's access tokens carry; never part of an OAuth flow's scopes.
ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
SIGN_IN = "TokenGeneration_Authentication"
REFRESH = "TokenGeneration_RefreshTokens"


@dataclass(frozen=True)
class OAuthFlow:
    """What an OAuth flow changes in a user's tokens: the access token's scope is the granted
    scopes (plus what the trigger added); an ID token only with `openid`, with the authorize
    request's nonce (none after a refresh), at_hash, and the sign-in's auth_time."""

    scopes: tuple[str, ...]
    auth_time: int | None  # None: the sign-in's (a password sign-in happening now)
    nonce: str | None = None


@dataclass(frozen=True)
class Minted:
    access_token: str
    id_token: str | None
    expires_in: int


def _as_bool(value: object) -> bool:
    return str(value if value is not None else "false").lower() == "true"


def _base_claims(
    pool: CognitoIdpUserPool, client_id: str, username: str, token_use: str, expires_in: int
) -> dict[str, Any]:
    """moto's claim set, in its order (what Cognito's tokens carry first)."""
    now, access = int(time.time()), token_use == "access"  # noqa: S105 - a token kind
    user = moto_seam.existing_user(pool, username)
    claims: dict[str, Any] = {
        "iss": issuer(pool),
        "sub": user.id,
        "client_id" if access else "aud": client_id,
        "token_use": token_use,
        "iat": now,
        "auth_time": now,
        "exp": now + expires_in,
        "jti": str(uuid.uuid4()),
    }
    username_is_email = "email" in pool.extended_config.get("UsernameAttributes", [])
    if access:
        claims["username"] = claims["sub"] if username_is_email else username
    else:
        claims["cognito:username"] = claims["sub"] if username_is_email else username
        if username_is_email:
            claims["email"] = username
    return claims


def access_claims(
    pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> dict[str, Any]:
    """A user's access token claims before the trigger: the sign-in's family and auth_time."""
    expires_in = token_validity_seconds(pool, client_id, "access")
    claims = _base_claims(pool, client_id, username, "access", expires_in)
    claims |= {"origin_jti": origin_jti, "scope": ADMIN_API_SCOPE}
    user = moto_seam.existing_user(pool, username)
    if user.groups:
        claims["cognito:groups"] = [group.group_name for group in user.groups]
    family = family_of(pool, origin_jti)
    if family is not None:
        claims["auth_time"] = family.auth_time
    return claims


def id_claims(
    pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> dict[str, Any]:
    """A user's ID token claims before the trigger: the client's readable attributes, custom
    attributes, groups, and the verified flags as booleans."""
    user = moto_seam.existing_user(pool, username)
    extra: dict[str, Any] = pool.get_user_extra_data_by_client_id(client_id, username)
    extra["origin_jti"] = origin_jti
    for attribute in user.attributes:
        if attribute["Name"].startswith("custom:"):
            extra[attribute["Name"]] = attribute["Value"]
    if user.groups:
        extra["cognito:groups"] = [group.group_name for group in user.groups]
    family = family_of(pool, origin_jti)
    if family is not None:
        extra["auth_time"] = family.auth_time
    lookup = user.attribute_lookup
    if "email" in lookup:
        extra.setdefault("email", lookup["email"])
        extra["email_verified"] = _as_bool(lookup.get("email_verified"))
    if "phone_number" in lookup:
        extra["phone_number_verified"] = _as_bool(lookup.get("phone_number_verified"))
    expires_in = token_validity_seconds(pool, client_id, "id")
    return _base_claims(pool, client_id, username, "id", expires_in) | extra


def _for_flow(
    pool: CognitoIdpUserPool,
    username: str,
    access: dict[str, Any],
    identity: dict[str, Any],
    flow: OAuthFlow,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The OAuth flow's changes (OAuthFlow); at_hash is added once the access token is signed."""
    added = [
        scope
        for scope in str(access.get("scope", "")).split()
        if scope != ADMIN_API_SCOPE and scope not in flow.scopes
    ]
    auth_time = access["auth_time"] if flow.auth_time is None else flow.auth_time
    access = access | {"scope": " ".join([*flow.scopes, *added]), "auth_time": auth_time}
    if "openid" not in flow.scopes:
        return access, None
    identity = dict(identity)
    identity.pop("nonce", None)
    if flow.nonce is not None:
        identity["nonce"] = flow.nonce
    identity["auth_time"] = auth_time
    if "email" in identity:
        user = moto_seam.existing_user(pool, username)
        identity["email_verified"] = _as_bool(user.attribute_lookup.get("email_verified"))
    return access, identity


def user_tokens(
    pool: CognitoIdpUserPool,
    client_id: str,
    username: str,
    origin_jti: str,
    *,
    source: str = SIGN_IN,
    flow: OAuthFlow | None = None,
) -> Minted:
    """A user's access and ID tokens: claims, the trigger once (`source` is its
    triggerSource), the OAuth flow's changes, one signature each."""
    access = access_claims(pool, client_id, username, origin_jti)
    identity = id_claims(pool, client_id, username, origin_jti)
    overrides = triggers.run_for_user(pool, client_id, username, source)
    if overrides is not None:
        access, identity = overrides.apply(access, "access"), overrides.apply(identity, "id")
    expires_in = token_validity_seconds(pool, client_id, "access")
    if flow is None:
        access_token, id_token = keys.encode(pool, access), keys.encode(pool, identity)
        pool.access_tokens[access_token] = (client_id, username)  # what moto's GetUser reads
        pool.id_tokens[id_token] = (client_id, username)
        return Minted(access_token, id_token, expires_in)
    access, flow_identity = _for_flow(pool, username, access, identity, flow)
    access_token = keys.encode(pool, access)
    if flow_identity is None:
        return Minted(access_token, None, expires_in)
    flow_identity["at_hash"] = create_half_hash(access_token, "RS256").decode()
    return Minted(access_token, keys.encode(pool, flow_identity), expires_in)


def client_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, scopes: list[str]
) -> tuple[str, int]:
    """A machine-to-machine access token shaped like Cognito's: sub = client_id, no user; a
    version 3 trigger runs first."""
    now = int(time.time())
    expires_in = token_validity_seconds(pool, client.id, "access")
    claims: dict[str, Any] = {
        "sub": client.id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": issuer(pool),
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client.id,
    }
    overrides = triggers.run_for_client(pool, client.id, scopes)
    if overrides is not None:
        claims = overrides.apply(claims, "access")
    return keys.encode(pool, claims), expires_in


# ---- moto's minting, routed here ------------------------------------------------------------


# The OAuth flow a sign-in on this thread is for (signing_in_for), if any.
_flow = threading.local()


@contextlib.contextmanager
def signing_in_for(flow: OAuthFlow) -> Iterator[None]:
    """Sign-ins completed in this block mint the OAuth flow's tokens (the pool's sign-in rules
    run unchanged: moto's and our challenge code end in sign_in_result)."""
    _flow.value = flow
    try:
        yield
    finally:
        _flow.value = None


def sign_in_result(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str
) -> dict[str, Any]:
    """A completed sign-in: a new refresh-token family and its first tokens (moto's answer);
    `OriginJti` too, for an OAuth flow's sign-in (signing_in_for)."""
    refresh_token, origin_jti = pool.create_refresh_token(client.id, username)
    flow: OAuthFlow | None = getattr(_flow, "value", None)
    minted = user_tokens(pool, client.id, username, origin_jti, source=SIGN_IN, flow=flow)
    extra = {} if flow is None else {"OriginJti": origin_jti}
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": {
            "IdToken": minted.id_token,
            "AccessToken": minted.access_token,
            "RefreshToken": refresh_token,
            "ExpiresIn": minted.expires_in,
            "TokenType": "Bearer",
        }
        | extra,
    }


def _log_user_in(
    self: CognitoIdpBackend,
    user_pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    username: str,
) -> dict[str, Any]:
    return sign_in_result(user_pool, client, username)


def _create_tokens_from_refresh_token(
    self: CognitoIdpUserPool, refresh_token: str
) -> tuple[str, str, int]:
    entry = self.refresh_tokens[refresh_token]
    if entry is None or not entry[1]:
        raise NotAuthorizedError(refresh_token)
    client_id, username, origin_jti = entry
    minted = user_tokens(self, client_id, username, origin_jti, source=REFRESH)
    assert minted.id_token is not None
    return minted.access_token, minted.id_token, minted.expires_in


# An access token minted with its ID token, kept for moto's create_id_token that follows.
_pending_id_token = threading.local()


def _create_access_token(
    self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> tuple[str, int]:
    minted = user_tokens(self, client_id, username, origin_jti)
    _pending_id_token.value = (origin_jti, minted.id_token, minted.expires_in)
    return minted.access_token, minted.expires_in


def _create_id_token(
    self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> tuple[str, int]:
    pending = getattr(_pending_id_token, "value", None)
    _pending_id_token.value = None
    if pending is not None and pending[0] == origin_jti:
        return pending[1], pending[2]
    minted = user_tokens(self, client_id, username, origin_jti)
    assert minted.id_token is not None
    return minted.id_token, minted.expires_in


def _moto_signing_refused(self: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("moto's create_jwt is not used: the pool mints in cognito/minting.py")


def install_moto_hooks() -> None:
    """Route moto's minting into this module (idempotent)."""
    pool = CognitoIdpUserPool
    pool.create_tokens_from_refresh_token = _create_tokens_from_refresh_token  # type: ignore[method-assign]
    pool.create_access_token = _create_access_token  # type: ignore[method-assign]
    pool.create_id_token = _create_id_token  # type: ignore[method-assign]
    pool.create_jwt = _moto_signing_refused  # type: ignore[method-assign]
    moto_seam.replace_log_user_in(_log_user_in)
