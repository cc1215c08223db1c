"""uvicorn's httptools protocol with each response written in one piece.

uvicorn writes an ASGI response as two socket writes (status line and headers on
`http.response.start`, then the body), so the client wakes twice and each write is a system
call. Wrapping the connection's transport so that writes are held and go out together makes
it one write. They go out the moment uvicorn sees the response complete (its last body part),
not at the end of the loop turn: the request's task may still have work to do after that, and
on a busy keep-alive connection the client is waiting. Writes that do not complete a response
(uvicorn's own 400s) go out at the end of the turn. Nothing else about uvicorn's parsing or
framing changes (same protocol class, same checks).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _CoalescingTransport:
    """Forwards to the real transport; `write` buffers until the end of the loop turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose responses leave in one write: as soon as the response is
    complete, else at the end of the loop turn (uvicorn's own 400s, a close)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._coalescing = _CoalescingTransport(transport, self.loop)
        wrapped: Any = self._coalescing
        super().connection_made(wrapped)

    def on_response_complete(self) -> None:
        # A lone request's response goes out now, before its task finishes: its client is
        # waiting and nothing else is. With other requests in flight, the writes of one loop
        # turn go out together at its end: writing each at once woke clients mid-turn and
        # raised p99 at 8 and 32 clients (BENCHMARKS.md).
        if len(self.tasks) <= 1:
            self._coalescing.flush()
        super().on_response_complete()
