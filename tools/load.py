"""The one HTTP load generator: `make loadtest` and `make bench` both drive the API with it.

`concurrency` clients each hold one keep-alive connection (an httpx.AsyncClient each: one client
with a shared pool spent more time in its pool than the server spent per request) and send GETs
back to back. Which token a request carries depends on the mode:
- "reused": client i always sends tokens[i] (a real client keeps its token for an hour);
- "unique": request n sends tokens[n] (never seen by the server: every request pays the RSA check);
- "cycle": request n sends tokens[n % len(tokens)] (a fixed mix, e.g. valid/expired/forged).
Every answer is counted per token label. Loopback only; bounded in count and in time.

`python -m tools.load SPEC.json` runs one load in its own process (so its CPU and GIL are not the
server's) and prints the result as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
Mode = Literal["reused", "unique", "cycle"]


class LoadError(ValueError):
    """The load cannot run as asked (a non-loopback target, too few tokens)."""


@dataclass(frozen=True)
class LabelledToken:
    label: str  # e.g. "valid", "expired", "forged": answers are counted per label
    token: str


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


async def _phase(
    clients: list[httpx.AsyncClient], spec: LoadSpec, first: int, count: int
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
            headers = {"authorization": f"Bearer {chosen.token}"}
            started = time.perf_counter()
            try:
                response = await clients[index].get(spec.url, headers=headers)
            except httpx.TransportError:
                result.transport_errors += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            counters.setdefault(chosen.label, Counter())[response.status_code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(spec.concurrency)))
    result.elapsed = time.perf_counter() - started
    result.statuses = {label: dict(counts) for label, counts in counters.items()}
    return result


async def run_load(spec: LoadSpec) -> LoadResult:
    """Warm up (opens the connections, warms keys and workers), then the measured phase."""
    spec.check()
    clients = [httpx.AsyncClient(timeout=60) for _ in range(spec.concurrency)]
    try:
        if spec.warmup:
            await _phase(clients, spec, 0, spec.warmup)
        return await _phase(clients, spec, spec.warmup, spec.requests)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


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


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m tools.load SPEC.json", file=sys.stderr)
        return 2
    with open(args[0]) as handle:
        spec = spec_from_json(json.load(handle))
    try:
        result = asyncio.run(run_load(spec))
    except LoadError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
