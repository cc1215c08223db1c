"""Servers on a developer's machine answer only to this machine's names (DNS rebinding).

A page at `http://rebind.example:3000/` whose name the attacker re-points at 127.0.0.1 is
same-origin with our local server as far as the browser knows: no CORS stops it. Its requests
still carry `Host: rebind.example:3000`, so every local server (API, hosted UI, demo page,
local AWS endpoint) refuses any Host but `localhost`, a `*.localhost` name (RFC 6761: always
loopback), `127.0.0.1` and `[::1]`, with the server's own port or none, plus the names the
user lists in LOCAL_ALLOWED_HOSTS (comma-separated), before any handler runs.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

ALLOWED_HOSTS_ENV = "LOCAL_ALLOWED_HOSTS"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1", "localhost"})
FORBIDDEN_BODY = b'{"message":"Forbidden"}'
_DNS_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")

log = logging.getLogger("local.loopback")


def configured_hosts(environ: dict[str, str] | None = None) -> frozenset[str]:
    """The extra names the user allowed (LOCAL_ALLOWED_HOSTS), lowercased."""
    raw = (os.environ if environ is None else environ).get(ALLOWED_HOSTS_ENV, "")
    return frozenset(name.strip().lower() for name in raw.split(",") if name.strip())


def _split(host: str) -> tuple[str, str | None]:
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        rest = host[end + 1 :]
        return host[: end + 1], rest[1:] if rest.startswith(":") else None
    name, sep, port = host.rpartition(":")
    return (name, port) if sep else (host, None)


def host_allowed(host: str | None, port: int | None, extra: Iterable[str] = ()) -> bool:
    """Is `host` (a Host header) one of this machine's names, with our port or none?"""
    if not host or len(host) > 300:
        return False
    name, given_port = _split(host.strip().lower())
    if given_port is not None and port is not None and given_port != str(port):
        return False
    if name in LOOPBACK_NAMES or name in set(extra):
        return True
    return name.endswith(".localhost") and bool(_DNS_NAME.fullmatch(name))


def check_bind_address(address: str) -> str:
    """Refuse to serve on anything but loopback: one line says why."""
    if address not in LOOPBACK_ADDRESSES and not address.startswith("127."):
        raise ValueError(
            f"refusing to listen on {address}: local servers bind to loopback only "
            "(127.0.0.1 or ::1)"
        )
    return address


def _host_header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            text: str = value.decode("latin-1")
            return text
    return None


class LoopbackOnly:
    """ASGI middleware: 403 `{"message":"Forbidden"}` for a foreign Host, before `app`."""

    def __init__(self, app: ASGIApp, extra_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.extra = frozenset(configured_hosts() if extra_hosts is None else extra_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            server = scope.get("server") or (None, None)
            host = _host_header(scope)
            if not host_allowed(host, server[1], self.extra):
                shown = json.dumps(host if host is None else host[:100])
                log.warning("refused a request for host %s: not this machine", shown)
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(FORBIDDEN_BODY)).encode()),
                            (b"x-content-type-options", b"nosniff"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": FORBIDDEN_BODY})
                return
        await self.app(scope, receive, send)
