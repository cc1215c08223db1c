"""Cognito's SRP-6a, server side: the mirror of what Amplify, amazon-cognito-identity-js and
pycognito compute.

Group: RFC 5054's 3072-bit prime, g = 2, SHA-256. Byte strings are Cognito's "padHex" form
(big-endian, a leading zero byte when the high bit is set), which is what the clients hash.
x = H(salt | H(poolName | userId | ":" | password)), v = g^x, k = H(N | g), B = k*v + g^b,
u = H(A | B), S = (A * v^u)^b; the key is HKDF-SHA256(ikm=S, salt=u, "Caldera Derived Key")[:16]
and the client proves it with HMAC-SHA256(key, poolName | userId | secretBlock | timestamp).
HKDF and HMAC come from `cryptography`; the group arithmetic is Python's `pow`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E34"
    "04DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6"
    "F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A6916"
    "3FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C"
    "32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA95"
    "6AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA7157"
    "5D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D876"
    "02733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E"
    "4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"
# `Wed Dec 2 21:00:15 UTC 2026`: the day of the month is not zero-padded (the clients strip it).
TIMESTAMP_FORMAT = re.compile(
    r"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}"
)
_HEX = re.compile(r"[0-9a-fA-F]+")
SRP_A_MAX_HEX_DIGITS = 2 * 3072 // 8 + 2  # N's size, plus the sign byte a client may add


class SrpError(ValueError):
    """The client's SRP input cannot be used (bad hex, A = 0 mod N, bad timestamp)."""


def pad(value: int) -> bytes:
    """Cognito's padHex as bytes: minimal big-endian, a leading 0x00 if the high bit is set."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return bytes.fromhex(text)


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash_int(data: bytes) -> int:
    return int.from_bytes(_hash(data), "big")


K = _hash_int(pad(N) + pad(G))


def pool_name(pool_id: str) -> str:
    """The part of the pool id the clients hash (`us-east-1_AbC` -> `AbC`)."""
    return pool_id.split("_", 1)[1] if "_" in pool_id else pool_id


@dataclass(frozen=True)
class Verifier:
    """What the server keeps instead of the password: the salt and v = g^x mod N."""

    salt: int
    v: int


def make_verifier(pool_id: str, user_id: str, password: str, salt: int | None = None) -> Verifier:
    """The verifier of `password` for this user of this pool, with a fresh salt unless one is
    given (a decoy's, which must stay the same for the same unknown user name)."""
    if salt is None:
        salt = int.from_bytes(secrets.token_bytes(16), "big")
    inner = _hash(f"{pool_name(pool_id)}{user_id}:{password}".encode())
    x = _hash_int(pad(salt) + inner)
    return Verifier(salt=salt, v=pow(G, x, N))


def parse_srp_a(text: object) -> int:
    """A from the client's hex; refused when malformed or 0 mod N (RFC 5054 2.5.4)."""
    if not isinstance(text, str) or not text or len(text) > SRP_A_MAX_HEX_DIGITS:
        raise SrpError("SRP_A")
    if not _HEX.fullmatch(text):
        raise SrpError("SRP_A")
    value = int(text, 16)
    if value % N == 0:
        raise SrpError("SRP_A")
    return value


def server_public(verifier: Verifier) -> tuple[int, int]:
    """(b, B): the server's secret and public value for one sign-in."""
    while True:
        b = int.from_bytes(secrets.token_bytes(32), "big") % N
        big_b = (K * verifier.v + pow(G, b, N)) % N
        if b and big_b:
            return b, big_b


def session_key(verifier: Verifier, a: int, b: int, big_b: int) -> bytes:
    """The 16-byte key both sides derive; u = 0 would make it guessable, so it is refused."""
    u = _hash_int(pad(a) + pad(big_b))
    if u == 0:
        raise SrpError("SRP_A")
    s = pow(a * pow(verifier.v, u, N), b, N)
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=pad(u), info=INFO).derive(pad(s))


def check_timestamp(timestamp: object) -> str:
    if not isinstance(timestamp, str) or not TIMESTAMP_FORMAT.fullmatch(timestamp):
        raise SrpError("TIMESTAMP")
    return timestamp


def expected_signature(
    key: bytes, pool_id: str, user_id: str, secret_block: bytes, timestamp: str
) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(pool_name(pool_id).encode() + user_id.encode() + secret_block + timestamp.encode())
    return mac.finalize()


def signature_matches(expected: bytes, given: object) -> bool:
    """Compare the client's base64 PASSWORD_CLAIM_SIGNATURE in constant time."""
    if not isinstance(given, str):
        return False
    try:
        decoded = base64.b64decode(given, validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(expected, decoded)


def client_signature(
    *,
    pool_id: str,
    user_id: str,
    password: str,
    a: int,
    a_secret: int,
    salt_hex: str,
    srp_b_hex: str,
    secret_block_b64: str,
    timestamp: str,
) -> str:
    """The client's side (as the SDKs compute it): for tests and the CLI's own sign-in."""
    big_b = int(srp_b_hex, 16)
    salt = int(salt_hex, 16)
    u = _hash_int(pad(a) + pad(big_b))
    x = _hash_int(pad(salt) + _hash(f"{pool_name(pool_id)}{user_id}:{password}".encode()))
    s = pow((big_b - K * pow(G, x, N)) % N, a_secret + u * x, N)
    key = HKDF(algorithm=hashes.SHA256(), length=16, salt=pad(u), info=INFO).derive(pad(s))
    signature = expected_signature(
        key, pool_id, user_id, base64.b64decode(secret_block_b64), timestamp
    )
    return base64.b64encode(signature).decode()
