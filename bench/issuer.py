"""A bench-only token issuer: one RSA key, its JWKS served on loopback, tokens signed with it.

The gateway under test verifies signatures against this JWKS exactly as it would against
Cognito's; the peer (serverless-offline) checks issuer, audience and expiry only.
"""

from __future__ import annotations

import json
import time
import uuid

from tools.jwks_server import DocumentServer
from tools.jwt_signing import SigningKey

JWKS_PATH = "/.well-known/jwks.json"
AUDIENCE = "bench-client"
KID = "bench-key-1"


class StaticIssuer:
    """Serves one key set at ``{base_url}/.well-known/jwks.json`` until closed."""

    def __init__(self) -> None:
        self._key = SigningKey.generate(KID)
        documents = {JWKS_PATH: json.dumps(self._key.jwks()).encode()}
        self._server = DocumentServer(documents).start()
        self.base_url = f"http://127.0.0.1:{self._server.port}"
        self.issuer = f"{self.base_url}/bench"
        self.jwks_uri = f"{self.base_url}{JWKS_PATH}"

    def token(self, subject: str = "bench-user") -> str:
        """An ID-token-shaped JWT, valid for an hour, unique by jti."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": subject,
            "token_use": "id",
            "email": f"{subject}@example.com",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        return self._key.sign(claims)

    def close(self) -> None:
        self._server.close()
