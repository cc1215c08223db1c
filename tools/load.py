"""The one HTTP load generator: `make loadtest` and `make bench` both drive the API with it.

`concurrency` clients each hold one keep-alive connection and send GETs back to back. The client
is an asyncio protocol that writes a prepared request and reads the answer with httptools' C
parser (llhttp, the parser uvicorn and Node use): a few microseconds per request, so on this
2-core machine the load generator takes little CPU from the server it measures. (httpx, used
before, spent ~0.3 ms of CPU per request: at a few thousand req/s it took as much CPU as the
server, and every server measured the same.) Which token a request carries depends on the mode:
- "reused": client i always sends tokens[i] (a real client keeps its token for an hour);
- "unique": request n sends tokens[n] (never seen by the server: every request pays the RSA check);
- "cycle": request n sends tokens[n % len(tokens)] (a fixed mix, e.g. valid/expired/forged).
An empty token sends no Authorization header (the authorizer's 401 path).
Every answer is counted per token label. Loopback only; bounded in count and in time.

`python -m tools.load SPEC.json` runs one load in its own process (so its CPU and GIL are not the
server's) and prints the result as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import sys
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import httptools

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
Mode = Literal["reused", "unique", "cycle"]


class LoadError(ValueError):
    """The load cannot run as asked (a non-loopback target, too few tokens)."""


@dataclass(frozen=True)
class LabelledToken:
    label: str  # e.g. "valid", "expired", "forged": answers are counted per label
    token: str  # "" sends no Authorization header at all (the authorizer's 401 path)


@dataclass(frozen=True)
class LoadSpec:
    url: str
    tokens: Sequence[LabelledToken]
    requests: int
    concurrency: int
    mode: Mode = "reused"
    warmup: int = 0
    max_seconds: float = 300.0

    def check(self) -> None:
        host = urlsplit(self.url).hostname
        if host not in LOOPBACK:
            raise LoadError(f"refusing to load a non-loopback host: {host}")
        if self.requests < 1 or self.concurrency < 1:
            raise LoadError("requests and concurrency must be at least 1")
        needed = {
            "reused": self.concurrency,
            "unique": self.warmup + self.requests,
            "cycle": 1,
        }[self.mode]
        if len(self.tokens) < needed:
            raise LoadError(f"mode {self.mode} needs {needed} tokens, got {len(self.tokens)}")

    def token_for(self, client: int, number: int) -> LabelledToken:
        if self.mode == "reused":
            return self.tokens[client]
        if self.mode == "unique":
            return self.tokens[number]
        return self.tokens[number % len(self.tokens)]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)  # label -> status -> count
    transport_errors: int = 0
    elapsed: float = 0.0
    timed_out: bool = False

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def requests_per_second(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadResult:
        statuses = {
            label: {int(status): count for status, count in counts.items()}
            for label, counts in data["statuses"].items()
        }
        return cls(
            latencies=list(data["latencies"]),
            statuses=statuses,
            transport_errors=int(data["transport_errors"]),
            elapsed=float(data["elapsed"]),
            timed_out=bool(data["timed_out"]),
        )


REQUEST_TIMEOUT_SECONDS = 60.0


class _Connection(asyncio.Protocol):
    """One keep-alive connection: write a request, wait for its complete response's status."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[int] | None = None
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"unparsable response: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.keep_alive = False
        self._fail(ConnectionError("connection closed before a complete response"))

    def on_message_complete(self) -> None:  # httptools callback
        self.keep_alive = self._parser.should_keep_alive()
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(self._parser.get_status_code())

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)

    async def request(self, payload: bytes) -> int:
        assert self._transport is not None
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        timer = loop.call_later(
            REQUEST_TIMEOUT_SECONDS, self._fail, TimeoutError("no answer in time")
        )
        try:
            self._transport.write(payload)
            return await self._answer
        finally:
            timer.cancel()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class _Client:
    """A simulated client: its own connection, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._connection: _Connection | None = None

    async def get(self, payload: bytes) -> int:
        if self._connection is None or not self._connection.keep_alive:
            self.close()
            loop = asyncio.get_running_loop()
            _, self._connection = await loop.create_connection(_Connection, self._host, self._port)
        try:
            return await self._connection.request(payload)
        except (OSError, TimeoutError):
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _Requests:
    """The request bytes for each token, built once: GET, Host, Authorization when given."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._head = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode("latin-1")
        self._cache: dict[str, bytes] = {}

    def for_token(self, token: str) -> bytes:
        payload = self._cache.get(token)
        if payload is None:
            auth = f"Authorization: Bearer {token}\r\n".encode("latin-1") if token else b""
            payload = self._cache[token] = self._head + auth + b"\r\n"
        return payload


async def _phase(
    clients: list[_Client], requests: _Requests, spec: LoadSpec, first: int, count: int
) -> LoadResult:
    result = LoadResult()
    counters: dict[str, Counter[int]] = {}
    next_number = first
    deadline = time.perf_counter() + spec.max_seconds

    async def client(index: int) -> None:
        nonlocal next_number
        while next_number < first + count:
            if time.perf_counter() > deadline:
                result.timed_out = True
                return
            number = next_number
            next_number += 1
            chosen = spec.token_for(index, number)
            payload = requests.for_token(chosen.token)
            started = time.perf_counter()
            try:
                status = await clients[index].get(payload)
            except (OSError, TimeoutError):
                result.transport_errors += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            counters.setdefault(chosen.label, Counter())[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(spec.concurrency)))
    result.elapsed = time.perf_counter() - started
    result.statuses = {label: dict(counts) for label, counts in counters.items()}
    return result


async def run_load(spec: LoadSpec) -> LoadResult:
    """Warm up (opens the connections, warms keys and workers), then the measured phase."""
    spec.check()
    requests = _Requests(spec.url)
    clients = [_Client(requests.host, requests.port) for _ in range(spec.concurrency)]
    try:
        if spec.warmup:
            await _phase(clients, requests, spec, 0, spec.warmup)
        return await _phase(clients, requests, spec, spec.warmup, spec.requests)
    finally:
        for client in clients:
            client.close()


def spec_from_json(data: dict[str, Any]) -> LoadSpec:
    return LoadSpec(
        url=data["url"],
        tokens=[LabelledToken(t["label"], t["token"]) for t in data["tokens"]],
        requests=int(data["requests"]),
        concurrency=int(data["concurrency"]),
        mode=data.get("mode", "reused"),
        warmup=int(data.get("warmup", 0)),
        max_seconds=float(data.get("max_seconds", 300.0)),
    )


def spec_to_json(spec: LoadSpec) -> dict[str, Any]:
    return asdict(spec) | {"tokens": [asdict(t) for t in spec.tokens]}


def _run(load: Coroutine[Any, Any, LoadResult]) -> LoadResult:
    """On uvloop when LOAD_LOOP is not "asyncio": less client CPU per request, so on a small
    machine more of it is left to the server under test."""
    if os.environ.get("LOAD_LOOP", "uvloop") == "asyncio":
        return asyncio.run(load)
    import uvloop

    return uvloop.run(load)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m tools.load SPEC.json", file=sys.stderr)
        return 2
    try:
        with open(args[0]) as handle:
            spec = spec_from_json(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError) as problem:
        print(f"error: cannot read the load spec {args[0]}: {problem!r}", file=sys.stderr)
        return 2
    try:
        result = _run(run_load(spec))
    except LoadError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    _print_whole(json.dumps(result.to_json()))
    return 0


def _print_whole(text: str) -> None:
    """All of it on stdout, even when stdout is a non-blocking pipe: after uvloop has run, fd 1
    can be non-blocking, and then a plain print of a result over 64 KiB to a pipe that is not
    read at once loses the rest and still exits 0 (seen once in the bench as cut JSON)."""
    data = (text + "\n").encode()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (pytest's capture)
        sys.stdout.write(text + "\n")
        return
    sys.stdout.flush()
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[written:]


if __name__ == "__main__":
    sys.exit(main())
