"""Start and stop the local emulator (moto + add-on) as a subprocess.

    with EmulatorProcess(4566) as emulator:
        boto3.client("cognito-idp", endpoint_url=emulator.endpoint_url, ...)

Without `state_dir` every start is a new, empty account (moto cannot reliably destroy and
redeploy in one process). With it the server loads the state kept there and keeps saving it
(local.emulator.server.persistence); `notices` are its lines about that state, `state_status()` and
`record()` read and extend what it keeps about the run.

The server runs in its own session: a Ctrl-C in the terminal reaches only the run that owns
it, which stops it in order (after the data plane); it stops itself if that run disappears.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from local.emulator.wire import CONTROL_PATH, NOTICE_PREFIX, READY_MARKER, SNAPSHOT_NAME
from local.private_files import secure_tree
from local.runtime.credentials import RunCredentials, load_or_create, register
from local.runtime.signing import sign_headers

_REPO_ROOT = Path(__file__).resolve().parents[3]


class EmulatorError(RuntimeError):
    """The emulator did not start (port taken, crash, or timeout); the message says which."""


class EmulatorProcess:
    """A moto server with the add-on, on http://localhost:PORT, owned by this object."""

    def __init__(
        self,
        port: int,
        *,
        startup_timeout: float = 30.0,
        quiet: bool = True,
        python: str = sys.executable,
        state_dir: Path | None = None,
        save_interval: float = 1.0,
        parent_pid: int | None = None,
    ) -> None:
        self.port = port
        self.state_dir = state_dir
        self.save_interval = save_interval
        self.parent_pid = parent_pid
        self.startup_timeout = startup_timeout
        self.quiet = quiet
        self.python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None
        # The run's credentials (local.runtime.credentials): kept in the state folder, or
        # new for an endpoint without kept state; the same across restart().
        self.credentials: RunCredentials | None = None

    @property
    def endpoint_url(self) -> str:
        """localhost, not 127.0.0.1: moto resolves the CLI's S3 template URLs only for localhost."""
        return f"http://localhost:{self.port}"

    @property
    def log_path(self) -> Path | None:
        """The server's combined stdout/stderr, while it runs (useful when a deploy fails)."""
        return None if self._log_dir is None else Path(self._log_dir.name) / "emulator.log"

    def log_text(self) -> str:
        path = self.log_path
        return path.read_text(errors="replace") if path and path.exists() else ""

    def start(self) -> EmulatorProcess:
        """Start the server and block until it answers HTTP (or raise EmulatorError)."""
        if self._process is not None:
            raise EmulatorError("emulator already started")
        self._log_dir = tempfile.TemporaryDirectory(prefix="local-emulator-")
        if self.state_dir is not None:
            secure_tree(self.state_dir)  # re-applied on every load: 0700 folders, 0600 files
            self.credentials = load_or_create(self.state_dir)
        elif self.credentials is None:
            self.credentials = RunCredentials.generate()
        command = [self.python, "-m", "local.emulator.server", "--port", str(self.port)]
        if self.quiet:
            command.append("--quiet")
        if self.state_dir is not None:
            command += ["--state-dir", str(self.state_dir)]
            command += ["--save-interval", str(self.save_interval)]
        if self.parent_pid is not None:
            command += ["--parent-pid", str(self.parent_pid)]
        env = dict(os.environ, PYTHONUNBUFFERED="1") | self.credentials.environment()
        assert self.log_path is not None
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=_REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.parent_pid is not None,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        # Only a server that answers as ours owns the URL: one that failed to start (its port
        # taken by another) must not re-key that other server's clients with its credentials.
        register(self.endpoint_url, self.credentials)
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                last = self.log_text().strip().splitlines()[-1:] or ["(no output)"]
                raise EmulatorError(f"emulator exited with code {code}: {last[0]}")
            # Our own ready line first: a foreign server on the port would also answer HTTP.
            if READY_MARKER in self.log_text() and self._answers():
                return
            time.sleep(0.1)
        tail = "\n".join(self.log_text().splitlines()[-20:])  # the log goes away on stop()
        raise EmulatorError(
            f"emulator did not answer on {self.endpoint_url} within "
            f"{self.startup_timeout:.0f}s; its output:\n{tail}"
        )

    def _signed(self, method: str, path: str, body: bytes | None = None) -> urllib.request.Request:
        """A request to the endpoint signed with the run's credentials (it refuses others)."""
        assert self.credentials is not None
        url = f"{self.endpoint_url}{path}"
        headers = {"Content-Type": "application/json"} if body is not None else {}
        signed = sign_headers(self.credentials, method, url, headers, body or b"")
        return urllib.request.Request(url, data=body, method=method, headers=signed)  # noqa: S310

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self._signed("GET", "/moto-api/"), timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    @property
    def snapshot_path(self) -> Path | None:
        return None if self.state_dir is None else self.state_dir / SNAPSHOT_NAME

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def exit_code(self) -> int | None:
        """None while the server runs (or was never started), else how it ended."""
        return None if self._process is None else self._process.poll()

    def last_words(self) -> str | None:
        """The server's last line of output, unless it is one of its normal lines: after a
        crash, usually the error it died of."""
        lines = [line.strip() for line in self.log_text().splitlines() if line.strip()]
        if not lines or READY_MARKER in lines[-1] or NOTICE_PREFIX in lines[-1]:
            return None
        return lines[-1]

    @property
    def notices(self) -> list[str]:
        """The server's lines about the kept state (loaded, moved aside, saving failed)."""
        return [
            line.split(NOTICE_PREFIX, 1)[1]
            for line in self.log_text().splitlines()
            if NOTICE_PREFIX in line
        ]

    def state_status(self) -> dict[str, Any]:
        """What the server keeps: loaded or not, last save, the run's metadata."""
        return self._control("GET", CONTROL_PATH)

    def record(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """Add to the kept metadata and save right away (e.g. what was just deployed)."""
        return self._control("POST", f"{CONTROL_PATH}/metadata", metadata)

    def _control(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """A call to the run's `/_local/*` paths, signed (local.runtime.client.local_http)."""
        from local.runtime.client import local_http

        try:
            with local_http(self.endpoint_url) as http:
                response = http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise EmulatorError(f"the local AWS endpoint did not answer {path}: {error}") from None
        if response.status_code != 200:
            raise EmulatorError(f"the local AWS endpoint refused {path}: {response.text}")
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            raise EmulatorError(f"the local AWS endpoint answered {path} with no JSON") from None
        return answer

    def restart(self) -> EmulatorProcess:
        """A new server on the same port, from the state kept (after this one died)."""
        self.stop()
        return self.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate (then kill) the server; safe to call twice. It saves its state first."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
