"""Start and stop the local emulator (moto + add-on) as a subprocess.

    with EmulatorProcess(4566) as emulator:
        boto3.client("cognito-idp", endpoint_url=emulator.endpoint_url, ...)

Each start is a new process, so state is always fresh (moto cannot reliably destroy and
redeploy in one process).
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

_REPO_ROOT = Path(__file__).resolve().parents[2]
# server.py prints this once it has bound its port; a foreign server on the port would not.
READY_MARKER = "local emulator ready on"


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
    ) -> None:
        self.port = port
        self.startup_timeout = startup_timeout
        self.quiet = quiet
        self.python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None

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
        command = [self.python, "-m", "local.emulator.server", "--port", str(self.port)]
        if self.quiet:
            command.append("--quiet")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        assert self.log_path is not None
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command, cwd=_REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
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

    def _answers(self) -> bool:
        url = f"{self.endpoint_url}/moto-api/"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate (then kill) the server; safe to call twice."""
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
