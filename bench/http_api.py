"""The local HTTP API under load: requests/s and latency of authorized GETs of the profile.

One real local run (`python -m local up`: emulator, real `cdk deploy`, data plane) serves the
latency table, driven by a separate load process over loopback. A second data plane, built in
this process by the same `build_data_plane` over the same emulator, serves the same load so its
`timings` give the authorizer's share of each request (authorizer seconds / request seconds,
measured inside the server, so the client's own overhead is not in either number).

Tokens: one real ID token from the deployed user pool (sign-up + InitiateAuth), then copies of
its claims re-signed with the local pool's own key (read from the run: kept private) with a
fresh `jti` each, so "unique" runs can send a never-seen token per request.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from bench.common import PYTHON, load_in_own_process, log, percentile, tool_environment
from local.emulator.caller.keys import pool_signing_key
from local.launcher import start_local_up
from local.runtime.client import local_client
from local.serving import serve_in_thread
from local.state import RunDir, RunState
from stacks.contract import PROFILE_PATH, ApiOutput
from tools.forge import unique_copies
from tools.load import LabelledToken, LoadSpec
from tools.ports import free_port
from tools.token import tokens_for_stage

CONCURRENCY = (1, 8, 32, 64)
REQUESTS_PER_LEVEL = 600
TARGET_SHARE = 0.10
START_TIMEOUT_SECONDS = 240


@dataclass
class LevelResult:
    """One concurrency level of one load run."""

    concurrency: int
    requests: int
    elapsed: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    statuses: dict[str, int]
    authorizer_share: float | None = None
    authorizer_us: float | None = None
    # Measured inside the server, per request (microseconds): the whole request, the function
    # invocation (waiting for a worker, hand-off both ways, handler) and the handler alone.
    total_us: float | None = None
    invoke_us: float | None = None
    function_us: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed


@dataclass
class EmulatorLevel:
    """The emulator alone: the handler's own GetItem through boto3, from `threads` threads."""

    threads: int
    calls: int
    elapsed: float
    p50_ms: float


@dataclass
class HttpResult:
    local_up: list[LevelResult] = field(default_factory=list)
    in_process: dict[str, list[LevelResult]] = field(default_factory=dict)
    workers: int = 2
    emulator_get_item: list[EmulatorLevel] = field(default_factory=list)

    @property
    def worst_share(self) -> float:
        shares = [
            level.authorizer_share
            for levels in self.in_process.values()
            for level in levels
            if level.authorizer_share is not None
        ]
        return max(shares)


@contextlib.contextmanager
def local_up(workdir: Path) -> Iterator[tuple[str, RunState]]:
    """`python -m local up` as a user starts it; yields (base URL, its run state)."""
    run = start_local_up(
        workdir / "local-state",
        workdir / "local-up.log",
        extra_args=["--quiet"],
        env=tool_environment(),
        python=PYTHON,
        timeout=START_TIMEOUT_SECONDS,
    )
    try:
        state = RunState.read(RunDir(run.state_dir))
        if state is None:
            raise RuntimeError(f"`local up` is ready but wrote no state in {run.state_dir}")
        yield f"http://127.0.0.1:{run.port}", state
    finally:
        run.stop()


def make_tokens(state: RunState, workdir: Path, count: int) -> list[str]:
    """A real ID token from the deployed pool, then `count - 1` re-signed copies, each unique."""
    tokens = tokens_for_stage(
        state.outputs,
        local_client("cognito-idp", state.endpoint_url),
        email="bench@example.com",
        password_store=workdir / "bench-users.json",
    )
    assert state.outputs.user_pool_id is not None, "the benchmark needs the Cognito pool"
    key = pool_signing_key(state.endpoint_url, state.outputs.user_pool_id).private_key
    return [tokens.id_token, *unique_copies(tokens.id_token, key, count - 1)]


def _load(url: str, concurrency: int, tokens: list[str], mode: str, workdir: Path) -> LevelResult:
    """One level through the shared load generator, in its own process."""
    spec = LoadSpec(
        url=url,
        tokens=[LabelledToken("valid", token) for token in tokens],
        requests=REQUESTS_PER_LEVEL,
        concurrency=concurrency,
        mode="unique" if mode == "unique" else "reused",
        warmup=_warmup(concurrency),
    )
    result = load_in_own_process(spec, workdir / "load-spec.json")
    latencies = result.latencies
    statuses = {str(code): count for code, count in result.statuses.get("valid", {}).items()}
    if set(statuses) != {"200"} or result.transport_errors:
        raise RuntimeError(
            f"expected only 200s at concurrency {concurrency}: {statuses}, "
            f"{result.transport_errors} transport errors"
        )
    return LevelResult(
        concurrency=concurrency,
        requests=len(latencies),
        elapsed=result.elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p90_ms=percentile(latencies, 0.90) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        statuses=statuses,
    )


@contextlib.contextmanager
def in_process_plane(state: RunState, workdir: Path, workers: int) -> Iterator[tuple[str, Any]]:
    """A DataPlane built like `local up` builds it, served by uvicorn in a thread."""
    from local.gateway.app import server_config
    from local.gateway.build import build_data_plane

    plane, closables = build_data_plane(
        endpoint_url=state.endpoint_url,
        api_id=state.outputs.api_id,
        code_root=workdir / "functions",
        workers=workers,
        log_requests=False,
    )
    config = server_config(plane, free_port(), lifespan="off")
    try:
        stop = serve_in_thread(config)
        try:
            yield f"http://127.0.0.1:{config.port}", plane
        finally:
            stop()
    finally:
        for item in reversed(closables):
            item.close()


def _measure_share(
    url: str, plane: Any, concurrency: int, tokens: list[str], mode: str, workdir: Path
) -> LevelResult:
    from local.gateway.app import Timings

    plane.timings = Timings()  # the load process's warm-up is counted too: all requests are 200s
    level = _load(url, concurrency, tokens, mode, workdir)
    timings = plane.timings
    level.authorizer_share = timings.authorizer_seconds / timings.total_seconds
    level.authorizer_us = timings.authorizer_seconds / timings.requests * 1e6
    level.total_us = timings.total_seconds / timings.requests * 1e6
    level.invoke_us = timings.invoke_seconds / timings.requests * 1e6
    level.function_us = timings.function_seconds / timings.requests * 1e6
    return level


def _get_items(client: Any, table: str, sub: str, count: int, latencies: list[float]) -> None:
    for _ in range(count):
        started = time.perf_counter()
        client.get_item(TableName=table, Key={"sub": {"S": sub}}, ConsistentRead=True)
        latencies.append(time.perf_counter() - started)


EMULATOR_THREADS = (1, 8)
EMULATOR_CALLS = 800


def emulator_get_item(state: RunState, sub: str) -> list[EmulatorLevel]:
    """GetItem on the deployed table straight against the emulator, as the GET handler calls
    it (boto3, ConsistentRead), with no gateway: the ceiling the profile route cannot pass."""
    table = state.outputs.api[ApiOutput.TABLE_NAME]
    levels = []
    for threads in EMULATOR_THREADS:
        clients = [local_client("dynamodb", state.endpoint_url) for _ in range(threads)]
        latencies: list[float] = []
        for client in clients:  # connections open, clients warm
            _get_items(client, table, sub, 3, [])
        per_thread = EMULATOR_CALLS // threads
        workers = [
            threading.Thread(target=_get_items, args=(c, table, sub, per_thread, latencies))
            for c in clients
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        levels.append(
            EmulatorLevel(threads, len(latencies), elapsed, percentile(latencies, 0.5) * 1000)
        )
    return levels


def _warmup(concurrency: int) -> int:
    return max(2 * concurrency, 20)


def run(workdir: Path, workers: int = 2) -> HttpResult:
    """Latency by concurrency against `local up`, then the authorizer share in process."""
    result = HttpResult(workers=workers)
    reused_count = max(CONCURRENCY)
    unique_count = sum(_warmup(c) + REQUESTS_PER_LEVEL for c in CONCURRENCY)
    log("http: starting a real local run (emulator + cdk deploy + data plane)")
    with local_up(workdir) as (base_url, state):
        log(f"http: signing {reused_count + unique_count} tokens")
        pool = make_tokens(state, workdir, reused_count + unique_count)
        reused, unique = pool[:reused_count], pool[reused_count:]
        url = f"{base_url}{PROFILE_PATH}"
        for concurrency in CONCURRENCY:
            level = _load(url, concurrency, reused, "reused", workdir)
            result.local_up.append(level)
            log(
                f"http local up c={concurrency}: {level.rps:.0f} req/s, "
                f"p50 {level.p50_ms:.1f} ms, p99 {level.p99_ms:.1f} ms"
            )
        with in_process_plane(state, workdir, workers) as (plane_url, plane):
            plane_profile = f"{plane_url}{PROFILE_PATH}"
            for mode in ("reused", "unique"):
                levels = result.in_process.setdefault(mode, [])
                offset = 0
                for concurrency in CONCURRENCY:
                    tokens = reused
                    if mode == "unique":  # a fresh slice per level: no token is ever repeated
                        size = _warmup(concurrency) + REQUESTS_PER_LEVEL
                        tokens, offset = unique[offset : offset + size], offset + size
                    level = _measure_share(plane_profile, plane, concurrency, tokens, mode, workdir)
                    levels.append(level)
                    log(
                        f"http in-process {mode} c={concurrency}: {level.rps:.0f} req/s, "
                        f"authorizer {level.authorizer_share or 0:.1%} "
                        f"({level.authorizer_us or 0:.0f} us per request), invoke "
                        f"{level.invoke_us or 0:.0f} us, handler {level.function_us or 0:.0f}"
                    )
        sub = jwt.decode(reused[0], options={"verify_signature": False})["sub"]
        result.emulator_get_item = emulator_get_item(state, sub)
        for emulator_level in result.emulator_get_item:
            log(
                f"http emulator alone, GetItem x {emulator_level.threads} threads: "
                f"{emulator_level.calls / emulator_level.elapsed:.0f} calls/s"
            )
    return result
