"""A bench-only token issuer: one RSA key, its JWKS served on loopback, tokens signed with it.

The gateway under test verifies signatures against this JWKS exactly as it would against
Cognito's; the peer (serverless-offline) checks issuer, audience and expiry only.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

JWKS_PATH = "/.well-known/jwks.json"
AUDIENCE = "bench-client"
KID = "bench-key-1"


class StaticIssuer:
    """Serves one key set at ``{base_url}/.well-known/jwks.json`` until closed."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        document = json.dumps({"keys": [jwk | {"kid": KID, "alg": "RS256", "use": "sig"}]})
        body = document.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == JWKS_PATH
                payload = body if found else b"{}"
                self.send_response(200 if found else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = f"{self.base_url}/bench"
        self.jwks_uri = f"{self.base_url}{JWKS_PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

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
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
