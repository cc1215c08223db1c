"""A local run seen from outside: where its state lives, and starting one as its own process.

`make token`, the smoke test and the load test read a running `make local` through its state
file; the load test, the benchmark and the end-to-end tests start `python -m local up` as a
subprocess. One module for both, so they all find, start and stop a run the same way.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "Ready in"  # what `local up` prints once it serves
STOPPED_LINE = "Stopped: local HTTP API and local AWS endpoint are down."
START_TIMEOUT_SECONDS = 180.0


class LaunchError(RuntimeError):
    """`local up` did not become ready; the message carries the tail of its log."""


def default_state_dir() -> Path:
    """LOCAL_STATE_DIR, else .local/: tests and tools point it elsewhere so they never touch a
    developer's running `make local`."""
    return Path(os.environ.get("LOCAL_STATE_DIR", ROOT / ".local"))


def read_state(state_dir: Path) -> dict[str, Any] | None:
    """The running run's state (endpoints, stack outputs, server pid), or None if none runs."""
    state_file = state_dir / "state.json"
    if not state_file.exists():
        return None
    state: dict[str, Any] = json.loads(state_file.read_text())
    return state


def outputs_with(stacks: Mapping[str, dict[str, str]], key: str) -> dict[str, str] | None:
    """The outputs of the stack that has `key` among them (AuthStack: UserPoolId; ApiStack:
    ApiUrl), whatever the stage's stack names are."""
    return next((outputs for outputs in stacks.values() if key in outputs), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LocalUp:
    """A `python -m local up` process this caller started and must stop."""

    process: subprocess.Popen[bytes]
    port: int
    aws_port: int
    state_dir: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def endpoint_url(self) -> str:
        return f"http://localhost:{self.aws_port}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, the documented way to stop a run; kill only if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


def start_local_up(
    state_dir: Path,
    log_path: Path,
    *,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
    timeout: float = START_TIMEOUT_SECONDS,
) -> LocalUp:
    """Start `local up` on free ports with its own state dir and wait until it serves."""
    port, aws_port = free_port(), free_port()
    environment = dict(os.environ if env is None else env)
    environment |= {"LOCAL_STATE_DIR": str(state_dir), "PYTHONUNBUFFERED": "1"}
    # The pinned CDK CLI (Node 22) and this interpreter's python3 for cdk.json's app command.
    bins = [str(ROOT / "node_modules" / ".bin"), str(Path(python).parent)]
    environment["PATH"] = os.pathsep.join([*bins, environment.get("PATH", "")])
    command = [python, "-m", "local", "up", "--port", str(port), "--aws-port", str(aws_port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, *extra_args], cwd=ROOT, env=environment, stdout=log, stderr=log
        )
    run = LocalUp(process, port, aws_port, state_dir, log_path)
    deadline = time.monotonic() + timeout
    while READY_LINE not in run.log_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise LaunchError(f"`local up` did not start:\n{run.log_text()[-4000:]}")
        time.sleep(0.2)
    return run
