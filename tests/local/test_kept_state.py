"""A local run you can stop and start: `python -m local up` runs of their own, over real HTTP.

One cold run with `--fresh` over an older kept state builds a new kept state (a user signed
up with `local token`, a stored profile); each test then starts from its own copy of that
folder: a restart keeps the user, its token and its profile without deploying; a changed app
is deployed onto the kept data; a killed local AWS endpoint is reported and restarted from
its saved state, and a crash loop stops the run with exit code 1. All on one worker (xdist
group "persistence").
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from local.emulator.caller import EmulatorProcess
from local.launcher import STOPPED_LINE, LocalUp, start_local_up
from local.runtime.client import local_client
from local.state import RunDir, RunState
from local.supervisor import MAX_RESTARTS
from tests.local.conftest import local_cli, port_is_free
from tests.local.private_modes import assert_private
from tests.local.runs import deploy_environment
from tools.ports import free_port
from tools.tls import shared_tls_context

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("persistence")]

PROFILE = "/user/profile"
KEPT = "kept: the app is unchanged, not deployed again"


def _token(state_dir: Path) -> str:
    """The ID token the real `local token` prints for the demo user."""
    result = local_cli(state_dir, "token", timeout=60)
    assert result.returncode == 0, result.stderr
    return next(
        line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("ID_TOKEN=")
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _sub(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


@dataclass(frozen=True)
class Kept:
    """A state folder left by a stopped run, and what was made in it."""

    state_dir: Path
    token: str
    pool_id: str
    pool_names: list[str]  # every pool the run's endpoint had
    log: str

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.state_dir, target)
        return target


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Kept:
    """`local up --fresh` over an older kept state (a pool "older"), then a user, a profile."""
    tmp = tmp_path_factory.mktemp("kept")
    older = EmulatorProcess(free_port(), state_dir=RunDir(tmp / "state").aws_state).start()
    try:
        local_client("cognito-idp", older.endpoint_url).create_user_pool(PoolName="older")
    finally:
        older.stop()
    run = start_local_up(
        tmp / "state",
        tmp / "first.log",
        extra_args=["--fresh"],
        env=deploy_environment(),
        demo_port=DEMO_PORT,
    )
    try:
        pools = local_client("cognito-idp", run.endpoint_url).list_user_pools(MaxResults=60)
        pool_names = [pool["Name"] for pool in pools["UserPools"]]
        token = _token(run.state_dir)
        created = httpx.post(
            f"{run.base_url}{PROFILE}", json={"name": "Ann"}, headers=_bearer(token), timeout=30
        )
        assert created.status_code == 201, created.text
        state = RunState.read(RunDir(run.state_dir))
        assert state is not None
        pool_id = state.outputs.user_pool_id
        assert pool_id is not None
    finally:
        assert run.stop() == 0
    return Kept(tmp / "state", token, pool_id, pool_names, run.log_text())


@pytest.fixture
def started() -> Iterator[list[LocalUp]]:
    """Runs a test starts; any still running at the end is stopped."""
    runs: list[LocalUp] = []
    yield runs
    for run in runs:
        if run.process.poll() is None:
            run.stop()


# One demo page port for every run of this module: its URL is a callback URL of the deployed
# app, so a restart on another port would be a changed app (and redeploy, rightly).
DEMO_PORT = free_port()


def _start(runs: list[LocalUp], state_dir: Path, log: Path, args: Sequence[str] = ()) -> LocalUp:
    run = start_local_up(
        state_dir, log, extra_args=args, env=deploy_environment(), demo_port=DEMO_PORT
    )
    runs.append(run)
    return run


def _profile(run: LocalUp, token: str) -> httpx.Response:
    url = f"{run.base_url}{PROFILE}"
    return httpx.get(url, headers=_bearer(token), timeout=30, verify=shared_tls_context())


def test_fresh_starts_empty_deploys_and_keeps_the_new_state_in_the_run_folder(
    kept: Kept,
) -> None:
    """GIVEN an older kept state WHEN `local up --fresh` (make local FRESH=1) runs THEN the older
    state is set aside as aws.previous, not loaded: the endpoint holds only what the deploy
    made; when it stops, the new state is kept (not state.json: that says a run serves)."""
    previous = kept.state_dir / "aws.previous"
    assert f"Starting empty (--fresh): the kept state is now {previous}" in kept.log
    assert "loaded " not in kept.log
    assert re.search(r"JwtProfileApiDev: CREATE_COMPLETE, \d+ resources\n", kept.log)
    assert "older" not in kept.pool_names
    assert len(kept.pool_names) == 1
    assert (previous / "snapshot.bin").is_file()
    assert STOPPED_LINE in kept.log
    assert (kept.state_dir / "aws" / "snapshot.bin").is_file()
    assert not (kept.state_dir / "state.json").exists()


def test_restart_keeps_the_user_its_token_and_its_profile_without_deploying(
    kept: Kept, tmp_path: Path, started: list[LocalUp]
) -> None:
    """GIVEN a stopped run's state WHEN `local up` starts again THEN it loads that state,
    deploys nothing, the token issued before the restart still passes the authorizer, the
    stored profile is there, and `local token` signs the same user in again. The state an
    older checkout left world-readable (0755 folders, 0644 files) is private again: 0700 and
    0600 from the moment the run starts (issue 22)."""
    state_dir = kept.copy(tmp_path / "state")
    cdk_log = (state_dir / "cdk.log").stat()
    for path in [state_dir, *state_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    run = _start(started, state_dir, tmp_path / "up.log")
    assert_private(state_dir)
    log = run.log_text()
    assert f"loaded {state_dir / 'aws' / 'snapshot.bin'}" in log
    assert re.search(rf"JwtProfileApiDev: (CREATE|UPDATE)_COMPLETE, \d+ resources, {KEPT}", log)
    assert (state_dir / "cdk.log").stat().st_mtime_ns == cdk_log.st_mtime_ns  # no CDK CLI ran
    answer = _profile(run, kept.token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["profile"]["name"] == "Ann"
    state = RunState.read(RunDir(state_dir))
    assert state is not None
    assert state.outputs.user_pool_id == kept.pool_id
    assert _sub(_token(state_dir)) == _sub(kept.token)
    assert run.stop() == 0


def test_a_changed_app_is_deployed_onto_the_kept_data_naming_what_was_replaced(
    kept: Kept, tmp_path: Path, started: list[LocalUp]
) -> None:
    """GIVEN kept state WHEN the app changes (CDK context: new CORS origins, which update the
    API in place, and a new hosted-UI domain prefix, which AWS can only replace) THEN the run
    deploys it as an update: the new settings are served, the replaced domain is named, and
    the pool, the user's token and the stored profile are kept."""
    state_dir = kept.copy(tmp_path / "state")
    origin = "https://changed.example.com"
    context = ["-c", f"corsOrigins={origin}", "-c", "domainPrefix=jwt-profile-api-changed"]
    run = _start(started, state_dir, tmp_path / "up.log", context)
    log = run.log_text()
    assert re.search(r"JwtProfileApiDev: UPDATE_COMPLETE, \d+ resources\n", log), log
    replaced = [line.strip() for line in log.splitlines() if "replaced:" in line]
    assert len(replaced) == 1, log
    assert replaced[0].startswith("replaced: JwtProfileAuthDev/")
    assert replaced[0].endswith(
        "(AWS::Cognito::UserPoolDomain): a new resource, its data did not carry over"
    )
    preflight = httpx.options(
        f"{run.base_url}{PROFILE}",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.headers.get("access-control-allow-origin") == origin
    state = RunState.read(RunDir(state_dir))
    assert state is not None
    assert state.outputs.user_pool_id == kept.pool_id
    answer = _profile(run, kept.token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["profile"]["name"] == "Ann"
    assert run.stop() == 0


def _wait_for(run: LocalUp, text: str, after: int, timeout: float) -> float:
    """Seconds until `text` appears in the run's log after offset `after`."""
    started = time.monotonic()
    while text not in run.log_text()[after:]:
        assert time.monotonic() - started < timeout, f"no '{text}' in:\n{run.log_text()[after:]}"
        time.sleep(0.02)
    return time.monotonic() - started


def _emulator_pid(run: LocalUp) -> int:
    state = RunState.read(RunDir(run.state_dir))
    assert state is not None
    assert state.emulator_pid is not None
    return state.emulator_pid


def test_a_killed_endpoint_is_reported_within_2_s_restarted_from_its_saved_state(
    kept: Kept, tmp_path: Path, started: list[LocalUp]
) -> None:
    """GIVEN a serving run and a profile change saved (older than the 1 s save interval)
    WHEN the local AWS endpoint is killed (SIGKILL) THEN one line says so within 2 s, API
    requests meanwhile answer an AWS-shaped 503 (or 500), never hang, and once it is back
    (restarted from the saved state) the change and the old token work. A crash loop (more
    than MAX_RESTARTS deaths within a minute) then stops the run with exit code 1."""
    state_dir = kept.copy(tmp_path / "state")
    run = _start(started, state_dir, tmp_path / "up.log", ["--quiet"])
    changed = httpx.post(
        f"{run.base_url}{PROFILE}", json={"name": "Bea"}, headers=_bearer(kept.token), timeout=30
    )
    assert changed.status_code == 201
    time.sleep(1.5)  # one save interval and a margin: this change is on disk

    offset = len(run.log_text())
    old_pid = _emulator_pid(run)
    os.kill(old_pid, signal.SIGKILL)
    killed = time.monotonic()
    answers: list[tuple[int, Any, float]] = []
    reported_after: float | None = None
    while "the local AWS endpoint is back" not in run.log_text()[offset:]:
        assert time.monotonic() - killed < 30, run.log_text()[offset:]
        if reported_after is None and "exited with code -9" in run.log_text()[offset:]:
            reported_after = time.monotonic() - killed
        sent = time.monotonic()
        answer = _profile(run, kept.token)
        answers.append((answer.status_code, answer.json(), time.monotonic() - sent))
        time.sleep(0.05)
    if reported_after is None:
        reported_after = time.monotonic() - killed  # reported and back within one loop turn
    assert reported_after < 2.0
    line = next(x for x in run.log_text()[offset:].splitlines() if "exited with code -9" in x)
    assert line.startswith(f"error: the local AWS endpoint (pid {old_pid}) exited with code -9")
    assert "restarting it from the state saved at" in line
    assert {status for status, _, _ in answers} <= {200, 500, 503}
    assert (503, {"message": "Service Unavailable"}) in [(s, b) for s, b, _ in answers]
    assert max(seconds for _, _, seconds in answers) < 10
    back = _profile(run, kept.token)
    assert back.status_code == 200
    assert back.json()["profile"]["name"] == "Bea"
    assert _emulator_pid(run) != old_pid

    # A crash loop is not hidden: the (MAX_RESTARTS + 1)th death within a minute stops the run.
    for _ in range(MAX_RESTARTS - 1):
        offset = len(run.log_text())
        os.kill(_emulator_pid(run), signal.SIGKILL)
        _wait_for(run, "the local AWS endpoint is back", offset, 30)
    os.kill(_emulator_pid(run), signal.SIGKILL)
    assert run.process.wait(timeout=30) == 1
    assert "times within 60 s: stopping the run (exit code 1)" in run.log_text()
    assert not (state_dir / "state.json").exists()
    assert port_is_free(run.port)
