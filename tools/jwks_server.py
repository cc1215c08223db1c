"""The one JWKS server: fixed JSON documents (a key set, a discovery document) served by path
on a loopback port from a thread, until closed.

The stand-in issuers of a local run and the benchmark's issuer serve their keys with it. Like
every local server it answers this machine's Host names only (tools.loopback); key fetches
are not the user's traffic, so nothing is logged.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tools.loopback import FORBIDDEN_BODY, configured_hosts, host_allowed

NOT_FOUND_BODY = b'{"error":"not_found"}'
METHOD_NOT_ALLOWED_BODY = b'{"error":"method_not_allowed"}'


class DocumentServer:
    """Serves `documents` (path -> JSON bytes; fill it before or after starting) on
    127.0.0.1:`port` (0: any free port). OSError when the port cannot be bound."""

    def __init__(self, documents: dict[str, bytes], port: int = 0) -> None:
        self.documents = documents
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(documents))
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> DocumentServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"documents-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()


def _handler(documents: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    extra_hosts = configured_hosts()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = getattr(self.server, "server_port", None)  # an HTTPServer's
            if not host_allowed(self.headers.get("host"), port, extra_hosts):
                self._send(403, FORBIDDEN_BODY)  # DNS rebinding (tools.loopback)
                return
            body = documents.get(urlsplit(self.path).path)
            if body is None:
                self._send(404, NOT_FOUND_BODY)
            else:
                self._send(200, body)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """JSON for every refusal, never http.server's HTML page: a method other than
            GET (its 501) is 405 with `Allow: GET`, a malformed request 400."""
            self.close_connection = True
            if code == 501:
                self._send(405, METHOD_NOT_ALLOWED_BODY, allow="GET")
            else:
                self._send(code, json.dumps({"error": (message or "bad_request")[:100]}).encode())

        def _send(self, status: int, body: bytes, allow: str | None = None) -> None:
            self.send_response(status)
            if allow is not None:
                self.send_header("allow", allow)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            if status == 200:
                self.send_header("cache-control", "public, max-age=7200")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
