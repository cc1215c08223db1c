"""The one token forger: copies of a real token that an authorizer must treat differently.

The load test mixes valid, expired and forged tokens; the benchmark needs many unique valid ones.
All start from a real token (its claims and kid) and re-sign it, so nothing here invents a claim
shape. Signing with a key an issuer trusts is only possible with a test issuer's key (the local
emulator's Cognito key is public, shipped in moto): pass that key in.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.jwt_signing import sign_claims


def _claims_and_kid(token: str) -> tuple[dict[str, Any], str | None]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token).get("kid")
    return claims, kid


def resigned(token: str, key: rsa.RSAPrivateKey, **changes: Any) -> str:
    """The token's claims (with `changes` applied) signed again with `key` under the same kid."""
    claims, kid = _claims_and_kid(token)
    return sign_claims(claims | changes, key, kid)


def expired_copy(token: str, key: rsa.RSAPrivateKey) -> str:
    """Validly signed (with the issuer's `key`) but expired an hour ago: must get 401."""
    now = int(time.time())
    return resigned(token, key, iat=now - 7200, auth_time=now - 7200, exp=now - 3600)


def forged_copy(token: str) -> str:
    """Same claims and kid, signed by a key nobody trusts: must get 401."""
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return resigned(token, stranger)


def unique_copies(token: str, key: rsa.RSAPrivateKey, count: int) -> list[str]:
    """`count` valid copies differing by jti: each is new to the authorizer's cache."""
    return [resigned(token, key, jti=str(uuid.uuid4())) for _ in range(count)]
