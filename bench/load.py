"""Load generator, run as its own process so its CPU and GIL are not the server's.

`python -m bench.load SPEC.json` reads {url, concurrency, warmup, requests, tokens, mode} and
prints {latencies, elapsed, statuses}. `concurrency` clients each hold one keep-alive
connection (an httpx.AsyncClient each: one client with a 64-connection pool spent more time in
its own pool than the server spent per request, capping the load near 100 req/s) and send GETs
back to back. Mode "reused": client i always sends tokens[i] (a real client keeps its token for
an hour); mode "unique": request n sends tokens[n] (never seen by the server, so every request
pays the RSA signature check). Loopback only, bounded counts.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx


async def _phase(
    clients: list[httpx.AsyncClient], spec: dict[str, Any], first: int, count: int
) -> tuple[list[float], dict[int, int], float]:
    """Send requests first..first+count-1 over `concurrency` clients; latencies and wall time."""
    url: str = spec["url"]
    tokens: list[str] = spec["tokens"]
    reused = spec["mode"] == "reused"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_number = first

    async def client(index: int) -> None:
        nonlocal next_number
        while next_number < first + count:
            number = next_number
            next_number += 1
            token = tokens[index] if reused else tokens[number]
            started = time.perf_counter()
            response = await clients[index].get(url, headers={"authorization": f"Bearer {token}"})
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client(index) for index in range(spec["concurrency"])))
    return latencies, statuses, time.perf_counter() - started


async def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(spec["url"]).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to load a non-loopback host: {host}")
    concurrency: int = spec["concurrency"]
    warmup: int = spec["warmup"]
    requests: int = spec["requests"]
    needed = concurrency if spec["mode"] == "reused" else warmup + requests
    if len(spec["tokens"]) < needed:
        raise SystemExit(f"need {needed} tokens, got {len(spec['tokens'])}")
    clients = [httpx.AsyncClient(timeout=60) for _ in range(concurrency)]
    try:
        await _phase(clients, spec, 0, warmup)  # opens the connections, warms keys and workers
        latencies, statuses, elapsed = await _phase(clients, spec, warmup, requests)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return {"latencies": latencies, "elapsed": elapsed, "statuses": statuses}


def main() -> None:
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    print(json.dumps(asyncio.run(run_load(spec))))


if __name__ == "__main__":
    main()
