"""uvicorn's httptools protocol with each response written in one piece.

uvicorn writes an ASGI response as two socket writes (status line and headers on
`http.response.start`, then the body), so the client wakes twice and each write is a system
call. Wrapping the connection's transport so that writes made in the same event-loop turn go
out together makes it one write: our DataPlane sends start and body in the same turn. Nothing
else about uvicorn's parsing or framing changes (same protocol class, same checks).
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
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose responses leave in one write per loop turn."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        wrapped: Any = _CoalescingTransport(transport, self.loop)
        super().connection_made(wrapped)
