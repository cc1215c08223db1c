"""Our local gateway against serverless-offline, side by side on the same echo function.

Both gateways serve one JWT-authorized route, `GET /echo`, to the same Python function
(bench/peer/echo_function, which answers with its event), and are driven by the same load
generator (tools/load.py, its own process, keep-alive connections, each client reusing its
token) on loopback, alternating between the two sides round by round so machine load hits both
alike. Two paths: no token (the authorizer's 401; no function runs) and a valid token (authorizer,
event, function, response).

The sides are not equal in what they check: ours verifies the token's RS256 signature against
the issuer's JWKS (fetched over HTTP, as from Cognito); serverless-offline cannot verify
signatures at all and only runs its JWT authorizer with --ignoreJWTSignature (issuer, audience,
expiry and scopes checked on the decoded claims).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.common import (
    PYTHON,
    ROOT,
    interleaved,
    load_in_own_process,
    log,
    percentile,
    tool_environment,
)
from bench.echo_gateway import ECHO_PATH
from bench.issuer import AUDIENCE, StaticIssuer
from tools.load import LabelledToken, LoadSpec
from tools.ports import free_port

PEER_DIR = ROOT / "bench" / "peer"
SERVERLESS = PEER_DIR / "node_modules" / ".bin" / "serverless"
CONCURRENCY = (1, 8, 32)
PATHS = {"unauthorized": 401, "echo": 200}
REQUESTS = 3000
ROUNDS = 5
TARGET = 1.5
WORKERS = 2
START_TIMEOUT_SECONDS = 120


@dataclass
class Run:
    """One load run against one side."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float  # CPU seconds of the server's process tree per request, in microseconds


@dataclass
class PeerResult:
    # side -> path -> concurrency (as str, for JSON) -> one Run per round
    runs: dict[str, dict[str, dict[str, list[Run]]]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    body_bytes: dict[str, int] = field(default_factory=dict)
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    requests: int = REQUESTS
    rounds: int = ROUNDS
    workers: int = WORKERS


def peer_versions() -> dict[str, str]:
    """The installed serverless and serverless-offline versions (from their package.json)."""
    versions = {}
    for package in ("serverless", "serverless-offline"):
        manifest = PEER_DIR / "node_modules" / package / "package.json"
        versions[package] = json.loads(manifest.read_text())["version"]
    return versions


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its live descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended meanwhile
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = int(fields[11]) + int(fields[12])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def serverless_offline(port: int, *, reload_handler: bool = False) -> list[str]:
    """The peer's command: serverless-offline on `port` (its Lambda port free), signatures
    unchecked as in the peer's own setup; `--reloadHandler` re-imports the handler per call."""
    command = [
        str(SERVERLESS), "offline", "start", "--httpPort", str(port),
        "--lambdaPort", str(free_port()), "--ignoreJWTSignature",
    ]  # fmt: skip
    return command + (["--reloadHandler"] if reload_handler else [])


def peer_environment(issuer: StaticIssuer) -> dict[str, str]:
    """The peer's environment. serverless-offline runs Python handlers with `python3` from
    $VIRTUAL_ENV/bin when set: our interpreter, so both sides run the function on the same
    Python."""
    return tool_environment(
        {
            "BENCH_ISSUER": issuer.issuer,
            "BENCH_AUDIENCE": AUDIENCE,
            "VIRTUAL_ENV": str(Path(sys.executable).parent.parent),
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
        }
    )


@contextlib.contextmanager
def served(command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path) -> Iterator[int]:
    """A server process for the block (its pid), output to `log_path`, terminated after."""
    with log_path.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process.pid
        finally:
            process.terminate()  # the server stops what it started, as on Ctrl-C
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            # Its own session: whatever it left behind (or itself, if stuck) ends here.
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def wait_until_serving(url: str, process_log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback URL we built)
        except urllib.error.HTTPError:
            return  # an HTTP answer (the 401): it is serving
        except OSError:
            time.sleep(0.2)
            continue
        return
    tail = process_log.read_text()[-2000:] if process_log.exists() else ""
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_SECONDS} s:\n{tail}")


def _get(url: str, token: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 (loopback URL we built)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check_side(name: str, url: str, token: str, subject: str) -> int:
    """Both paths answer as the table says before anything is timed: 401 without a token, and
    200 with the echoed event carrying the token's `sub` as a JWT claim. Returns the echo
    body's size."""
    status, _ = _get(url, None)
    if status != 401:
        raise RuntimeError(f"{name}: expected 401 without a token, got {status}")
    status, body = _get(url, token)
    if status != 200:
        raise RuntimeError(f"{name}: expected 200 with a token, got {status}: {body[:300]!r}")
    event = json.loads(body)
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    if claims.get("sub") != subject:
        raise RuntimeError(f"{name}: the echoed event has no claims for {subject}: {claims}")
    return len(body)


def load_run(
    url: str,
    concurrency: int,
    tokens: list[str],
    *,
    expected: int,
    requests: int,
    warmup: int,
    pid: int,
    spec_path: Path,
) -> Run:
    """One load run against the server `pid` (its process tree's CPU counted): only
    `expected` answers, else RuntimeError."""
    spec = LoadSpec(
        url=url,
        tokens=[LabelledToken("t", token) for token in tokens[:concurrency]],
        requests=requests,
        concurrency=concurrency,
        mode="reused",
        warmup=warmup,
    )
    cpu_before = tree_cpu_seconds(pid)
    result = load_in_own_process(spec, spec_path)
    cpu = tree_cpu_seconds(pid) - cpu_before
    statuses = result.statuses.get("t", {})
    if set(statuses) != {expected} or result.transport_errors or result.timed_out:
        raise RuntimeError(
            f"{url} at {concurrency} clients: expected only {expected}s, got {statuses}, "
            f"{result.transport_errors} transport errors"
        )
    latencies = result.latencies
    return Run(
        rps=result.requests_per_second,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        cpu_us=cpu / (requests + warmup) * 1e6,
    )


def _measure(
    into: list[Run], url: str, c: int, tokens: list[str], expected: int, pid: int, work: Path
) -> float:
    # serverless-offline starts a Python process per concurrent request: all of them are up
    # before the measured phase (4 warm-up requests per client)
    level = load_run(
        url,
        c,
        tokens,
        expected=expected,
        requests=REQUESTS,
        warmup=max(4 * c, 100),
        pid=pid,
        spec_path=work / "peer-load-spec.json",
    )
    into.append(level)
    return level.rps


def run(workdir: Path) -> PeerResult:
    if not SERVERLESS.exists():
        raise RuntimeError(
            "serverless-offline is not installed in bench/peer: `make bench` installs it "
            "(npm ci in bench/peer)"
        )
    result = PeerResult(versions=peer_versions(), load_before=list(os.getloadavg()))
    issuer = StaticIssuer()
    subject = "bench-user"
    tokens = [issuer.token(subject) for _ in range(max(CONCURRENCY))]
    ours_port, peer_port = free_port(), free_port()
    python_env = tool_environment()
    ours_command = [
        PYTHON, "-m", "bench.echo_gateway", "--port", str(ours_port), "--issuer", issuer.issuer,
        "--audience", AUDIENCE, "--jwks-uri", issuer.jwks_uri, "--workers", str(WORKERS),
    ]  # fmt: skip
    peer_env = peer_environment(issuer)
    peer_command = serverless_offline(peer_port)
    urls = {
        "ours": f"http://127.0.0.1:{ours_port}{ECHO_PATH}",
        "peer": f"http://127.0.0.1:{peer_port}{ECHO_PATH}",
    }
    logs = {"ours": workdir / "ours-gateway.log", "peer": workdir / "peer-gateway.log"}
    log(f"peer: starting our gateway and serverless-offline {result.versions}")
    try:
        with (
            served(ours_command, cwd=ROOT, env=python_env, log_path=logs["ours"]) as ours_pid,
            served(peer_command, cwd=PEER_DIR, env=peer_env, log_path=logs["peer"]) as peer_pid,
        ):
            pids = {"ours": ours_pid, "peer": peer_pid}
            for side, url in urls.items():
                wait_until_serving(url, logs[side])
                result.body_bytes[side] = check_side(side, url, tokens[0], subject)
            for path, expected in PATHS.items():
                path_tokens = tokens if expected == 200 else [""] * len(tokens)
                for concurrency in CONCURRENCY:
                    runs: dict[str, list[Run]] = {"ours": [], "peer": []}

                    sides = {
                        side: partial(
                            _measure,
                            runs[side],
                            urls[side],
                            concurrency,
                            path_tokens,
                            expected,
                            pids[side],
                            workdir,
                        )
                        for side in runs
                    }
                    interleaved(sides, ROUNDS)
                    for side, side_runs in runs.items():
                        result.runs.setdefault(side, {}).setdefault(path, {})[str(concurrency)] = (
                            side_runs
                        )
                    ours_rps = statistics.median(r.rps for r in runs["ours"])
                    peer_rps = statistics.median(r.rps for r in runs["peer"])
                    log(
                        f"peer {path} c={concurrency}: ours {ours_rps:.0f} req/s, "
                        f"serverless-offline {peer_rps:.0f} req/s ({ours_rps / peer_rps:.2f}x)"
                    )
    finally:
        issuer.close()
    result.load_after = list(os.getloadavg())
    return result
