"""A catalogue of tokens API Gateway's JWT authorizer refuses, reusable through any transport.

Each :class:`BadTokenCase` builds the value of one request header from the signing material,
the configured issuer and audience, and the current time, and states the answer AWS gives:
status, and the ``error_description`` of the ``www-authenticate`` challenge (None when the
challenge is the bare ``Bearer`` of a missing token, or for 403). Run it in-process against
``JwtAuthorizer.authorize`` or over HTTP against the local server: the expectations are the
same. The issuer/audience must be the ones the authorizer under test is configured with, and
``material.jwks()`` must be what its JWKS location serves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, RSAPSSAlgorithm

MISSING: Any = object()
"""Use as a claim override (or kid) to leave it out."""
_MAIN_KID: Any = object()

SCOPED_ROUTE = ("profile/read",)


@dataclass(frozen=True)
class SigningMaterial:
    """Keys for the tests: what the issuer publishes, and what an attacker might hold."""

    kid: str
    private_key: rsa.RSAPrivateKey
    rs256_only_kid: str
    rs256_only_key: rsa.RSAPrivateKey
    ec_kid: str
    ec_key: ec.EllipticCurvePrivateKey
    stranger_key: rsa.RSAPrivateKey
    """An RSA key the issuer never published."""

    @classmethod
    def generate(cls) -> SigningMaterial:
        def rsa_key() -> rsa.RSAPrivateKey:
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)

        return cls(
            kid="main-key",
            private_key=rsa_key(),
            rs256_only_kid="rs256-only-key",
            rs256_only_key=rsa_key(),
            ec_kid="ec-key",
            ec_key=ec.generate_private_key(ec.SECP256R1()),
            stranger_key=rsa_key(),
        )

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self) -> dict[str, Any]:
        """The issuer's JWKS: two RSA keys (one pinned to RS256) and an EC key AWS can't use."""
        main = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        pinned = json.loads(RSAAlgorithm.to_jwk(self.rs256_only_key.public_key()))
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec_key.public_key()))
        return {
            "keys": [
                {**main, "kid": self.kid, "use": "sig"},
                {**pinned, "kid": self.rs256_only_kid, "use": "sig", "alg": "RS256"},
                {**ec_jwk, "kid": self.ec_kid, "use": "sig", "alg": "ES256"},
            ]
        }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def compose(
    header: dict[str, Any],
    payload: dict[str, Any] | bytes,
    sign: Callable[[bytes], bytes] | None,
) -> str:
    """A compact JWS with any header and payload; ``sign`` None leaves the signature empty."""
    payload_bytes = payload if isinstance(payload, bytes) else _json_bytes(payload)
    signing_input = f"{b64url(_json_bytes(header))}.{b64url(payload_bytes)}"
    signature = sign(signing_input.encode("ascii")) if sign else b""
    return f"{signing_input}.{b64url(signature)}"


def rsa_signer(key: rsa.RSAPrivateKey, alg: str = "RS256") -> Callable[[bytes], bytes]:
    hashes = {"256": RSAAlgorithm.SHA256, "384": RSAAlgorithm.SHA384, "512": RSAAlgorithm.SHA512}
    algorithm = (RSAPSSAlgorithm if alg.startswith("PS") else RSAAlgorithm)(hashes[alg[2:]])
    return lambda message: algorithm.sign(message, key)


def valid_claims(issuer: str, audience: str, now: int, **overrides: Any) -> dict[str, Any]:
    """Claims of a Cognito-like ID token that passes every check; overrides change or drop."""
    claims: dict[str, Any] = {
        "sub": "0b3f7c1e-user",
        "iss": issuer,
        "aud": audience,
        "token_use": "id",
        "auth_time": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
        "email": "user@example.com",
    }
    for name, value in overrides.items():
        if value is MISSING:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def sign_token(
    material: SigningMaterial,
    claims: dict[str, Any] | bytes,
    *,
    alg: str = "RS256",
    kid: Any = _MAIN_KID,
    key: rsa.RSAPrivateKey | None = None,
) -> str:
    """An RSA-signed token; ``kid`` defaults to the main published key (MISSING: none)."""
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if kid is not MISSING:
        header["kid"] = material.kid if kid is _MAIN_KID else kid
    return compose(header, claims, rsa_signer(key or material.private_key, alg))


def good_token(material: SigningMaterial, issuer: str, audience: str, now: int) -> str:
    return sign_token(material, valid_claims(issuer, audience, now))


Maker = Callable[[SigningMaterial, str, str, int], str | None]


@dataclass(frozen=True)
class BadTokenCase:
    name: str
    make: Maker
    """(material, issuer, audience, now) -> header value, or None to send no header."""
    status: int
    error_description: str | None
    header: str = "authorization"
    route_scopes: tuple[str, ...] | None = None

    def headers(
        self, material: SigningMaterial, issuer: str, audience: str, now: int
    ) -> dict[str, str]:
        value = self.make(material, issuer, audience, now)
        return {} if value is None else {self.header: value}

    def expected_challenge(self) -> str | None:
        """The www-authenticate header AWS sends, or None when it sends none (403)."""
        if self.status == 403:
            return None
        if self.error_description is None:
            return "Bearer"
        return f'Bearer scope="" error="invalid_token" error_description="{self.error_description}"'


SEGMENTS = "token contains an invalid number of segments"
HEADER = "token is malformed: the header is not base64url-encoded JSON"
PAYLOAD = "token is malformed: the payload is not base64url-encoded JSON"
SIGNATURE_ENCODING = "token is malformed: the signature is not base64url-encoded"
ALGORITHM = "the token is not signed with a supported RSA algorithm (RS256, RS384, RS512)"
NO_KID = "the token header has no kid"
UNKNOWN_KID = "no key in the issuer's JWKS matches the token's kid"
KEY_ALGORITHM = "the token's algorithm does not match its key's algorithm"
SIGNATURE = "signature is invalid"
ISSUER = "the token does not have a valid issuer"
AUDIENCE = "the token does not have a valid audience"
NO_EXP = "the token has no exp claim"
EXP_TYPE = "the token's exp claim is not a number"
EXPIRED = "token is expired"
NBF_TYPE = "the token's nbf claim is not a number"
NOT_YET_VALID = "token is not valid yet"
IAT_TYPE = "the token's iat claim is not a number"
IAT_FUTURE = "token used before issued"
TOO_LARGE = "token is too large"


def _bearer(make_token: Callable[[SigningMaterial, str, str, int], str]) -> Maker:
    return lambda m, i, a, n: "Bearer " + make_token(m, i, a, n)


def _claims(**overrides: Any) -> Maker:
    """A correctly signed token whose claims differ from a valid one by ``overrides``."""
    return _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n, **overrides)))


def _claims_at(build: Callable[[str, str, int], dict[str, Any]]) -> Maker:
    """Like _claims, for overrides that depend on issuer/audience/now."""
    return _bearer(lambda m, i, a, n: sign_token(m, build(i, a, n)))


def _tamper_payload(m: SigningMaterial, i: str, a: str, n: int) -> str:
    header, _, signature = good_token(m, i, a, n).split(".")
    forged = b64url(_json_bytes(valid_claims(i, a, n, sub="admin")))
    return f"Bearer {header}.{forged}.{signature}"


def _tamper_signature(m: SigningMaterial, i: str, a: str, n: int) -> str:
    header, payload, signature = good_token(m, i, a, n).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    return f"Bearer {header}.{payload}.{b64url(bytes(raw))}"


def _hs256_with_public_key(m: SigningMaterial, i: str, a: str, n: int) -> str:
    """The classic confusion attack: HMAC keyed with the RSA public key's PEM."""
    pem = m.public_pem()
    return "Bearer " + compose(
        {"alg": "HS256", "typ": "JWT", "kid": m.kid},
        valid_claims(i, a, n),
        lambda message: hmac.new(pem, message, hashlib.sha256).digest(),
    )


def _es256(m: SigningMaterial, i: str, a: str, n: int) -> str:
    algorithm = ECAlgorithm(ECAlgorithm.SHA256)
    return "Bearer " + compose(
        {"alg": "ES256", "typ": "JWT", "kid": m.ec_kid},
        valid_claims(i, a, n),
        lambda message: algorithm.sign(message, m.ec_key),
    )


def _raw_payload(payload: bytes) -> Maker:
    return _bearer(lambda m, i, a, n: sign_token(m, payload))


def _other_issuer_form(issuer: str) -> str:
    return issuer[:-1] if issuer.endswith("/") else issuer + "/"


CASES: list[BadTokenCase] = [
    # --- the identity source ---
    BadTokenCase("no_authorization_header", lambda m, i, a, n: None, 401, None),
    BadTokenCase("empty_header", lambda m, i, a, n: "", 401, None),
    BadTokenCase("whitespace_only_header", lambda m, i, a, n: "   ", 401, None),
    BadTokenCase(
        "token_in_a_different_header", _bearer(good_token), 401, None, header="x-access-token"
    ),
    BadTokenCase("bearer_alone", lambda m, i, a, n: "Bearer", 401, SEGMENTS),
    BadTokenCase("bearer_and_space", lambda m, i, a, n: "Bearer ", 401, SEGMENTS),
    BadTokenCase("bearer_garbage", lambda m, i, a, n: "Bearer garbage", 401, SEGMENTS),
    BadTokenCase("basic_credentials", lambda m, i, a, n: "Basic dXNlcjpwYXNz", 401, SEGMENTS),
    # AWS documents the prefix as "Bearer"; lowercase is taken as part of a bare token.
    BadTokenCase(
        "lowercase_bearer_prefix",
        lambda m, i, a, n: "bearer " + good_token(m, i, a, n),
        401,
        HEADER,
    ),
    BadTokenCase(
        "huge_header", lambda m, i, a, n: "Bearer " + "a.b." + "c" * 20_000, 401, TOO_LARGE
    ),
    # --- decoding ---
    BadTokenCase("two_segments", lambda m, i, a, n: "Bearer aGVsbG8.d29ybGQ", 401, SEGMENTS),
    BadTokenCase(
        "four_segments",
        lambda m, i, a, n: "Bearer " + good_token(m, i, a, n) + ".extra",
        401,
        SEGMENTS,
    ),
    BadTokenCase("header_not_base64", lambda m, i, a, n: "Bearer !!!.abc.def", 401, HEADER),
    BadTokenCase(
        "header_not_json",
        lambda m, i, a, n: f"Bearer {b64url(b'not json')}.{b64url(b'{}')}.c2ln",
        401,
        HEADER,
    ),
    BadTokenCase(
        "header_is_a_json_array",
        lambda m, i, a, n: f"Bearer {b64url(b'[1,2]')}.{b64url(b'{}')}.c2ln",
        401,
        HEADER,
    ),
    BadTokenCase("non_ascii_token", lambda m, i, a, n: "Bearer \u00e9.\u00e9.\u00e9", 401, HEADER),
    BadTokenCase("payload_not_json", _raw_payload(b"{not json"), 401, PAYLOAD),
    BadTokenCase("payload_is_a_string", _raw_payload(b'"just a string"'), 401, PAYLOAD),
    BadTokenCase(
        "payload_with_nan_exp", _raw_payload(b'{"exp":NaN,"iss":"x","aud":"y"}'), 401, PAYLOAD
    ),
    BadTokenCase(
        "signature_not_base64",
        lambda m, i, a, n: "Bearer " + good_token(m, i, a, n).rsplit(".", 1)[0] + ".!!",
        401,
        SIGNATURE_ENCODING,
    ),
    # --- algorithm ---
    BadTokenCase(
        "alg_none",
        lambda m, i, a, n: (
            "Bearer "
            + compose({"alg": "none", "typ": "JWT", "kid": m.kid}, valid_claims(i, a, n), None)
        ),
        401,
        ALGORITHM,
    ),
    BadTokenCase(
        "alg_missing",
        lambda m, i, a, n: (
            "Bearer "
            + compose(
                {"typ": "JWT", "kid": m.kid}, valid_claims(i, a, n), rsa_signer(m.private_key)
            )
        ),
        401,
        ALGORITHM,
    ),
    BadTokenCase("hs256_signed_with_public_key", _hs256_with_public_key, 401, ALGORITHM),
    BadTokenCase("es256_signed", _es256, 401, ALGORITHM),
    BadTokenCase(
        "ps256_signed",
        _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n), alg="PS256")),
        401,
        ALGORITHM,
    ),
    # --- key ---
    BadTokenCase(
        "no_kid",
        _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n), kid=MISSING)),
        401,
        NO_KID,
    ),
    BadTokenCase(
        "kid_not_a_string",
        _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n), kid=123)),
        401,
        NO_KID,
    ),
    BadTokenCase(
        "unknown_kid",
        _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n), kid="no-such-key")),
        401,
        UNKNOWN_KID,
    ),
    BadTokenCase(
        "rs512_with_key_pinned_to_rs256",
        _bearer(
            lambda m, i, a, n: sign_token(
                m, valid_claims(i, a, n), alg="RS512", kid=m.rs256_only_kid, key=m.rs256_only_key
            )
        ),
        401,
        KEY_ALGORITHM,
    ),
    # --- signature ---
    BadTokenCase("tampered_payload", _tamper_payload, 401, SIGNATURE),
    BadTokenCase("tampered_signature", _tamper_signature, 401, SIGNATURE),
    BadTokenCase(
        "signed_by_another_rsa_key_with_the_same_kid",
        _bearer(lambda m, i, a, n: sign_token(m, valid_claims(i, a, n), key=m.stranger_key)),
        401,
        SIGNATURE,
    ),
    BadTokenCase(
        "alg_header_swapped_after_signing",
        lambda m, i, a, n: (
            "Bearer "
            + b64url(_json_bytes({"alg": "RS512", "typ": "JWT", "kid": m.kid}))
            + "."
            + good_token(m, i, a, n).split(".", 1)[1]
        ),
        401,
        SIGNATURE,
    ),
    BadTokenCase(
        "wrong_issuer_and_bad_signature_reports_signature",
        _bearer(
            lambda m, i, a, n: sign_token(
                m, valid_claims("https://evil.example.com", a, n), key=m.stranger_key
            )
        ),
        401,
        SIGNATURE,
    ),
    # --- issuer ---
    BadTokenCase("wrong_issuer", _claims(iss="https://evil.example.com"), 401, ISSUER),
    BadTokenCase(
        "issuer_trailing_slash_mismatch",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, iss=_other_issuer_form(i))),
        401,
        ISSUER,
    ),
    BadTokenCase(
        "issuer_differs_in_case",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, iss=i.upper())),
        401,
        ISSUER,
    ),
    BadTokenCase("issuer_missing", _claims(iss=MISSING), 401, ISSUER),
    BadTokenCase("issuer_not_a_string", _claims(iss=5), 401, ISSUER),
    # --- audience ---
    BadTokenCase("wrong_audience", _claims(aud="someone-else"), 401, AUDIENCE),
    BadTokenCase("audience_list_without_match", _claims(aud=["x", "y"]), 401, AUDIENCE),
    BadTokenCase("audience_empty_list", _claims(aud=[]), 401, AUDIENCE),
    BadTokenCase("audience_is_a_number", _claims(aud=5), 401, AUDIENCE),
    BadTokenCase(
        "wrong_aud_wins_over_matching_client_id",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, aud="someone-else", client_id=a)),
        401,
        AUDIENCE,
    ),
    BadTokenCase(
        "no_aud_and_wrong_client_id",
        _claims(aud=MISSING, client_id="someone-else", token_use="access"),
        401,
        AUDIENCE,
    ),
    BadTokenCase("no_aud_and_no_client_id", _claims(aud=MISSING), 401, AUDIENCE),
    BadTokenCase(
        "expired_and_wrong_audience_reports_audience",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, aud="someone-else", exp=n - 3600)),
        401,
        AUDIENCE,
    ),
    # --- time ---
    BadTokenCase(
        "expired_an_hour_ago",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, exp=n - 3600)),
        401,
        EXPIRED,
    ),
    BadTokenCase(
        "expired_one_second_ago",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, exp=n - 1)),
        401,
        EXPIRED,
    ),
    BadTokenCase(
        "expires_exactly_now",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, exp=n)),
        401,
        EXPIRED,
    ),
    BadTokenCase("exp_missing", _claims(exp=MISSING), 401, NO_EXP),
    BadTokenCase("exp_is_garbage_string", _claims(exp="abc"), 401, EXP_TYPE),
    BadTokenCase("exp_is_numeric_string", _claims(exp="9999999999"), 401, EXP_TYPE),
    BadTokenCase("exp_is_boolean", _claims(exp=True), 401, EXP_TYPE),
    BadTokenCase(
        "nbf_in_the_future",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, nbf=n + 60)),
        401,
        NOT_YET_VALID,
    ),
    BadTokenCase("nbf_is_a_string", _claims(nbf="yesterday"), 401, NBF_TYPE),
    BadTokenCase(
        "iat_in_the_future",
        _claims_at(lambda i, a, n: valid_claims(i, a, n, iat=n + 60)),
        401,
        IAT_FUTURE,
    ),
    BadTokenCase("iat_is_a_list", _claims(iat=[1]), 401, IAT_TYPE),
    # --- scopes (only on a route that requires SCOPED_ROUTE) ---
    BadTokenCase(
        "id_token_without_scope_on_scoped_route",
        _bearer(good_token),
        403,
        None,
        route_scopes=SCOPED_ROUTE,
    ),
    BadTokenCase(
        "access_token_with_other_scopes_on_scoped_route",
        _claims_at(
            lambda i, a, n: valid_claims(
                i, a, n, aud=MISSING, client_id=a, token_use="access", scope="openid email"
            )
        ),
        403,
        None,
        route_scopes=SCOPED_ROUTE,
    ),
]
