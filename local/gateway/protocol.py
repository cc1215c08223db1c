"""uvicorn's httptools protocol with each response written in one piece.

uvicorn writes an ASGI response as two socket writes (status line and headers on
`http.response.start`, then the body), so the client wakes twice and each write is a system
call. Wrapping the connection's transport so that writes are held and go out together makes
it one write. They go out the moment uvicorn sees the response complete (its last body part),
not at the end of the loop turn: the request's task may still have work to do after that, and
on a busy keep-alive connection the client is waiting. Writes that do not complete a response
(uvicorn's own 400s) go out at the end of the turn. Nothing else about uvicorn's parsing or
framing changes (same protocol class, same checks).

It also bounds the request head before uvicorn buffers it: httptools (unlike h11) has no limit
and keeps a header name or value whole until it ends, so a head of 8 MiB of long names would
be held and handed to the app. At most MAX_HEAD_WIRE_BYTES of head is fed to the parser, and at
most MAX_HEADER_COUNT headers are taken; beyond either the answer is API Gateway's 431 JSON,
the connection closes, and no ASGI task (no function) starts. Smaller heads over the
10240-byte quota get the same 431 from the DataPlane.
"""

from __future__ import annotations

import asyncio
from typing import Any

from local.gateway.uvicorn_seam import HttpToolsProtocol

# Well above the quota (local.gateway.app.MAX_HEAD_BYTES) so the DataPlane answers ordinary
# oversized heads, as with h11 (its MAX_INCOMPLETE_HEAD_BYTES is the same 64 KiB).
MAX_HEAD_WIRE_BYTES = 64 * 1024
MAX_HEADER_COUNT = 200
_HEAD_TOO_LARGE = b'{"message":"Request Header Fields Too Large"}'
_HEAD_TOO_LARGE_RESPONSE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(_HEAD_TOO_LARGE)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _HEAD_TOO_LARGE
)


class _HeadRefused(Exception):  # noqa: N818 - a signal to unwind the parser, not an error
    """Raised from a parser callback once the 431 is written: the parser stops there."""


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
        self._head_open = True  # reading a request head (the first one starts now)
        self._head_bytes = 0
        self._header_count = 0
        self._refused = False
        wrapped: Any = self._coalescing
        super().connection_made(wrapped)

    def data_received(self, data: bytes) -> None:
        """Feed the parser at most MAX_HEAD_WIRE_BYTES of each request's head."""
        while self._head_open and data and not self._refused:
            room = MAX_HEAD_WIRE_BYTES - self._head_bytes
            if room <= 0:
                self._refuse_head()
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
        if data and not self._refused:
            super().data_received(data)

    def _refuse_head(self) -> None:
        self._refused = True
        self.logger.warning(
            "refused a request head over %d bytes or %d headers: 431",
            MAX_HEAD_WIRE_BYTES,
            MAX_HEADER_COUNT,
        )
        self.transport.write(_HEAD_TOO_LARGE_RESPONSE)
        self.transport.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADER_COUNT:
            self._refuse_head()
            raise _HeadRefused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open, self._head_bytes, self._header_count = True, 0, 0

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # after our 431, the parser's own complaint is not sent
            super().send_400_response(msg)

    def on_response_complete(self) -> None:
        # A lone request's response goes out now, before its task finishes: its client is
        # waiting and nothing else is. With other requests in flight, the writes of one loop
        # turn go out together at its end: writing each at once woke clients mid-turn and
        # raised p99 at 8 and 32 clients (BENCHMARKS.md).
        if len(self.tasks) <= 1:
            self._coalescing.flush()
        super().on_response_complete()
