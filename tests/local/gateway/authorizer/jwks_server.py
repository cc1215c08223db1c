"""A real HTTP issuer on 127.0.0.1 serving a discovery document and a JWKS, counting requests.

Used instead of mocking httpx so discovery, caching and refetching are proven over the wire.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DISCOVERY_PATH = "/tenant/.well-known/openid-configuration"
JWKS_PATH = "/keys/jwks.json"


class FakeIssuer:
    """Serves ``{base}/tenant/`` as an issuer (Auth0-like trailing slash) and its keys."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jwks: dict[str, Any] = {"keys": []}
        self._status = 200
        self.requests: Counter[str] = Counter()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with issuer._lock:
                    issuer.requests[self.path] += 1
                    status, jwks = issuer._status, issuer._jwks
                if status != 200:
                    self._send(status, b'{"error":"unavailable"}')
                elif self.path == DISCOVERY_PATH:
                    document = {"issuer": issuer.issuer, "jwks_uri": issuer.jwks_uri}
                    self._send(200, json.dumps(document).encode())
                elif self.path == JWKS_PATH:
                    self._send(200, json.dumps(jwks).encode())
                else:
                    self._send(404, b"{}")

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.issuer = f"{self.base_url}/tenant/"
        self.jwks_uri = f"{self.base_url}{JWKS_PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeIssuer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve(self, jwks: dict[str, Any], status: int = 200) -> None:
        """Replaces what the issuer answers; ``status`` other than 200 simulates an outage."""
        with self._lock:
            self._jwks = jwks
            self._status = status

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    @property
    def jwks_fetches(self) -> int:
        return self.requests[JWKS_PATH]

    @property
    def discovery_fetches(self) -> int:
        return self.requests[DISCOVERY_PATH]
