"""Reload on save: from a saved edit to the first HTTP answer that carries it.

`make local` watches the app and reloads on a save (issue 28). Measured here, on temporary copies
of the app (never the working tree), with a real `python -m local up` and a signed-in user's
token, each figure in seconds from the moment the edit is written to the first answer with the
new code, while one client polls the route back to back (one keep-alive connection):
- handler: GET /user/profile's handler saved with one more answer field (a hot reload: the
  code goes to the local endpoint with UpdateFunctionCode, workers replaced, no deploy);
- route: a new handler file and ApiStack with a route to it, GET /user/settings<n>, saved one
  after the other (a redeploy with the CDK CLI): from the stack's save to the first 200;
  and the route taken out again: to the first 404 (each sample a route of its own, with a
  logical id no earlier sample used; local.launcher.with_route);
- restart: what watching replaces. A run that does not watch (`--no-watch`, as before), the
  handler saved, Ctrl-C, `local up` again on the edited app (a changed app: a real
  `cdk deploy`), to the first answer with the new code.
The peer: serverless-offline with `--reloadHandler` (bench/peer, on a copy) serving the echo
function of the gateway comparison (section 5): the echo handler saved with one more answer
field, the same method. And its requests per second on the echo path with `--reloadHandler`
on and off (on, every request starts a new Python process that imports the handler), beside
our echo gateway's (warm workers, which a reload replaces only when the code changed): the same
load generator, rounds interleaved. A reloading serverless-offline keeps each request's process
idle for 60 s (its terminateIdleLambdaTime): each of its load runs gets a fresh instance, and
fewer requests.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    PYTHON,
    ROOT,
    interleaved,
    log,
    tool_environment,
)
from bench.echo_gateway import ECHO_PATH
from bench.gateway_peer import (
    PEER_DIR,
    Run,
    check_side,
    load_run,
    peer_environment,
    peer_versions,
    served,
    serverless_offline,
    wait_until_serving,
)
from bench.issuer import AUDIENCE, StaticIssuer
from local.launcher import ROUTE_HANDLER, LocalUp, copy_app, start_local_up, with_route
from tools.ports import free_port

PROFILE = "/user/profile"
SETTINGS = "/user/settings"
GET_PROFILE = Path("lambdas/profile_api/get_profile.py")
API_STACK = Path("stacks/api_stack.py")
SETTINGS_HANDLER = "lambdas/profile_api/settings{}.py"
ECHO_HANDLER = Path("echo_function/echo_handler.py")

# The figures for this machine: median seconds from the save (target, goal).
TARGET_HANDLER_SECONDS = 1.0
GOAL_HANDLER_SECONDS = 0.3
TARGET_ROUTE_SECONDS = 15.0
GOAL_ROUTE_SECONDS = 8.0

ROUTE_ROUNDS = 3  # each is two CDK deploys (route in, route out)
RESTART_ROUNDS = 3  # each is a Ctrl-C and a start with a real `cdk deploy`
RPS_ROUNDS = 3
RPS_CONCURRENCY = (1, 8)
REQUESTS = 3000  # per load run: our echo gateway, serverless-offline without reloading
RELOAD_REQUESTS = 200  # per load run of serverless-offline --reloadHandler (~15-25 req/s)
LEAD_SECONDS = 0.3  # polling on the old code before each save
SETTLE_SECONDS = 1.0  # quiet between samples
ANSWER_TIMEOUT = 120.0

RELOADED = re.compile(
    r"^  reloaded in (?P<seconds>[\d.]+) s \(hot, no deploy\): (?P<what>.*)$", re.M
)
REDEPLOYED = re.compile(r"^  redeployed in (?P<seconds>[\d.]+) s: (?P<what>.*)$", re.M)
READY = re.compile(r"^Ready in (?P<seconds>[\d.]+) s", re.M)
FAILED = re.compile(r"^  ! .*$", re.M)
KEPT = "kept: the app is unchanged, not deployed again"


@dataclass
class ReloadResult:
    # save -> first answer with the new code, seconds: "ours" (hot reload), "peer"
    handler: dict[str, list[float]] = field(default_factory=dict)
    handler_reported: list[float] = field(default_factory=list)  # the run's own "reloaded in"
    handler_polls: dict[str, list[int]] = field(default_factory=dict)  # answers per sample
    # per sample: answers on the old code after the save, and the longest wait for an answer
    handler_stale: dict[str, list[int]] = field(default_factory=dict)
    handler_longest_wait: dict[str, list[float]] = field(default_factory=dict)
    handler_failed: dict[str, int] = field(default_factory=dict)  # non-200 answers, errors
    route_added: list[float] = field(default_factory=list)  # stack save -> first 200
    route_added_reported: list[float] = field(default_factory=list)  # "redeployed in"
    route_removed: list[float] = field(default_factory=list)  # stack save -> first 404
    route_removed_reported: list[float] = field(default_factory=list)
    route_failed: int = 0  # answers other than 404/200 (401, 5xx) and transport errors
    restart: list[float] = field(default_factory=list)  # save -> first answer, via a restart
    restart_stop: list[float] = field(default_factory=list)  # Ctrl-C -> exited
    restart_ready: list[float] = field(default_factory=list)  # the run's own "Ready in"
    # where a deploy's seconds went, per sample of "route" and "restart": from the save until
    # the app wrote its cloud assembly (cdk.out/manifest.json), then until `cdk deploy` wrote
    # outputs.json (CDK's built-in validation runs after the assembly is written), then to
    # the first answer (API read, workers started, swapped); "cli_total": the deploy's own
    # "Total time" as the CDK CLI printed it
    phases: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    # side -> concurrency (as str, for JSON) -> one Run per round
    rps: dict[str, dict[str, list[Run]]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    reload_lines: list[str] = field(default_factory=list)  # what the runs printed, distinct
    versions: dict[str, str] = field(default_factory=dict)
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    # what was measured: the commit, and the product's files that differed from it
    product: dict[str, Any] = field(default_factory=dict)


# --- the edits (as tests/local/test_watch_reload.py makes them) ------------------------------


def with_marker(source: str, marker: str) -> str:
    """GET /user/profile's handler, answering one more field: which edit it runs."""
    edited = source.replace('"profile": profile}', f'"profile": profile, "edit": "{marker}"}}')
    if edited == source:
        raise RuntimeError("get_profile.py no longer ends its answer as this benchmark expects")
    return edited


def echo_with_marker(source: str, marker: str) -> str:
    """The echo handler, answering one more field."""
    edited = source.replace(
        '"body": json.dumps(event),', f'"body": json.dumps({{**event, "edit": "{marker}"}}),'
    )
    if edited == source:
        raise RuntimeError("echo_handler.py no longer answers as this benchmark expects")
    return edited


# --- polling ---------------------------------------------------------------------------------


def _edit_of(body: bytes) -> str | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    edit = value.get("edit") if isinstance(value, dict) else None
    return edit if isinstance(edit, str) else None


@dataclass
class Poller:
    """One client sending GETs back to back on one keep-alive connection, from a thread,
    until an answer is the new one; every answer's arrival time and status are kept."""

    url: str
    headers: dict[str, str]
    is_new: Callable[[int, bytes], bool]
    answers: list[tuple[float, int, bool]] = field(default_factory=list)  # (time, status, new)
    errors: list[float] = field(default_factory=list)  # transport errors (refused, reset)
    found: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                try:
                    response = client.get(self.url, headers=self.headers)
                except httpx.HTTPError:
                    self.errors.append(time.perf_counter())
                    time.sleep(0.01)  # nothing listens yet (a restart): try again soon
                    continue
                now = time.perf_counter()
                new = self.is_new(response.status_code, response.content)
                self.answers.append((now, response.status_code, new))
                self.answered.set()
                if new:
                    self.found.set()
                    return

    @contextlib.contextmanager
    def running(self) -> Iterator[Poller]:
        thread = threading.Thread(target=self._run, name="bench-poll", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            thread.join(timeout=15)

    def settle_on_old(self) -> None:
        """Before a save: the old code has answered, for LEAD_SECONDS."""
        if not self.answered.wait(60) or self.found.is_set():
            raise RuntimeError(f"{self.url}: no answer on the old code: {self.answers[:3]}")
        time.sleep(LEAD_SECONDS)

    def first_new(self, run: LocalUp | None = None, timeout: float = ANSWER_TIMEOUT) -> float:
        """When the first new answer came; a failure the run reports ends the wait."""
        since = len(run.log_text()) if run is not None else 0
        deadline = time.monotonic() + timeout
        while not self.found.wait(0.1):
            printed = run.log_text()[since:] if run is not None else ""
            if FAILED.search(printed) or time.monotonic() > deadline:
                last = self.answers[-3:]
                raise RuntimeError(
                    f"{self.url}: no new answer within {time.monotonic() - deadline + timeout:.0f}"
                    f" s: {last}; the run printed:\n{printed[-3000:]}"
                )
        return next(at for at, _, new in self.answers if new)

    def stale_after(self, moment: float) -> int:
        return sum(1 for at, _, new in self.answers if at > moment and not new)

    def longest_wait(self, moment: float) -> float:
        """The longest time between answers from `moment` on (a request that hung)."""
        times = [moment] + [at for at, _, _ in self.answers if at > moment]
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def _wait_for_line(run: LocalUp, pattern: re.Pattern[str], since: int, timeout: float) -> str:
    """The run's output after `since` once it matches `pattern`: the matched line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = pattern.search(run.log_text()[since:])
        if match:
            return match.group(0)
        failed = FAILED.search(run.log_text()[since:])
        if failed:
            raise RuntimeError(f"the run reported a failure: {run.log_text()[since:][-3000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"no {pattern.pattern!r} within {timeout:.0f} s:\n{run.log_text()[-3000:]}")


def _deploy_phases(state_dir: Path, saved_at: float, answered_at: float) -> dict[str, float]:
    """Split save -> answer by the files the run's deploy writes (wall-clock mtimes)."""
    synthesized = (state_dir / "cdk.out" / "manifest.json").stat().st_mtime
    deployed = (state_dir / "outputs.json").stat().st_mtime
    # what the CLI itself counts of its deploy ("✨  Total time: 1.64s" in the run's cdk.log)
    reported = re.findall(r"Total time: ([\d.]+)s", (state_dir / "cdk.log").read_text())
    return {
        "synth": synthesized - saved_at,
        "deploy": deployed - synthesized,
        "serve": answered_at - deployed,
        "cli_total": float(reported[-1]) if reported else 0.0,
    }


def _seconds_of(line: str, pattern: re.Pattern[str]) -> float:
    match = pattern.search(line)
    assert match is not None
    return float(match.group("seconds"))


# --- the sides -------------------------------------------------------------------------------


def _token(state_dir: Path) -> str:
    """A signed-in demo user's ID token from the run (`python -m local token`)."""
    completed = subprocess.run(
        [PYTHON, "-m", "local", "token"],
        cwd=ROOT,
        env=tool_environment({"LOCAL_STATE_DIR": str(state_dir)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("ID_TOKEN="):
            return line.split("=", 1)[1]
    raise RuntimeError(f"`local token` gave no ID token:\n{completed.stderr[-2000:]}")


@dataclass
class LocalApp:
    """A `local up` on a copy of the app, what it serves and the user's token."""

    run: LocalUp
    app: Path
    token: str
    log_dir: Path
    result: ReloadResult
    edits: int = 0

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class WatchedApp(LocalApp):
    """A watching `local up`: an edit is served by a hot reload or a redeploy."""

    routes: int = 0

    def mark(self) -> int:
        return len(self.run.log_text())

    def note(self, line: str) -> None:
        summary = re.sub(r"[\d.]+ s", "N s", line.strip())
        summary = re.sub(rf"{SETTINGS}\d+", f"{SETTINGS}N", summary)
        if summary not in self.result.reload_lines:
            self.result.reload_lines.append(summary)

    def next_marker(self, prefix: str) -> str:
        self.edits += 1
        return f"{prefix}-{self.edits}"


def _handler_sample(watched: WatchedApp, original: str) -> float:
    """Ours: the GET handler saved while the run watches; save -> first answer with it."""
    marker = watched.next_marker("hot")
    poller = Poller(
        f"{watched.run.base_url}{PROFILE}",
        watched.bearer,
        lambda status, body: status == 200 and _edit_of(body) == marker,
    )
    since = watched.mark()
    with poller.running():
        poller.settle_on_old()
        saved = time.perf_counter()
        (watched.app / GET_PROFILE).write_text(with_marker(original, marker))
        answered = poller.first_new(watched.run)
    line = _wait_for_line(watched.run, RELOADED, since, 60)
    watched.note(line)
    watched.result.handler_reported.append(_seconds_of(line, RELOADED))
    _count_failures(watched.result, "ours", poller, saved, lambda status: status == 200)
    time.sleep(SETTLE_SECONDS)
    return answered - saved


def _count_failures(
    result: ReloadResult, side: str, poller: Poller, saved: float, ok: Callable[[int], bool]
) -> None:
    failed = len(poller.errors) + sum(1 for _, status, _ in poller.answers if not ok(status))
    result.handler_failed[side] = result.handler_failed.get(side, 0) + failed
    result.handler_polls.setdefault(side, []).append(len(poller.answers))
    result.handler_stale.setdefault(side, []).append(poller.stale_after(saved))
    result.handler_longest_wait.setdefault(side, []).append(poller.longest_wait(saved))


@dataclass
class PeerApp:
    """serverless-offline on a copy of bench/peer (its echo handler is edited)."""

    folder: Path
    url: str
    token: str
    result: ReloadResult
    edits: int = 0


def _peer_sample(peer: PeerApp, original: str) -> float:
    """The peer: the echo handler saved under serverless-offline --reloadHandler."""
    peer.edits += 1
    marker = f"echo-{peer.edits}"
    poller = Poller(
        peer.url,
        {"Authorization": f"Bearer {peer.token}"},
        lambda status, body: status == 200 and _edit_of(body) == marker,
    )
    with poller.running():
        poller.settle_on_old()
        saved = time.perf_counter()
        (peer.folder / ECHO_HANDLER).write_text(echo_with_marker(original, marker))
        answered = poller.first_new()
    _count_failures(peer.result, "peer", poller, saved, lambda status: status == 200)
    time.sleep(SETTLE_SECONDS)
    return answered - saved


def _route_sample(watched: WatchedApp, original_stack: str) -> float:
    """Ours: a new handler and a route to it saved; stack save -> first 200 with the token.
    Then the route taken out (stack put back, handler removed): -> first 404."""
    result = watched.result
    watched.routes += 1
    path, handler = f"{SETTINGS}{watched.routes}", SETTINGS_HANDLER.format(watched.routes)
    added = Poller(f"{watched.run.base_url}{path}", watched.bearer, lambda status, _: status == 200)
    since = watched.mark()
    with added.running():
        added.settle_on_old()
        (watched.app / handler).write_text(ROUTE_HANDLER)
        saved, saved_at = time.perf_counter(), time.time()
        routed = with_route(
            original_stack, path, f"GetSettings{watched.routes}", f"settings{watched.routes}"
        )
        (watched.app / API_STACK).write_text(routed)
        answered = added.first_new(watched.run)
    line = _wait_for_line(watched.run, REDEPLOYED, since, ANSWER_TIMEOUT)
    if f"+ GET {path}" not in line:
        raise RuntimeError(f"the redeploy did not add the route: {line}")
    watched.note(line)
    result.route_added_reported.append(_seconds_of(line, REDEPLOYED))
    phases = _deploy_phases(watched.run.state_dir, saved_at, saved_at + answered - saved)
    result.phases.setdefault("route", []).append(phases)
    time.sleep(SETTLE_SECONDS)

    removed = Poller(
        f"{watched.run.base_url}{path}", watched.bearer, lambda status, _: status == 404
    )
    since = watched.mark()
    with removed.running():
        removed.settle_on_old()
        taken_out = time.perf_counter()
        (watched.app / API_STACK).write_text(original_stack)
        (watched.app / handler).unlink()
        gone = removed.first_new(watched.run)
    line = _wait_for_line(watched.run, REDEPLOYED, since, ANSWER_TIMEOUT)
    if f"- GET {path}" not in line:
        raise RuntimeError(f"the redeploy did not remove the route: {line}")
    watched.note(line)
    result.route_removed.append(gone - taken_out)
    result.route_removed_reported.append(_seconds_of(line, REDEPLOYED))
    for poller, expected in ((added, {404, 200}), (removed, {200, 404})):
        result.route_failed += len(poller.errors)
        result.route_failed += sum(1 for _, s, _ in poller.answers if s not in expected)
    time.sleep(SETTLE_SECONDS)
    return answered - saved


@dataclass
class RestartedApp(LocalApp):
    """A `local up` that does not watch: an edit needs Ctrl-C and a new start."""


def _restart_sample(restarted: RestartedApp, original: str) -> float:
    """The handler saved, Ctrl-C, `local up` on the edited app (a real `cdk deploy`):
    save -> first answer with the new code. The new run listens on a port chosen here, so the
    client polls it from the save on (a second --port after the launcher's: argparse keeps the
    last), and sees the first answer the moment it comes, not at the launcher's next look."""
    restarted.edits += 1
    marker = f"restart-{restarted.edits}"
    old = restarted.run
    port = free_port()
    poller = Poller(
        f"http://localhost:{port}{PROFILE}",
        restarted.bearer,
        lambda status, body: status == 200 and _edit_of(body) == marker,
    )
    log_path = restarted.log_dir / f"restart-{restarted.edits}.log"
    with poller.running():
        saved, saved_at = time.perf_counter(), time.time()
        (restarted.app / GET_PROFILE).write_text(with_marker(original, marker))
        code = old.stop()
        stopped = time.perf_counter()
        if code != 0:
            raise RuntimeError(f"`local up` exited {code} on Ctrl-C:\n{old.log_text()[-2000:]}")
        run = start_local_up(
            old.state_dir,
            log_path,
            extra_args=["--quiet", "--port", str(port)],
            env=tool_environment(),
            demo_port=old.demo_port,
            app_dir=restarted.app,
            watch=False,
        )
        restarted.run = replace(run, port=port)
        answered = poller.first_new()
    text = restarted.run.log_text()
    if KEPT in text:
        raise RuntimeError("the restart on an edited app deployed nothing: not the baseline")
    ready = READY.search(text)
    restarted.result.restart_ready.append(float(ready.group("seconds")) if ready else 0.0)
    restarted.result.restart_stop.append(stopped - saved)
    phases = _deploy_phases(restarted.run.state_dir, saved_at, saved_at + answered - saved)
    restarted.result.phases.setdefault("restart", []).append(phases)
    time.sleep(SETTLE_SECONDS)
    return answered - saved


# --- requests per second on the echo path ------------------------------------------------------


def _load(
    url: str, concurrency: int, tokens: list[str], requests: int, warmup: int, pid: int, work: Path
) -> Run:
    spec_path = work / "reload-load-spec.json"
    return load_run(
        url,
        concurrency,
        tokens,
        expected=200,
        requests=requests,
        warmup=warmup,
        pid=pid,
        spec_path=spec_path,
    )


def _copy_peer(target: Path) -> Path:
    """bench/peer's service on a copy whose handler can be edited (its node_modules linked)."""
    target.mkdir(parents=True)
    shutil.copy2(PEER_DIR / "serverless.yml", target / "serverless.yml")
    shutil.copytree(
        PEER_DIR / "echo_function",
        target / "echo_function",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (target / "node_modules").symlink_to(PEER_DIR / "node_modules")
    return target


def _fresh_reloading_peer_load(
    into: list[Run],
    folder: Path,
    issuer: StaticIssuer,
    concurrency: int,
    tokens: list[str],
    work: Path,
) -> float:
    """One load run on a serverless-offline --reloadHandler started for it (each request
    leaves a Python process behind for 60 s: a fresh instance bounds them to one run's)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{ECHO_PATH}"
    log_path = work / "peer-reloading-load.log"
    env = peer_environment(issuer)
    with served(
        serverless_offline(port, reload_handler=True), cwd=folder, env=env, log_path=log_path
    ) as pid:
        wait_until_serving(url, log_path)
        run = _load(url, concurrency, tokens, RELOAD_REQUESTS, 2 * concurrency, pid, work)
    into.append(run)
    return run.rps


def _measured_load(
    into: list[Run], url: str, concurrency: int, tokens: list[str], pid: int, work: Path
) -> float:
    run = _load(url, concurrency, tokens, REQUESTS, max(4 * concurrency, 100), pid, work)
    into.append(run)
    return run.rps


def _requests_per_second(
    result: ReloadResult, issuer: StaticIssuer, peer_folder: Path, work: Path
) -> None:
    subject = "bench-user"
    tokens = [issuer.token(subject) for _ in range(max(RPS_CONCURRENCY))]
    ours_port, peer_port = free_port(), free_port()
    ours_command = [
        PYTHON, "-m", "bench.echo_gateway", "--port", str(ours_port), "--issuer", issuer.issuer,
        "--audience", AUDIENCE, "--jwks-uri", issuer.jwks_uri, "--workers", "2",
    ]  # fmt: skip
    urls = {
        "ours": f"http://127.0.0.1:{ours_port}{ECHO_PATH}",
        "peer": f"http://127.0.0.1:{peer_port}{ECHO_PATH}",
    }
    logs = {"ours": work / "ours-echo.log", "peer": work / "peer-echo.log"}
    result.requests = {"ours": REQUESTS, "peer": REQUESTS, "peer_reload": RELOAD_REQUESTS}
    with (
        served(ours_command, cwd=ROOT, env=tool_environment(), log_path=logs["ours"]) as ours,
        served(
            serverless_offline(peer_port),
            cwd=peer_folder,
            env=peer_environment(issuer),
            log_path=logs["peer"],
        ) as peer,
    ):
        pids = {"ours": ours, "peer": peer}
        for side, url in urls.items():
            wait_until_serving(url, logs[side])
            check_side(side, url, tokens[0], subject)
        for concurrency in RPS_CONCURRENCY:
            runs: dict[str, list[Run]] = {"ours": [], "peer": [], "peer_reload": []}
            sides: dict[str, Callable[[], float]] = {
                side: partial(
                    _measured_load, runs[side], urls[side], concurrency, tokens, pids[side], work
                )
                for side in ("ours", "peer")
            }
            sides["peer_reload"] = partial(
                _fresh_reloading_peer_load,
                runs["peer_reload"],
                peer_folder,
                issuer,
                concurrency,
                tokens,
                work,
            )
            interleaved(sides, RPS_ROUNDS)
            for side, side_runs in runs.items():
                result.rps.setdefault(side, {})[str(concurrency)] = side_runs
            medians = {s: statistics.median(r.rps for r in rs) for s, rs in runs.items()}
            log(
                f"reload echo c={concurrency}: ours {medians['ours']:.0f} req/s, "
                f"serverless-offline {medians['peer']:.0f}, "
                f"with --reloadHandler {medians['peer_reload']:.1f}"
            )


# --- the section -------------------------------------------------------------------------------


def _product() -> dict[str, Any]:
    """The commit measured, and the product's files that differed from it (others' edits)."""

    def git(*args: str) -> str:
        completed = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        )
        return completed.stdout.strip()

    changed = git("status", "--porcelain", "--", "local", "stacks", "lambdas", "app.py", "cdk.json")
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed": changed.splitlines()}


def _start(work: Path, name: str, app: Path, *, watch: bool) -> LocalUp:
    """A quiet `local up` of `app`, its state in `work/<name>-state`, its log `work/<name>.log`."""
    return start_local_up(
        work / f"{name}-state",
        work / f"{name}.log",
        extra_args=["--quiet"],
        env=tool_environment(),
        app_dir=app,
        watch=watch,
    )


def _median_text(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def _keep_logs(work: Path) -> Path:
    """The runs' logs (and their CDK CLI logs) where they outlive the benchmark's workdir."""
    kept = Path(tempfile.mkdtemp(prefix="bench-reload-logs-"))
    for path in [*work.glob("*.log"), *work.glob("*-state/cdk.log")]:
        shutil.copy2(path, kept / path.relative_to(work).as_posix().replace("/", "-"))
    return kept


def _handler_phase(watched: WatchedApp, issuer: StaticIssuer, work: Path, rounds: int) -> Path:
    """Handler edits, ours and the peer's, interleaved; returns the peer's folder."""
    result = watched.result
    peer_folder = _copy_peer(work / "peer")
    peer_port = free_port()
    peer_url = f"http://127.0.0.1:{peer_port}{ECHO_PATH}"
    peer_log = work / "peer-reloading.log"
    log(f"reload: serverless-offline --reloadHandler {result.versions}")
    with served(
        serverless_offline(peer_port, reload_handler=True),
        cwd=peer_folder,
        env=peer_environment(issuer),
        log_path=peer_log,
    ):
        wait_until_serving(peer_url, peer_log)
        peer_token = issuer.token("bench-user")
        check_side("peer", peer_url, peer_token, "bench-user")
        peer = PeerApp(peer_folder, peer_url, peer_token, result)
        profile_source = (watched.app / GET_PROFILE).read_text()
        echo_source = (peer_folder / ECHO_HANDLER).read_text()
        samples = interleaved(
            {
                "ours": partial(_handler_sample, watched, profile_source),
                "peer": partial(_peer_sample, peer, echo_source),
            },
            rounds,
        )
        result.handler = {side: s.seconds for side, s in samples.items()}
        (peer_folder / ECHO_HANDLER).write_text(echo_source)
        since = watched.mark()
        (watched.app / GET_PROFILE).write_text(profile_source)
        _wait_for_line(watched.run, RELOADED, since, 60)
    for side, values in result.handler.items():
        log(f"reload handler, {side}: {_median_text(values)}")
    return peer_folder


def run(rounds: int, workdir: Path) -> ReloadResult:
    """`rounds` handler edits on each side; ROUTE_ROUNDS routes and RESTART_ROUNDS restarts."""
    result = ReloadResult(
        versions=peer_versions(), load_before=list(os.getloadavg()), product=_product()
    )
    work = Path(tempfile.mkdtemp(prefix="reload-", dir=workdir))
    issuer = StaticIssuer()
    holders: list[LocalApp] = []  # their runs are stopped at the end
    try:
        # Ours: a watching run on a copy of the app (a cold start: the real deploy), and the
        # baseline: a run that does not watch, restarted on each edit.
        app, restart_app = copy_app(work / "app"), copy_app(work / "restart-app")
        log("reload: starting a watching `local up` and a `--no-watch` one on copies of the app")
        watched = WatchedApp(_start(work, "watched", app, watch=True), app, "", work, result)
        holders.append(watched)
        watched.token = _token(work / "watched-state")
        restarted = RestartedApp(
            _start(work, "restart", restart_app, watch=False), restart_app, "", work, result
        )
        holders.append(restarted)
        restarted.token = _token(work / "restart-state")
        measured = interleaved(
            {
                "route": partial(_route_sample, watched, (app / API_STACK).read_text()),
                "restart": partial(
                    _restart_sample, restarted, (restart_app / GET_PROFILE).read_text()
                ),
            },
            max(ROUTE_ROUNDS, RESTART_ROUNDS),
        )
        restarted.run.stop()
        result.route_added = measured["route"].seconds
        result.restart = measured["restart"].seconds
        log(f"reload route added: {_median_text(result.route_added)}")
        log(f"reload route removed: {_median_text(result.route_removed)}")
        log(f"reload via restart: {_median_text(result.restart)}")

        peer_folder = _handler_phase(watched, issuer, work, rounds)
        log("reload: requests per second on the echo path, --reloadHandler on and off")
        _requests_per_second(result, issuer, peer_folder, work)
    except BaseException:
        log(f"reload: the runs' logs are kept in {_keep_logs(work)}")
        raise
    finally:
        for holder in holders:
            with contextlib.suppress(Exception):
                holder.run.stop()
        issuer.close()
    result.load_after = list(os.getloadavg())
    return result
