"""The server's end of one worker's socket pair, on the event loop (local.runtime.workers).

multiprocessing.Connection frames a message as a 4-byte big-endian signed length, then the
bytes; the worker speaks it with a blocking Connection, the server the same framing here,
asynchronously, so one event loop serves every worker's socket.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import struct
from collections.abc import Callable
from typing import cast

_LENGTH = struct.Struct("!i")


class WorkerChannel(asyncio.Protocol):
    """The server's end of a worker's socket pair on the event loop: length-prefixed messages
    in, each handed to whoever awaits the next one (a worker answers one message at a time)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._messages: collections.deque[bytes] = collections.deque()
        self._waiter: asyncio.Future[bytes] | None = None
        self._transport: asyncio.Transport | None = None
        self._lost = False
        # Once serving, every message goes here (the runner's answer handler), and on_lost is
        # told when the worker's end closes (it died or was killed).
        self.on_message: Callable[[bytes], None] | None = None
        self.on_lost: Callable[[], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer)
            end = _LENGTH.size + length
            if len(buffer) < end:
                return
            message = bytes(buffer[_LENGTH.size : end])
            del buffer[:end]
            if self.on_message is not None:
                self.on_message(message)
                continue
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                self._waiter = None
                waiter.set_result(message)
            else:
                self._messages.append(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self.on_lost is not None:
            self.on_lost()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError("the worker closed its socket"))

    def send(self, payload: bytes) -> None:
        assert self._transport is not None
        self._transport.write(_LENGTH.pack(len(payload)) + payload)

    def next_message(self) -> asyncio.Future[bytes]:
        """The next message (already received, or when it arrives)."""
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        if self._messages:
            waiter.set_result(self._messages.popleft())
        elif self._lost:
            waiter.set_exception(ConnectionError("the worker closed its socket"))
        else:
            self._waiter = waiter
        return waiter

    def close(self) -> None:
        if self._transport is not None:
            with contextlib.suppress(RuntimeError):  # its loop may be closed already
                self._transport.close()
