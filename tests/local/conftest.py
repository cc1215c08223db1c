"""The offline product end to end: `python -m local up` as a user runs it, against real HTTP.

One local run per test session (the emulator, the real CDK CLI deploy, the data plane), shared
by every test here. A second, in-process data plane over the same emulator reads its keys from
a test issuer, so the bad-token catalogue (which needs keys the tests hold) runs over real HTTP
too, with a count of function invocations to prove no handler ran.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from local.gateway.app import DataPlane, server_config
from local.gateway.build import build_data_plane
from local.launcher import STOPPED_LINE, LocalUp, start_local_up
from local.state import RunDir, RunState
from stacks.contract import ApiOutput
from tests.conftest import ROOT
from tests.local.gateway.authorizer.bad_tokens import SigningMaterial
from tests.local.gateway.authorizer.jwks_server import JWKS_PATH, FakeIssuer
from tools.outputs import StageOutputs
from tools.ports import free_port


def local_cli(
    state_dir: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m local ARGS` as the Makefile runs it, for the run whose state is in
    `state_dir`, with the pinned CDK CLI and this interpreter first on PATH."""
    env = os.environ | {"LOCAL_STATE_DIR": str(state_dir)}
    env["PATH"] = os.pathsep.join(
        [str(ROOT / "node_modules" / ".bin"), str(Path(sys.executable).parent), env["PATH"]]
    )
    return subprocess.run(
        [sys.executable, "-m", "local", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRun]:
    tmp = tmp_path_factory.mktemp("local-run")
    run = LocalRun(**vars(start_local_up(tmp / "state", tmp / "local-up.log")))
    try:
        yield run
    finally:
        exit_code = run.stop()
    # Ctrl-C is the documented way to stop: it must end cleanly and free both ports.
    assert exit_code == 0, run.log_text()[-2000:]
    assert STOPPED_LINE in run.log_text()
    for url in (run.base_url, run.endpoint_url):
        assert port_is_free(int(url.rsplit(":", 1)[1])), f"{url} still answers after Ctrl-C"
    assert not (run.state_dir / "state.json").exists()


# The one extra run of the session: route scopes on, a machine client, refresh-token rotation
# and optional TOTP MFA (CONTEXT of `make local`).
SCOPED_CONTEXT = (
    "requireScopes=true",
    "machineClient=true",
    "refreshTokenRotation=true",  # the user client rotates (test_pool_rotation_and_mfa.py)
    "mfa=true",  # optional TOTP, as prod has it
)


@pytest.fixture(scope="session")
def scoped_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRun]:
    tmp = tmp_path_factory.mktemp("scoped-run")
    extra = [arg for pair in SCOPED_CONTEXT for arg in ("-c", pair)]
    run = LocalRun(**vars(start_local_up(tmp / "state", tmp / "local-up.log", extra_args=extra)))
    try:
        yield run
    finally:
        exit_code = run.stop()
    assert exit_code == 0, run.log_text()[-2000:]


@pytest.fixture(scope="session")
def http(local_run: LocalRun) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_run.base_url, timeout=30) as client:
        yield client


@contextmanager
def serve_in_thread(plane: DataPlane) -> Iterator[str]:
    """Serve a data plane with the same uvicorn settings as `local up`; yields its base URL."""
    with serve_config_in_thread(server_config(plane, free_port(), lifespan="off")) as base_url:
        yield base_url


@contextmanager
def serve_config_in_thread(config: uvicorn.Config) -> Iterator[str]:
    """Serve any uvicorn configuration on a thread until the block ends; yields its base URL."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class ConformancePlane:
    """An in-process data plane over the shared emulator, with keys the tests hold."""

    plane: DataPlane
    base_url: str
    material: SigningMaterial
    issuer: str
    audience: str


@pytest.fixture(scope="session")
def conformance_plane(local_run: LocalRun) -> Iterator[ConformancePlane]:
    material = SigningMaterial.generate()
    issuer_server = FakeIssuer().start()
    issuer_server.serve(material.jwks())
    api_outputs = local_run.outputs.api
    plane, closables = build_data_plane(
        endpoint_url=local_run.endpoint_url,
        api_id=local_run.outputs.api_id,
        code_root=local_run.state_dir / "functions",
        workers=1,
        jwks_uri=f"{issuer_server.base_url}{JWKS_PATH}",
        log_requests=False,
    )
    try:
        with serve_in_thread(plane) as base_url:
            yield ConformancePlane(
                plane=plane,
                base_url=base_url,
                material=material,
                issuer=api_outputs[ApiOutput.ISSUER],
                audience=api_outputs[ApiOutput.AUDIENCE],
            )
    finally:
        for item in reversed(closables):
            item.close()
        issuer_server.stop()
