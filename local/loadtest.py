"""`python -m local.loadtest`: a bounded load test of the local HTTP API, on loopback only.

Sends a fixed number of GET /user/profile requests (default 20,000 at 64 concurrent) with a mix
of valid, expired and forged tokens, and checks every answer: valid -> 200, expired/forged ->
401. Reports errors, requests per second, p50/p99 latency and the data plane's memory (RSS of
its process sampled before, during and after). Bounded in count and in time.

Without --base-url it starts its own `python -m local up` (emulator + real cdk deploy) in a
temporary state directory and stops it afterwards. With --base-url it targets a running
`make local`, whose state directory (LOCAL_STATE_DIR or .local) gives the user pool for a valid
token and the server's pid.

Expired tokens are signed with the emulator's Cognito key, which moto ships in its package: it
is public, which is why only the local emulator may ever trust it. Forged tokens carry the same
kid but another key's signature.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from local.deploy import local_client
from local.emulator.keys import emulator_signing_key
from local.launch import (
    LaunchError,
    default_state_dir,
    outputs_with,
    read_state,
    start_local_up,
)
from local.token import get_tokens

DEFAULT_REQUESTS = 20_000
DEFAULT_CONCURRENCY = 64
DEFAULT_MAX_SECONDS = 300.0
DEFAULT_MAX_RSS_GROWTH_MB = 64.0
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
PROFILE = "/user/profile"
LOADTEST_EMAIL = "loadtest@example.com"
# Every fourth request is expired and every fourth forged; the rest carry a valid token.
KINDS = ("valid", "expired", "valid", "forged")
EXPECTED_STATUS = {"valid": 200, "expired": 401, "forged": 401}


class LoadTestError(RuntimeError):
    """The load test could not run (not loopback, no local run, server failed to start)."""


@dataclass(frozen=True)
class Tokens:
    valid: str
    expired: str
    forged: str

    def for_kind(self, kind: str) -> str:
        token: str = getattr(self, kind)
        return token


@dataclass
class Report:
    """What one run measured; `ok` is the pass/fail verdict the exit code carries."""

    requested: int
    concurrency: int
    completed: int = 0
    seconds: float = 0.0
    timed_out: bool = False
    transport_errors: int = 0
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    rss_kb: list[int] = field(default_factory=list, repr=False)
    max_rss_growth_mb: float = DEFAULT_MAX_RSS_GROWTH_MB

    @property
    def wrong_status(self) -> int:
        return sum(
            count
            for kind, counts in self.statuses.items()
            for status, count in counts.items()
            if status != EXPECTED_STATUS[kind]
        )

    @property
    def errors(self) -> int:
        return self.transport_errors + self.wrong_status

    @property
    def requests_per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def rss_growth_mb(self) -> float | None:
        return (self.rss_kb[-1] - self.rss_kb[0]) / 1024 if len(self.rss_kb) >= 2 else None

    @property
    def memory_steady(self) -> bool:
        growth = self.rss_growth_mb
        return growth is None or growth <= self.max_rss_growth_mb

    @property
    def ok(self) -> bool:
        complete = self.completed == self.requested and not self.timed_out
        return complete and self.errors == 0 and self.memory_steady

    def summary(self) -> dict[str, Any]:
        rss = self.rss_kb
        return {
            "ok": self.ok,
            "requested": self.requested,
            "completed": self.completed,
            "concurrency": self.concurrency,
            "timed_out": self.timed_out,
            "errors": self.errors,
            "transport_errors": self.transport_errors,
            "wrong_status": self.wrong_status,
            "statuses": {kind: dict(counts) for kind, counts in self.statuses.items()},
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.percentile_ms(0.50), 2),
            "p99_ms": round(self.percentile_ms(0.99), 2),
            "rss_mb": {
                "before": round(rss[0] / 1024, 1),
                "after": round(rss[-1] / 1024, 1),
                "max": round(max(rss) / 1024, 1),
            }
            if rss
            else None,
            "rss_growth_mb": None if self.rss_growth_mb is None else round(self.rss_growth_mb, 1),
            "memory_steady": self.memory_steady,
        }

    def render(self) -> str:
        data = self.summary()
        lines = [
            f"requests:   {data['completed']}/{data['requested']} at {self.concurrency} concurrent"
            + (" (TIMED OUT)" if self.timed_out else ""),
            f"throughput: {data['requests_per_second']} requests/s over {data['seconds']} s",
            f"latency:    p50 {data['p50_ms']} ms, p99 {data['p99_ms']} ms",
        ]
        for kind, counts in sorted(self.statuses.items()):
            expected = EXPECTED_STATUS[kind]
            shown = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
            lines.append(f"  {kind:8} (expect {expected}): {shown}")
        lines.append(
            f"errors:     {self.errors} ({self.transport_errors} transport, "
            f"{self.wrong_status} unexpected status)"
        )
        rss = data["rss_mb"]
        if rss:
            steady = "steady" if self.memory_steady else "GROWING"
            lines.append(
                f"server RSS: before {rss['before']} MB, after {rss['after']} MB, "
                f"max {rss['max']} MB (growth {data['rss_growth_mb']} MB: {steady})"
            )
        else:
            lines.append("server RSS: not sampled (server pid unknown or not on this machine)")
        lines.append("result:     " + ("OK" if self.ok else "FAILED"))
        return "\n".join(lines)


# --- tokens ---------------------------------------------------------------------------------


def make_tokens(valid: str) -> Tokens:
    """An expired copy signed with the emulator's key, and a forged copy signed with a new key."""
    claims: dict[str, Any] = jwt.decode(valid, options={"verify_signature": False})
    header = jwt.get_unverified_header(valid)
    now = int(time.time())
    expired_claims = claims | {"iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}
    _, emulator_key = emulator_signing_key()
    expired = jwt.encode(
        expired_claims, emulator_key, algorithm="RS256", headers={"kid": header["kid"]}
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]})
    return Tokens(valid=valid, expired=expired, forged=forged)


def tokens_from_state(state_dir: Path) -> tuple[Tokens, dict[str, Any]]:
    """Sign a load-test user in against the local run recorded in `state_dir`."""
    state = read_state(state_dir)
    if state is None:
        raise LoadTestError(
            f"no local run found in {state_dir}: start `make local` first, or omit --base-url "
            "to let the load test start its own"
        )
    auth = outputs_with(state["stacks"], "UserPoolId")
    if auth is None:
        raise LoadTestError("the local run has no Cognito user pool (auth is not cognito)")
    tokens = get_tokens(
        local_client("cognito-idp", state["endpoint_url"]),
        user_pool_id=auth["UserPoolId"],
        client_id=auth["ClientId"],
        email=LOADTEST_EMAIL,
        password_store=state_dir / "demo-users.json",
    )
    return make_tokens(tokens.id_token), state


# --- load -----------------------------------------------------------------------------------


def rss_kb(pid: int) -> int | None:
    """Resident set size of a process from /proc (Linux); None when unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class _Connection:
    """One keep-alive HTTP/1.1 connection; the server always sends content-length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                close = True
        await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run_load(
    base_url: str,
    tokens: Tokens,
    *,
    requests: int = DEFAULT_REQUESTS,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    server_pid: int | None = None,
    max_rss_growth_mb: float = DEFAULT_MAX_RSS_GROWTH_MB,
) -> Report:
    """Send `requests` requests from `concurrency` connections; stop early at `max_seconds`."""
    url = urlsplit(base_url)
    host, port = url.hostname or "localhost", url.port or 80
    report = Report(
        requested=requests, concurrency=concurrency, max_rss_growth_mb=max_rss_growth_mb
    )
    report.statuses = {kind: Counter() for kind in EXPECTED_STATUS}
    prepared = {
        kind: (
            f"GET {PROFILE} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {tokens.for_kind(kind)}\r\n\r\n"
        ).encode()
        for kind in EXPECTED_STATUS
    }
    next_index = 0
    started = time.perf_counter()
    deadline = started + max_seconds
    done = asyncio.Event()

    def sample() -> None:
        if server_pid is not None and (value := rss_kb(server_pid)) is not None:
            report.rss_kb.append(value)

    async def sampler() -> None:
        while not done.is_set():
            sample()
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=0.25)

    async def worker() -> None:
        nonlocal next_index
        connection = _Connection(host, port)
        try:
            while next_index < requests:
                if time.perf_counter() > deadline:
                    report.timed_out = True
                    return
                kind = KINDS[next_index % len(KINDS)]
                next_index += 1
                sent = time.perf_counter()
                try:
                    status = await connection.get(prepared[kind])
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    report.transport_errors += 1
                    await connection.close()
                    continue
                report.latencies_ms.append((time.perf_counter() - sent) * 1000)
                report.statuses[kind][status] += 1
                report.completed += 1
        finally:
            await connection.close()

    sample()
    sampling = asyncio.create_task(sampler())
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    report.seconds = time.perf_counter() - started
    done.set()
    await sampling
    sample()
    return report


# --- own local run --------------------------------------------------------------------------


@contextmanager
def own_local_run(state_dir: Path) -> Iterator[tuple[str, int]]:
    """Start `python -m local up --quiet` on free ports; yields (base URL, server pid)."""
    log_path = state_dir / "local-up.log"
    print(f"==> Starting a local run for the load test (log: {log_path})", file=sys.stderr)
    try:
        run = start_local_up(state_dir, log_path, extra_args=["--quiet"])
    except LaunchError as problem:
        raise LoadTestError(str(problem)) from None
    try:
        yield run.base_url, run.process.pid
    finally:
        run.stop()


# --- command line ---------------------------------------------------------------------------


def _positive(kind: type[int] | type[float], upper: float) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not 0 < value <= upper:
            raise argparse.ArgumentTypeError(f"must be more than 0 and at most {upper:g}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.loadtest", description=__doc__)
    parser.add_argument(
        "--base-url", help="a running local API (loopback only); default: start one"
    )
    parser.add_argument(
        "--requests", type=_positive(int, 1_000_000), default=DEFAULT_REQUESTS, help="(20000)"
    )
    parser.add_argument(
        "--concurrency", type=_positive(int, 512), default=DEFAULT_CONCURRENCY, help="(64)"
    )
    parser.add_argument(
        "--max-seconds",
        type=_positive(float, 3600),
        default=DEFAULT_MAX_SECONDS,
        help="stop sending after this long and fail (300)",
    )
    parser.add_argument(
        "--max-rss-growth-mb",
        type=_positive(float, 100_000),
        default=DEFAULT_MAX_RSS_GROWTH_MB,
        help="fail when the server's RSS grows more than this (64)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def _run(args: argparse.Namespace, base_url: str, state_dir: Path, pid: int | None) -> Report:
    host = urlsplit(base_url).hostname or ""
    if host not in LOOPBACK:
        raise LoadTestError(f"--base-url must be on this machine (localhost), got '{base_url}'")
    tokens, state = tokens_from_state(state_dir)
    server_pid = pid if pid is not None else state.get("pid")
    print(
        f"==> {args.requests} requests at {args.concurrency} concurrent against {base_url}",
        file=sys.stderr,
        flush=True,
    )
    return asyncio.run(
        run_load(
            base_url,
            tokens,
            requests=args.requests,
            concurrency=args.concurrency,
            max_seconds=args.max_seconds,
            server_pid=server_pid,
            max_rss_growth_mb=args.max_rss_growth_mb,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.base_url:
            report = _run(args, args.base_url.rstrip("/"), default_state_dir(), None)
        else:
            with (
                tempfile.TemporaryDirectory(prefix="loadtest-") as temp,
                own_local_run(Path(temp)) as (base_url, pid),
            ):
                report = _run(args, base_url, Path(temp), pid)
    except LoadTestError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(report.summary()) if args.json else report.render(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
