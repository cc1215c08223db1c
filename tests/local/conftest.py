"""The offline product end to end: `python -m local up` as a user runs it, against real HTTP.

One local run per configuration and worker (the emulator, the real CDK CLI deploy or the saved
state of one, the data plane), shared by every test here (tests/local/runs.py; another
configuration's shared run: `shared_run_fixture`). A second, in-process data plane over the
same emulator reads its keys from a test issuer, so the bad-token catalogue (which needs keys
the tests hold) runs over real HTTP too, with a count of function invocations to prove no
handler ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from local.gateway.app import DataPlane, server_config
from local.gateway.build import build_data_plane
from stacks.contract import ApiOutput
from tests.conftest import ROOT
from tests.local.gateway.authorizer.bad_tokens import SigningMaterial
from tests.local.gateway.authorizer.jwks_server import JWKS_PATH, FakeIssuer
from tests.local.runs import LocalRun as LocalRun
from tests.local.runs import SavedStates, SharedRuns, shared_run_fixture
from tests.local.runs import port_is_free as port_is_free
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


@pytest.fixture(scope="session")
def saved_states() -> SavedStates:
    """Deployed states kept by configuration (tests/local/runs.py; LOCAL_TEST_STATES)."""
    return SavedStates.from_environment()


@pytest.fixture(scope="session")
def shared_runs(
    saved_states: SavedStates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedRuns]:
    """This worker's shared runs, one per configuration; each must stop cleanly at the end."""
    runs = SharedRuns(saved_states, tmp_path_factory.mktemp("shared-runs"))
    yield runs
    runs.stop_all()


# The default configuration, as `make local` deploys it: most end-to-end tests share this run.
local_run = shared_run_fixture("local_run", (), group="local-run")

# The one extra run of the session: route scopes on, a machine client, refresh-token rotation
# and optional TOTP MFA (CONTEXT of `make local`).
SCOPED_CONTEXT = (
    "requireScopes=true",
    "machineClient=true",
    "refreshTokenRotation=true",  # the user client rotates (test_pool_rotation_and_mfa.py)
    "mfa=true",  # optional TOTP, as prod has it
    # The updated issuer format end to end: its tokens open the scoped routes (test_scopes.py).
    "issuerFormat=updated",
)
scoped_run = shared_run_fixture("scoped_run", SCOPED_CONTEXT, group="scoped-run")


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
