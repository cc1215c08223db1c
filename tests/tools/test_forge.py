"""tools.forge: re-signed copies of a real token, each with the property its name promises."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.forge import expired_copy, forged_copy, resigned, unique_copies


@pytest.fixture(scope="module")
def issuer_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def token(issuer_key: rsa.RSAPrivateKey) -> str:
    now = int(time.time())
    claims = {"sub": "abc", "aud": "client", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, issuer_key, algorithm="RS256", headers={"kid": "k1"})


def _verify(token: str, key: rsa.RSAPrivateKey, *, verify_exp: bool = True) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token,
        key.public_key(),
        algorithms=["RS256"],
        audience="client",
        options={"verify_exp": verify_exp},
    )
    return claims


def test_expired_copy_is_validly_signed_but_expired(
    token: str, issuer_key: rsa.RSAPrivateKey
) -> None:
    """GIVEN a valid token WHEN an expired copy is made with the issuer's key THEN its
    signature verifies, its kid is kept, and it is expired; the other claims are unchanged."""
    copy = expired_copy(token, issuer_key)
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(copy, issuer_key)
    claims = _verify(copy, issuer_key, verify_exp=False)
    assert claims["sub"] == "abc"
    assert jwt.get_unverified_header(copy)["kid"] == "k1"


def test_forged_copy_keeps_claims_and_kid_but_fails_the_signature(
    token: str, issuer_key: rsa.RSAPrivateKey
) -> None:
    """GIVEN a valid token WHEN a forged copy is made THEN same claims and kid, but the
    issuer's key does not verify it."""
    copy = forged_copy(token)
    assert jwt.decode(copy, options={"verify_signature": False}) == jwt.decode(
        token, options={"verify_signature": False}
    )
    assert jwt.get_unverified_header(copy)["kid"] == "k1"
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(copy, issuer_key)


def test_unique_copies_are_all_valid_and_all_different(
    token: str, issuer_key: rsa.RSAPrivateKey
) -> None:
    """GIVEN a valid token WHEN 20 unique copies are made THEN each verifies and no two are
    equal (each has its own jti)."""
    copies = unique_copies(token, issuer_key, 20)
    assert len(set(copies)) == 20
    assert len({_verify(copy, issuer_key)["jti"] for copy in copies}) == 20


def test_resigned_applies_the_changes(token: str, issuer_key: rsa.RSAPrivateKey) -> None:
    """GIVEN a token WHEN re-signed with a changed claim THEN only that claim differs."""
    copy = resigned(token, issuer_key, sub="other")
    assert _verify(copy, issuer_key)["sub"] == "other"
