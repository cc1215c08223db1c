"""`python -m local.loadtest`: a bounded load test of the local HTTP API, on loopback only.

Sends a fixed number of GET requests to the profile route (default 20,000 at 64 concurrent)
with a mix of valid, expired and forged tokens, and checks every answer: valid -> 200,
expired/forged -> 401. Reports errors, requests per second, p50/p99 latency and the data
plane's memory (RSS of its process sampled before, during and after). Bounded in count and in time.

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.emulator.caller.keys import pool_signing_key
from local.launcher import LaunchError, start_local_up
from local.runtime.client import local_client
from local.state import RunDir, RunState, StateError
from stacks.contract import PROFILE_PATH
from tools.forge import expired_copy, forged_copy
from tools.jwt_signing import SigningKey
from tools.load import LabelledToken, LoadSpec, run_load
from tools.token import TokenError, tokens_for_stage

DEFAULT_REQUESTS = 20_000
DEFAULT_CONCURRENCY = 64
DEFAULT_MAX_SECONDS = 300.0
DEFAULT_MAX_RSS_GROWTH_MB = 64.0
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
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


def make_tokens(valid: str, pool_key: SigningKey) -> Tokens:
    """An expired copy signed with the pool's own key, and a forged copy signed with a new key."""
    expired = expired_copy(valid, pool_key.private_key)
    return Tokens(valid=valid, expired=expired, forged=forged_copy(valid))


def tokens_from_state(run_dir: RunDir) -> tuple[Tokens, RunState]:
    """Sign a load-test user in against the local run recorded in `run_dir`."""
    try:
        state = RunState.read(run_dir)
    except StateError as problem:
        raise LoadTestError(str(problem)) from None
    if state is None:
        raise LoadTestError(
            f"no local run found in {run_dir.root}: start `make local` first, or omit "
            "--base-url to let the load test start its own"
        )
    try:
        tokens = tokens_for_stage(
            state.outputs,
            local_client("cognito-idp", state.endpoint_url),
            email=LOADTEST_EMAIL,
            password_store=run_dir.password_store,
        )
    except TokenError as problem:
        raise LoadTestError(str(problem)) from None
    pool_id = state.outputs.user_pool_id
    if pool_id is None:
        raise LoadTestError("the local run has no user pool (auth=cognito) to sign tokens with")
    return make_tokens(tokens.id_token, pool_signing_key(state.endpoint_url, pool_id)), state


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


async def run_loadtest(
    base_url: str,
    tokens: Tokens,
    *,
    requests: int = DEFAULT_REQUESTS,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    server_pid: int | None = None,
    max_rss_growth_mb: float = DEFAULT_MAX_RSS_GROWTH_MB,
) -> Report:
    """The shared load generator (tools.load) in the valid/expired/valid/forged mix, with the
    server's RSS sampled every 0.25 s alongside."""
    report = Report(
        requested=requests, concurrency=concurrency, max_rss_growth_mb=max_rss_growth_mb
    )
    spec = LoadSpec(
        url=f"{base_url}{PROFILE_PATH}",
        tokens=[LabelledToken(kind, tokens.for_kind(kind)) for kind in KINDS],
        requests=requests,
        concurrency=concurrency,
        mode="cycle",
        max_seconds=max_seconds,
    )
    done = asyncio.Event()

    def sample() -> None:
        if server_pid is not None and (value := rss_kb(server_pid)) is not None:
            report.rss_kb.append(value)

    async def sampler() -> None:
        while not done.is_set():
            sample()
            with suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=0.25)

    sample()
    sampling = asyncio.create_task(sampler())
    try:
        result = await run_load(spec)
    finally:
        done.set()
        await sampling
    sample()
    report.completed = result.completed
    report.seconds = result.elapsed
    report.timed_out = result.timed_out
    report.transport_errors = result.transport_errors
    report.statuses = {kind: dict(result.statuses.get(kind, {})) for kind in EXPECTED_STATUS}
    report.latencies_ms = [latency * 1000 for latency in result.latencies]
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


def _run(args: argparse.Namespace, base_url: str, run_dir: RunDir, pid: int | None) -> Report:
    host = urlsplit(base_url).hostname or ""
    if host not in LOOPBACK:
        raise LoadTestError(f"--base-url must be on this machine (localhost), got '{base_url}'")
    tokens, state = tokens_from_state(run_dir)
    server_pid = pid if pid is not None else state.pid
    print(
        f"==> {args.requests} requests at {args.concurrency} concurrent against {base_url}",
        file=sys.stderr,
        flush=True,
    )
    return asyncio.run(
        run_loadtest(
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
            report = _run(args, args.base_url.rstrip("/"), RunDir(), None)
        else:
            with (
                tempfile.TemporaryDirectory(prefix="loadtest-") as temp,
                own_local_run(Path(temp)) as (base_url, pid),
            ):
                report = _run(args, base_url, RunDir(Path(temp)), pid)
    except LoadTestError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(report.summary()) if args.json else report.render(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
