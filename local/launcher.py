"""Start `python -m local up` as a subprocess on free ports and stop it (for the load test, the
benchmark and the end-to-end tests): the run's own lines are how it says it is ready.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from local.options import LocalUrls
from local.state import ROOT, RunDir, register_credentials
from tools.ports import free_port

READY_LINE = "Ready in"  # what `local up` prints once it serves
STOPPED_LINE = "Stopped: local HTTP API and local AWS endpoint are down."
START_TIMEOUT_SECONDS = 180.0
# What a copy of the app needs to deploy and watch (what `cdk watch` watches, and cdk.json).
APP_PARTS = ("app.py", "cdk.json", "stacks", "lambdas")


class LaunchError(RuntimeError):
    """`local up` did not become ready; the message carries the tail of its log."""


@dataclass
class LocalUp(LocalUrls):
    """A `python -m local up` process this caller started and must stop."""

    process: subprocess.Popen[bytes]
    port: int
    aws_port: int
    state_dir: Path
    log_path: Path
    auth_port: int
    demo_port: int

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, the documented way to stop a run, as a terminal sends it: to the run's whole
        process group (its function workers too); kill only if it does not end in time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


def copy_app(target: Path) -> Path:
    """A copy of this app to edit while a run watches it (tests, the benchmark): the same
    contents, so a kept deployment of this app is the copy's too."""
    target.mkdir(parents=True)
    for name in APP_PARTS:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


# What a developer adds while `make local` runs, for the tests and the benchmark that edit a
# copy: one more GET route to a function of its own, behind the authorizer.
_ROUTE_ANCHOR = "        self.profiles_function: lambda_.Function | None = None\n"
ROUTE_HANDLER = '''"""GET /user/settings: the caller's settings (a route added while it runs)."""

import json


def handler(event, context):
    sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    return {"statusCode": 200, "body": json.dumps({"sub": sub, "settings": {}})}
'''


def with_route(api_stack: str, path: str, name: str, module: str) -> str:
    """stacks/api_stack.py's source with `GET path` to a new function `name` whose handler is
    `profile_api.<module>.handler` (ROUTE_HANDLER saved as lambdas/profile_api/<module>.py)."""
    if _ROUTE_ANCHOR not in api_stack:
        raise ValueError("stacks/api_stack.py changed: update local.launcher.with_route's anchor")
    route = (
        f"        self.{module}_function = self._route(\n"
        f'            apigw.HttpMethod.GET, "{path}", "{name}", "{module}", read_scopes,\n'
        f'            integration_id="{name}Integration",\n'
        "        )\n"
    )
    return api_stack.replace(_ROUTE_ANCHOR, route + _ROUTE_ANCHOR)


def start_local_up(
    state_dir: Path,
    log_path: Path,
    *,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
    timeout: float = START_TIMEOUT_SECONDS,
    demo_port: int | None = None,
    app_dir: Path | None = None,
    watch: bool = False,
) -> LocalUp:
    """Start `local up` on free ports with its own state dir and wait until it serves.
    `demo_port` pins the demo page's port, whose URL is part of the deployed app (a callback
    URL): restarts of one kept state must keep it, or the app counts as changed. A run
    started here does not watch the app (`--no-watch`) unless `watch`: the tests' and the
    benchmark's runs must not reload on a developer's edit; `app_dir`: another app's folder
    (a copy to edit)."""
    port, aws_port, auth_port = free_port(), free_port(), free_port()
    demo_port = demo_port or free_port()
    environment = dict(os.environ if env is None else env)
    environment |= {"LOCAL_STATE_DIR": str(state_dir), "PYTHONUNBUFFERED": "1"}
    # The pinned CDK CLI (Node 22) and this interpreter's python3 for cdk.json's app command.
    bins = [str(ROOT / "node_modules" / ".bin"), str(Path(python).parent)]
    environment["PATH"] = os.pathsep.join([*bins, environment.get("PATH", "")])
    command = [python, "-m", "local", "up", "--port", str(port), "--aws-port", str(aws_port)]
    command += ["--auth-port", str(auth_port), "--demo-port", str(demo_port)]
    command += [] if watch else ["--no-watch"]
    command += [] if app_dir is None else ["--app-dir", str(app_dir)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, *extra_args],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group, as a terminal gives it
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
