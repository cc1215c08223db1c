"""Local runs the end-to-end tests share, started from a saved deployed state when there is one.

A configuration (a tuple of CDK context pairs, as `make local CONTEXT=...` takes them) is
deployed by the real CDK CLI once; right after its first `local up` is ready, its state folder
(the kept state of `local up`: local.emulator.server.persistence's snapshot, with the file modes as
they are) is saved under a key made of the app's content hash (local.deploy.app_fingerprint,
the kept state's own) and of everything else that shapes a deployed state: moto's and Python's
versions and the sources of the deploy, the run and the emulator add-on. A later run of the
same configuration, on this worker, another xdist worker or a later session, starts from a copy
of that folder, and `local up` itself decides: the app is unchanged (same fingerprint, and the
kept stacks still verify), so nothing is deployed again; anything else deploys, as for a user.

The saved copy is taken before any test reaches the run, so a restored run holds only what the
deploy made: never another test's users or profiles. Saved states live in LOCAL_TEST_STATES
(default .local/test-states, mode 0700); LOCAL_TEST_STATES=off deploys every run cold. One file
lock per key: two workers wanting one configuration deploy it once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from local.deploy import app_fingerprint
from local.emulator.caller.issuers import KEY_FILE_NAME
from local.launcher import STOPPED_LINE, LocalUp, start_local_up
from local.options import RunOptions
from local.state import RunDir, RunState
from tests.conftest import ROOT, SHARED_FIXTURE_GROUPS
from tools.outputs import StageOutputs

CACHE_ENV = "LOCAL_TEST_STATES"
DEFAULT_CACHE = ROOT / ".local" / "test-states"
# What a deployed state depends on besides the app: the whole offline product (its deploy, run
# and emulator, wherever in local/ a module lives) and the outputs reader.
_DEPLOY_SOURCES = ("tools/outputs.py",)
# Files of a serving run that a saved state must not carry: "a run serves here", the stand-in
# issuer's private key (removed when the run stops), and the CDK CLI's build output.
_LIVE_FILES = {RunDir(Path()).state_file.name, KEY_FILE_NAME, "cdk.out"}
SAVED_FILE = "saved.json"
KEPT_LINE = "kept: the app is unchanged, not deployed again"
# The suite's deploys skip CDK's built-in template validation (its WebAssembly engine: ~4 s of
# CPU per synth, a third of a cold deploy). Every configuration's templates are validated
# once per session where templates are the subject: the in-process synths of tests/stacks
# (validation on, as cdk.json asks), the real `cdk synth` the checkov gate scans, cfn-lint
# and checkov. A user's `make local` keeps it on.
DEPLOY_ENVIRONMENT = {"CDK_VALIDATION": "false"}


def deploy_environment() -> dict[str, str]:
    """The environment of a `local up` the suite starts (see DEPLOY_ENVIRONMENT)."""
    return dict(os.environ) | DEPLOY_ENVIRONMENT


def port_is_free(port: int) -> bool:
    """Could a new server listen here? (SO_REUSEADDR, as servers set: TIME_WAIT is no owner.)"""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class LocalRun(LocalUp):
    """A running `python -m local up` (started by this session), with what the tests read."""

    @property
    def state(self) -> RunState:
        state = RunState.read(RunDir(self.state_dir))
        assert state is not None, "the local run wrote no state"
        return state

    @property
    def outputs(self) -> StageOutputs:
        return self.state.outputs

    def access_log(self, request_id: str) -> dict[str, Any]:
        """The data plane's JSON log line for one request (by the apigw-requestid header)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in self.log_text().splitlines():
                if line.startswith("{") and f'"requestId":"{request_id}"' in line:
                    entry: dict[str, Any] = json.loads(line)
                    return entry
            time.sleep(0.05)
        raise AssertionError(f"no access log line for request {request_id}")


def context_pairs(args: Sequence[str]) -> tuple[str, ...]:
    """["-c", "k=v", ...] (as stacks.contract.context_args gives) -> ("k=v", ...)."""
    assert len(args) % 2 == 0, args
    assert all(a == "-c" for a in args[::2]), args
    return tuple(args[1::2])


def state_key(context: Sequence[str]) -> str:
    """The saved state's name: changes whenever a deploy of this configuration could differ."""
    digest = hashlib.sha256(app_fingerprint(list(context)).encode())
    versions = {"moto": metadata.version("moto"), "python": sys.version.split()[0]}
    digest.update(json.dumps(versions, sort_keys=True).encode())
    sources = [ROOT / s for s in _DEPLOY_SOURCES] + sorted((ROOT / "local").rglob("*.py"))
    for source in sources:
        digest.update(source.relative_to(ROOT).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:32]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ignore_live(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _LIVE_FILES or (n.startswith(".") and n.endswith(".partial"))}


@dataclass
class SavedStates:
    """Deployed states kept by configuration; `root` None: every run deploys cold."""

    root: Path | None
    restored: list[str] = field(default_factory=list)  # keys this process started from a copy
    deployed: list[str] = field(default_factory=list)  # keys this process deployed and saved

    @classmethod
    def from_environment(cls) -> SavedStates:
        value = os.environ.get(CACHE_ENV, "")
        if value.lower() == "off":
            return cls(None)
        return cls(Path(value) if value else DEFAULT_CACHE)

    def start(
        self,
        context: Sequence[str],
        workdir: Path,
        *,
        extra_args: Sequence[str] = (),
        app_dir: Path | None = None,
        watch: bool = False,
    ) -> LocalRun:
        """A serving `local up` of this configuration with its state in workdir/state
        (`app_dir`: a copy of the app with the same contents, `watch`: reloading on edits).
        A run of a copy starts from a saved state when there is one but never saves one: the
        run that saves it keeps its demo page port while it serves, so a run restored from
        the copy's would deploy the callback URL change as an update instead."""
        workdir.mkdir(parents=True, exist_ok=True)
        state_dir, log = workdir / "state", workdir / "local-up.log"
        args = [*(arg for pair in context for arg in ("-c", pair)), *extra_args]
        env = deploy_environment()
        launch = partial(start_local_up, extra_args=args, env=env, app_dir=app_dir, watch=watch)
        if self.root is None:
            return LocalRun(**vars(launch(state_dir, log)))
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = state_key(context)
        entry = self.root / key
        with _locked(self.root / f"{key}.lock"):
            demo_port = self._restore(entry, state_dir)
            if demo_port is None and app_dir is not None:
                return LocalRun(**vars(launch(state_dir, log)))
            if demo_port is None:
                run = LocalRun(**vars(launch(state_dir, log)))
                self._save(run, entry, list(context))
                self.deployed.append(key)
                return run
        # The demo page's URL is a callback URL of the deployed app: the same port, or `local
        # up` rightly sees a changed app (and deploys it as an update). A run of a copy leaves
        # that port to the run of the app itself (which may be starting on another worker) and
        # names the saved callback URL instead: the same app, nothing deployed; its own demo
        # page is then not a registered callback.
        if app_dir is not None:
            callback = RunOptions(demo_port=demo_port).deploy_context()[-1]
            relaunch = partial(launch, extra_args=[*args, "-c", callback])
            started = relaunch(state_dir, log)
            self.restored.append(key)
            return LocalRun(**vars(started))
        free = port_is_free(demo_port)
        started = launch(state_dir, log, demo_port=demo_port if free else None)
        self.restored.append(key)
        return LocalRun(**vars(started))

    @staticmethod
    def _restore(entry: Path, state_dir: Path) -> int | None:
        """Copy a saved state into state_dir; its demo page port, or None when none is saved."""
        try:
            saved = json.loads((entry / SAVED_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None
        shutil.copytree(entry / "state", state_dir, symlinks=True)  # copy2: modes kept
        return int(saved["demo_port"])

    @staticmethod
    def _save(run: LocalRun, entry: Path, context: list[str]) -> None:
        """The run's state as the deploy left it (before any test ran), saved atomically."""
        partial = entry.with_name(f"{entry.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(run.state_dir, partial / "state", symlinks=True, ignore=_ignore_live)
        record = {"demo_port": run.demo_port, "context": context, "saved_at": time.time()}
        (partial / SAVED_FILE).write_text(json.dumps(record, indent=2))
        shutil.rmtree(entry, ignore_errors=True)
        partial.rename(entry)


def stop_cleanly(run: LocalRun) -> None:
    """Ctrl-C, the documented way to stop (to the run's process group, as a terminal sends it):
    it must end with exit 0, print no traceback while stopping, and free both ports."""
    before = len(run.log_text())
    exit_code = run.stop()
    assert exit_code == 0, run.log_text()[-2000:]
    assert STOPPED_LINE in run.log_text()
    stopping = run.log_text()[before:]
    assert "Traceback" not in stopping, stopping[-3000:]
    for url in (run.base_url, run.endpoint_url):
        assert port_is_free(int(url.rsplit(":", 1)[1])), f"{url} still answers after Ctrl-C"
    assert not (run.state_dir / "state.json").exists()


class SharedRuns:
    """One serving run per configuration for this worker's session, stopped at its end."""

    def __init__(self, saved: SavedStates, workdir: Path) -> None:
        self.saved = saved
        self.workdir = workdir
        self._runs: dict[tuple[str, ...], LocalRun] = {}

    def get(self, context: Sequence[str] = ()) -> LocalRun:
        key = tuple(context)
        if key not in self._runs:
            folder = self.workdir / f"run-{len(self._runs)}"
            self._runs[key] = self.saved.start(key, folder)
        return self._runs[key]

    def stop_all(self) -> None:
        """Every run stopped at once (each saves its state and stops its workers: seconds
        apiece), each checked as stop_cleanly checks it; the first failure is raised."""
        runs, self._runs = list(self._runs.values()), {}
        with ThreadPoolExecutor(max_workers=max(1, len(runs))) as stopping:
            for stopped in [stopping.submit(stop_cleanly, run) for run in runs]:
                stopped.result()


def shared_run_fixture(name: str, context: Sequence[str], group: str | None = None) -> Any:
    """THE way for a test module (or conftest) to share a run of another configuration:

        rotation_run = shared_run_fixture("rotation_run", ("refreshTokenRotation=true",))

    makes a session fixture `rotation_run` (a LocalRun): one run of that configuration per
    worker, started from its saved deployed state when there is one; every test using it runs
    on one xdist worker (group "run:<context>", unless `group` names one)."""
    pairs = tuple(context)
    SHARED_FIXTURE_GROUPS[name] = group or "run:" + " ".join(pairs)

    @pytest.fixture(scope="session", name=name)
    def shared(shared_runs: SharedRuns) -> LocalRun:
        return shared_runs.get(pairs)

    return shared
