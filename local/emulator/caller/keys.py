"""The emulator's Cognito signing key, for tools and tests that must mint tokens it accepts.

moto signs every pool's tokens with one RSA key pair shipped inside its package: anyone can read
it, so it is trusted only on this machine (SECURITY.md). Imports moto, so only callers that mint
tokens load it.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tools.jwt_signing import SigningKey


def emulator_signing_key() -> SigningKey:
    """The key (and kid) of moto's Cognito tokens."""
    import moto.cognitoidp

    resources = Path(moto.cognitoidp.__file__).parent / "resources"
    document = json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes()))
    jwk = document["keys"][0] if "keys" in document else document
    return SigningKey.from_jwk(jwk)
