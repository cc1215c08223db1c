"""The one JWT signer: an RS256 key with its kid, signing claims and publishing its JWKS.

Every token the product mints goes through here (the emulator's trigger-changed Cognito tokens,
the hosted UI's, the stand-in issuers', the benchmark's, the forger's copies), with PyJWT, so
a header or algorithm choice is made once. Lives in tools/ because tools never import local/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"


def sign_claims(
    claims: dict[str, Any],
    key: rsa.RSAPrivateKey,
    kid: str | None,
    header: dict[str, Any] | None = None,
) -> str:
    """A compact RS256 JWT of `claims`. Header: alg, typ JWT (`header` may change typ, or drop
    it with None) and `kid` when given."""
    headers = {**(header or {}), **({"kid": kid} if kid else {})}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=headers or None)


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key and the kid its tokens and its JWKS name it by."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any], kid: str | None = None) -> SigningKey:
        """From a private JWK (its own kid unless `kid` is given)."""
        return _from_jwk_text(json.dumps(jwk, sort_keys=True), kid or str(jwk.get("kid", "")))

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        return sign_claims(claims, self.private_key, self.kid, header)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return jwk | {"kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        """The key set document (`/.well-known/jwks.json`) that verifies this key's tokens."""
        return {"keys": [self.public_jwk()]}


@cache
def _from_jwk_text(text: str, kid: str) -> SigningKey:
    # Parsing a JWK costs more than signing with it; the emulator signs with one key a lot.
    key = RSAAlgorithm.from_jwk(text)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the JWK is not an RSA private key")
    return SigningKey(kid, key)
