"""Each user pool signs with a key of its own, not moto's published test key.

moto signs every pool's tokens with one RSA key pair shipped in its package (kid `dummy`):
anyone who has moto could forge a local token, and another user on the machine could call the
local API as anyone. Here each pool gets a 2048-bit RSA key made for this state the first time
it signs or publishes (pools of older kept states too), with a Cognito-shaped kid (base64 of
the public key's SHA-256). It lives on the pool, so only the kept state holds it (0600, like
all of `.local/`); the pool's JWKS publishes the public half; `GET /_local/pool-keys` (signed
with the run's credentials, like every /_local path) hands the private one to the run's tools
that must make tokens the pool's verifiers accept (load test, benchmarks, tests); the pool
itself signs each of its tokens once (minting.py).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any

from cryptography.hazmat.primitives import serialization
from joserfc import jwk, jwt
from moto.cognitoidp.models import CognitoIdpUserPool

KID_ATTRIBUTE = "local_signing_kid"
_lock = threading.Lock()


def _kid(key: jwk.RSAKey) -> str:
    public = key.as_dict(private=False)
    der = jwk.RSAKey.import_key(public).public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def own_key(pool: CognitoIdpUserPool) -> tuple[jwk.RSAKey, str]:
    """The pool's signing key and kid, made on first use (replacing moto's shared one)."""
    kid = getattr(pool, KID_ATTRIBUTE, None)
    if kid is None:
        with _lock:
            kid = getattr(pool, KID_ATTRIBUTE, None)
            if kid is None:
                key = jwk.RSAKey.generate_key(2048, private=True)
                kid = _kid(key)
                pool.json_web_key = key
                setattr(pool, KID_ATTRIBUTE, kid)
    assert isinstance(kid, str)
    return pool.json_web_key, kid


def public_jwks(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """The pool's JWKS document, as Cognito's `/.well-known/jwks.json` shapes it."""
    key, kid = own_key(pool)
    public = key.as_dict(private=False)
    return {
        "keys": [
            {
                "alg": "RS256",
                "e": public["e"],
                "kid": kid,
                "kty": "RSA",
                "n": public["n"],
                "use": "sig",
            }
        ]
    }


def private_jwk(pool: CognitoIdpUserPool) -> dict[str, Any]:
    key, kid = own_key(pool)
    return dict(key.as_dict(private=True)) | {"kid": kid, "alg": "RS256", "use": "sig"}


def encode(pool: CognitoIdpUserPool, claims: dict[str, Any]) -> str:
    """Sign `claims` with the pool's key, header `{kid, alg}` as Cognito's."""
    key, kid = own_key(pool)
    return jwt.encode({"kid": kid, "alg": "RS256"}, claims, key)
