"""The one owner of a local run's state: where it lives, what it holds, starting and stopping.

`local up` writes a RunState when it serves and removes it when it stops; `local token`,
`local smoke`, the load test, the benchmark and the end-to-end tests read it through RunState
(never raw JSON keys) and start `python -m local up` as a subprocess through `start_local_up`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from local.emulator.caller.issuers import IssuerSettings
from local.private_files import write_private
from local.runtime.credentials import CredentialsError, credentials_path, load, register
from tools.outputs import StageOutputs
from tools.ports import free_port

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


class StateError(RuntimeError):
    """The state file is unreadable or not of this version; the message says which."""


@dataclass(frozen=True)
class RunDir:
    """The files of one state directory (LOCAL_STATE_DIR, else .local/)."""

    root: Path = field(default_factory=default_state_dir)

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def password_store(self) -> Path:
        """Generated demo-user passwords (mode 0600), by pool and e-mail."""
        return self.root / "demo-users.json"

    @property
    def functions(self) -> Path:
        """Deployed function code, unpacked once per code hash."""
        return self.root / "functions"

    @property
    def aws_state(self) -> Path:
        """The local AWS endpoint's kept state (local.emulator.server.persistence), across runs."""
        return self.root / "aws"

    @property
    def previous_aws_state(self) -> Path:
        """Where `--fresh` puts the kept state it sets aside (one generation)."""
        return self.root / "aws.previous"

    def set_aside_aws_state(self) -> Path | None:
        """Start empty: move the kept state to previous_aws_state (replacing an older one)."""
        if not self.aws_state.exists():
            return None
        shutil.rmtree(self.previous_aws_state, ignore_errors=True)
        self.aws_state.rename(self.previous_aws_state)
        return self.previous_aws_state


STATE_VERSION = 2  # 2: the stand-in issuer of auth0/okta/jwt runs


@dataclass(frozen=True)
class RunState:
    """What a serving `local up` tells other processes: where it serves, what it deployed."""

    endpoint_url: str  # the local AWS endpoint
    api_url: str  # the local HTTP API, ending in '/'
    pid: int  # the data plane's process (the load test samples its RSS)
    stage: str
    stacks: dict[str, dict[str, str]]  # stack name -> outputs
    issuer: IssuerSettings | None = None  # the local stand-in issuer (auth0/okta/jwt only)
    version: int = STATE_VERSION
    emulator_pid: int | None = None  # the local AWS endpoint's process, while it serves

    @property
    def outputs(self) -> StageOutputs:
        return StageOutputs.from_stacks(self.stacks, self.stage)

    def write(self, run_dir: RunDir) -> None:
        """Atomically (a reader never sees half a file), 0600 in a 0700 folder."""
        write_private(run_dir.state_file, json.dumps(asdict(self), indent=2).encode())

    @classmethod
    def read(cls, run_dir: RunDir) -> RunState | None:
        """The serving run's state, or None when no run serves from this directory."""
        try:
            data = json.loads(run_dir.state_file.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StateError(f"{run_dir.state_file} is unreadable ({error}): remove it") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise StateError(
                f"{run_dir.state_file} is from another version of this tool: remove it"
            )
        try:
            issuer = data.pop("issuer", None)
            state = cls(**data, issuer=None if issuer is None else IssuerSettings(**issuer))
        except TypeError as error:
            raise StateError(f"{run_dir.state_file} is malformed ({error}): remove it") from None
        register_credentials(run_dir, state.endpoint_url)
        return state

    @staticmethod
    def remove(run_dir: RunDir) -> None:
        run_dir.state_file.unlink(missing_ok=True)


def register_credentials(run_dir: RunDir, endpoint_url: str) -> None:
    """This process's clients for `endpoint_url` sign with the run's kept credentials (none
    kept: nothing to register; a client then says where credentials come from)."""
    path = credentials_path(run_dir.aws_state)
    if not path.exists():
        return
    try:
        register(endpoint_url, load(path))
    except CredentialsError as problem:
        raise StateError(str(problem)) from None


@dataclass
class LocalUp:
    """A `python -m local up` process this caller started and must stop."""

    process: subprocess.Popen[bytes]
    port: int
    aws_port: int
    state_dir: Path
    log_path: Path
    auth_port: int  # the local hosted UI
    demo_port: int  # the demo page

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"http://localhost:{self.auth_port}"

    @property
    def demo_url(self) -> str:
        return f"http://localhost:{self.demo_port}/"

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
    demo_port: int | None = None,
) -> LocalUp:
    """Start `local up` on free ports with its own state dir and wait until it serves.
    `demo_port` pins the demo page's port, whose URL is part of the deployed app (a callback
    URL): restarts of one kept state must keep it, or the app counts as changed."""
    port, aws_port, auth_port = free_port(), free_port(), free_port()
    demo_port = demo_port or free_port()
    environment = dict(os.environ if env is None else env)
    environment |= {"LOCAL_STATE_DIR": str(state_dir), "PYTHONUNBUFFERED": "1"}
    # The pinned CDK CLI (Node 22) and this interpreter's python3 for cdk.json's app command.
    bins = [str(ROOT / "node_modules" / ".bin"), str(Path(python).parent)]
    environment["PATH"] = os.pathsep.join([*bins, environment.get("PATH", "")])
    command = [python, "-m", "local", "up", "--port", str(port), "--aws-port", str(aws_port)]
    command += ["--auth-port", str(auth_port), "--demo-port", str(demo_port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, *extra_args], cwd=ROOT, env=environment, stdout=log, stderr=log
        )
    run = LocalUp(process, port, aws_port, state_dir, log_path, auth_port, demo_port)
    deadline = time.monotonic() + timeout
    while READY_LINE not in run.log_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise LaunchError(f"`local up` did not start:\n{run.log_text()[-4000:]}")
        time.sleep(0.2)
    register_credentials(RunDir(state_dir), run.endpoint_url)
    return run
