"""The gateway's HTTP protocol writes each response in one piece, as soon as it is complete."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from local.gateway.protocol import CoalescingHttpToolsProtocol
from tests.local.conftest import serve_config_in_thread
from tools.ports import free_port

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
REQUEST = b"GET /anything HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
BODY = b'{"message":"Unauthorized"}'
socket_writes: list[bytes] = []


class _RecordingTransport:
    """The real transport, with every write it is given kept for the test to count."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        socket_writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class RecordingProtocol(CoalescingHttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        recording: Any = _RecordingTransport(transport)
        super().connection_made(recording)


async def respond_then_block(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers 401 with a body, then holds the event loop for a second (as a slow log write or
    a large batch of other work would)."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
    time.sleep(1.0)


def serving(app: App) -> AbstractContextManager[str]:
    """The app behind the gateway's protocol class (recording its writes) on uvloop."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        http=RecordingProtocol,
        loop="uvloop",
        lifespan="off",
        log_level="warning",
    )
    return serve_config_in_thread(config)


def _read_response(base_url: str, timeout: float) -> bytes:
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as client:
        client.sendall(REQUEST)
        received = b""
        while not received.endswith(BODY):
            chunk = client.recv(65536)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
        return received


def test_a_complete_response_leaves_at_once_in_one_write_even_if_the_app_then_holds_the_loop() -> (
    None
):
    """GIVEN an app that holds the event loop for 1 s right after sending its response WHEN a
    client asks THEN the whole response reaches it well before that second ends, and the
    status line, headers and body went to the socket in one write."""
    socket_writes.clear()
    with serving(respond_then_block) as base_url:
        started = time.perf_counter()
        response = _read_response(base_url, timeout=5)
        waited = time.perf_counter() - started
    assert response.startswith(b"HTTP/1.1 401 ")
    assert waited < 0.5, f"the response waited {waited:.2f} s for the app's task to finish"
    assert len(socket_writes) == 1
    assert socket_writes[0] == response
