"""Access tokens shaped as each external provider issues them: one function per provider.

The local stand-in issuers sign what these functions return, so a token from `make token` has
the header and claims a real tenant would put there (the providers' public docs):

* Auth0 (default "Auth0 token profile"): ``iss`` ``https://{domain}/`` with its trailing slash;
  user tokens carry ``aud`` as a list with the API identifier and the tenant's userinfo URL,
  ``sub`` ``auth0|...``, ``azp`` (the client), ``scope`` (space separated, OIDC scopes first)
  and, with RBAC's "add permissions in the access token", a ``permissions`` array; machine
  (client-credentials) tokens carry ``sub`` ``{client_id}@clients``, ``aud`` the API identifier
  and ``gty`` ``client-credentials``. API access tokens last 86400 s by default.
* Okta (custom authorization server): ``ver`` 1, ``jti`` ``AT....``, ``iss``
  ``https://{domain}/oauth2/{server}``, ``aud`` the API audience (a string), ``cid`` (the client),
  ``scp`` an array; user tokens add ``uid`` (the ``00u...`` user id), ``auth_time`` and ``sub``
  (the login); machine tokens have ``sub`` = the client id. One hour by default. The header
  has no ``typ``.
* Generic OIDC: the standard JWT access-token profile (RFC 9068): header ``typ`` ``at+jwt``;
  ``iss``, ``exp``, ``aud``, ``sub``, ``client_id``, ``iat``, ``jti``, ``scope``; user tokens
  add ``auth_time``.

AWS reads scopes from ``scope`` or ``scp`` only: Auth0's ``permissions`` is not a scope claim.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

OIDC_USER_SCOPES = ("openid", "profile", "email")
"""What a user's sign-in asks for besides the API's scopes (so user tokens look like real ones)."""


class Provider(StrEnum):
    """The `auth` context values served by a local stand-in issuer."""

    AUTH0 = "auth0"
    OKTA = "okta"
    OIDC = "jwt"


@dataclass(frozen=True)
class DemoUser:
    """The signed-in user of a user-style token."""

    user_id: str  # the provider's own id form (auth0|..., 00u..., a UUID)
    email: str


@dataclass(frozen=True)
class TokenRequest:
    """What a token endpoint knows when it issues one access token."""

    issuer: str
    audience: str  # the API identifier the caller asked for
    client_id: str
    scopes: tuple[str, ...]  # the API scopes granted
    now: int
    user: DemoUser | None  # None: a machine (client-credentials) token


@dataclass(frozen=True)
class ShapedToken:
    """The JOSE header fields (besides ``alg``/``kid``) and the claims to sign."""

    header: dict[str, Any]
    claims: dict[str, Any]


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def auth0_token(request: TokenRequest) -> ShapedToken:
    """Auth0's default access-token profile (``access_token_authz``: permissions included)."""
    claims: dict[str, Any] = {"iss": request.issuer}
    if request.user is None:
        claims |= {"sub": f"{request.client_id}@clients", "aud": request.audience}
    else:
        userinfo = request.issuer + "userinfo"  # the issuer ends with '/'
        claims |= {"sub": request.user.user_id, "aud": [request.audience, userinfo]}
    claims |= {"iat": request.now, "exp": request.now + 86400, "azp": request.client_id}
    granted = request.scopes if request.user is None else (*OIDC_USER_SCOPES, *request.scopes)
    if granted:
        claims["scope"] = " ".join(granted)
    if request.user is None:
        claims["gty"] = "client-credentials"
    claims["permissions"] = list(request.scopes)
    return ShapedToken(header={"typ": "JWT"}, claims=claims)


def okta_token(request: TokenRequest) -> ShapedToken:
    """An Okta custom authorization server's access token."""
    claims: dict[str, Any] = {
        "ver": 1,
        "jti": "AT." + _random(string.ascii_letters + string.digits + "-_", 43),
        "iss": request.issuer,
        "aud": request.audience,
        "iat": request.now,
        "exp": request.now + 3600,
        "cid": request.client_id,
    }
    if request.user is None:
        claims |= {"scp": list(request.scopes), "sub": request.client_id}
    else:
        claims |= {
            "uid": request.user.user_id,
            "scp": [*OIDC_USER_SCOPES, *request.scopes],
            "auth_time": request.now,
            "sub": request.user.email,
        }
    return ShapedToken(header={"typ": None}, claims=claims)


def oidc_token(request: TokenRequest) -> ShapedToken:
    """The JWT profile for OAuth 2.0 access tokens (RFC 9068), as standard OIDC servers issue."""
    subject = request.client_id if request.user is None else request.user.user_id
    claims: dict[str, Any] = {
        "iss": request.issuer,
        "exp": request.now + 3600,
        "aud": request.audience,
        "sub": subject,
        "client_id": request.client_id,
        "iat": request.now,
        "jti": secrets.token_hex(16),
    }
    granted = request.scopes if request.user is None else (*OIDC_USER_SCOPES, *request.scopes)
    if granted:
        claims["scope"] = " ".join(granted)
    if request.user is not None:
        claims["auth_time"] = request.now
    return ShapedToken(header={"typ": "at+jwt"}, claims=claims)


SHAPES: Mapping[Provider, Callable[[TokenRequest], ShapedToken]] = {
    Provider.AUTH0: auth0_token,
    Provider.OKTA: okta_token,
    Provider.OIDC: oidc_token,
}


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\n".join(parts).encode()).digest()


def demo_user(provider: Provider, issuer: str, email: str) -> DemoUser:
    """The user behind `email`, with an id of the provider's form: the same id for the same
    issuer and e-mail, so a profile stored under ``sub`` is found again with the next token."""
    digest = _digest(provider, issuer, email)
    if provider is Provider.AUTH0:
        user_id = "auth0|" + digest.hex()[:24]
    elif provider is Provider.OKTA:
        user_id = "00u" + _base62(digest, 17)
    else:
        user_id = str(uuid.UUID(bytes=digest[:16], version=4))
    return DemoUser(user_id=user_id, email=email)


def demo_client_id(provider: Provider) -> str:
    """A new client id of the provider's form (Auth0: 32 characters; Okta: ``0oa...``)."""
    alphanumeric = string.ascii_letters + string.digits
    if provider is Provider.AUTH0:
        return _random(alphanumeric, 32)
    if provider is Provider.OKTA:
        return "0oa" + _random(alphanumeric, 17)
    return "profile-cli-" + secrets.token_hex(4)


def _base62(data: bytes, length: int) -> str:
    alphabet = string.digits + string.ascii_letters
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, 62)
        chars.append(alphabet[index])
    return "".join(chars)
