"""The local run (`make local`): a typed object with a lifecycle the CLI, the watcher, the
launcher's tests and the load test drive.

`LocalRun(options)`: `start()` (ports, private run folder, the local AWS endpoint), `deploy()`,
`load()` (stand-in issuer, data plane, hosted UI and demo page, state file), `serve()` (blocks
until Ctrl-C; watches the app unless told not to), and while it serves `reload(paths)` (a
function's code: hot; anything else: `redeploy()`), `stop()`. Every step registers its undo on
one ExitStack, undone in reverse.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from local import console
from local.app_files import AppFiles
from local.deploy import Deployment, deploy_app
from local.emulator.caller import EmulatorProcess
from local.emulator.caller.issuers import StandInIssuer
from local.emulator.caller.token_shapes import Provider
from local.emulator.caller.verify import DeployedStack
from local.emulator.wire import HOSTED_UI_METADATA
from local.gateway.app import DataPlane, server_config
from local.gateway.build import ServedApiBuilder, data_plane
from local.hosted_ui import build_hosted_ui
from local.hotswap import CodeAssets
from local.launcher import READY_LINE, STOPPED_LINE
from local.options import RunOptions
from local.pool_notices import PoolNotices
from local.private_files import secure_tree
from local.reload import Reloader, report_broken
from local.runtime.client import local_client
from local.serving import ServeError, serve_in_thread
from local.state import RunDir, RunState
from local.supervisor import EmulatorSupervisor
from local.watch import AppWatcher
from stacks.contract import ApiOutput
from tools.demo import DemoConfig, demo_app
from tools.demo.choices import DirectSignIn
from tools.loopback import LoopbackOnly
from tools.outputs import StageOutputs
from tools.ports import port_free


class UsageError(RuntimeError):
    """A user's mistake (bad option, taken port, nothing running): one line, exit 2."""


class Swappable:
    """An ASGI app that forwards to whichever app it holds now (the hosted UI and demo page
    after a redeploy changed the pool)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass
class Browser:
    """What serves the browser flow: the hosted UI (its own host) and the demo page."""

    hosted_ui: Swappable
    demo: Swappable
    pool_key: tuple[str, ...] = ()


@dataclass
class LocalRun:
    """One `local up`, from start to stop."""

    options: RunOptions
    run_dir: RunDir = field(default_factory=RunDir)
    stack: ExitStack = field(default_factory=ExitStack)
    emulator: EmulatorProcess | None = None
    deployment: Deployment | None = None
    issuer: StandInIssuer | None = None
    builder: ServedApiBuilder | None = None
    plane: DataPlane | None = None
    browser: Browser | None = None
    server: uvicorn.Server | None = None
    gave_up: bool = False
    # One reload or redeploy at a time (the watcher's, or a caller's).
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- start: ports, run folder, endpoint -------------------------------------------------

    def start(self) -> EmulatorProcess:
        self._check_ports()
        os.umask(0o077)  # everything the run and its children create is private
        secure_tree(self.run_dir.root)
        if self.options.fresh and (aside := self.run_dir.set_aside_aws_state()) is not None:
            print(f"==> Starting empty (--fresh): the kept state is now {aside}", flush=True)
        started = console.step(
            f"Starting the local AWS endpoint (moto) on http://localhost:{self.options.aws_port}, "
            f"state kept in {self.run_dir.aws_state}"
        )
        self.emulator = self.stack.enter_context(
            EmulatorProcess(
                self.options.aws_port, state_dir=self.run_dir.aws_state, parent_pid=os.getpid()
            )
        )
        for notice in self.emulator.notices:
            print(f"    {notice}", flush=True)
        console.done(started)
        return self.emulator

    def _check_ports(self) -> None:
        o = self.options
        for port, what, option in (
            (o.port, "local HTTP API", "--port"),
            (o.aws_port, "local AWS endpoint", "--aws-port"),
            (o.auth_port, "local hosted UI", "--auth-port"),
            (o.demo_port, "demo page", "--demo-port"),
        ):
            try:
                free = port_free(port)
            except OSError:
                free = False
            if not free:
                raise UsageError(
                    f"port {port} ({what}) is already in use: stop what uses it or pass {option}"
                )

    @property
    def app_dir(self) -> Path:
        return self.options.app_dir

    @property
    def context(self) -> list[str]:
        return self.options.deploy_context()

    @property
    def endpoint_url(self) -> str:
        return self.endpoint.endpoint_url

    @property
    def endpoint(self) -> EmulatorProcess:
        assert self.emulator is not None, "start() first"
        return self.emulator

    # --- deploy --------------------------------------------------------------------------

    def kept_deployment(self) -> dict[str, Any]:
        kept: dict[str, Any] = self.endpoint.state_status()["metadata"].get("deployment") or {}
        return kept

    def deploy(self, *, first: bool = True) -> Deployment:
        """The app into the endpoint with the real CDK CLI, unless the kept deployment is of
        this same app; recorded with the state it made."""
        deployment = deploy_app(
            self.endpoint.endpoint_url,
            self.options.deploy_context(),
            self.run_dir.root,
            self.kept_deployment(),
            app_root=self.options.app_dir,
            bootstrap=first,
        )
        if not deployment.reused:
            self.endpoint.record(deployment.record())  # saved with the state it describes
        self.deployment = deployment
        return deployment

    def record_fingerprint(self, fingerprint: str) -> None:
        """The kept deployment is of this app now (after a hot reload changed its code)."""
        assert self.deployment is not None
        self.deployment.fingerprint = fingerprint
        self.endpoint.record(self.deployment.record())

    @property
    def stacks(self) -> list[DeployedStack]:
        assert self.deployment is not None, "deploy() first"
        return self.deployment.stacks

    @property
    def outputs(self) -> StageOutputs:
        return StageOutputs.from_stacks(
            {s.name: s.outputs for s in self.stacks}, self.options.stage
        )

    # --- load: issuer, data plane, browser flow, state -------------------------------------

    def load(self) -> DataPlane:
        self._start_issuer()
        started = console.step("Reading the deployed API and loading its functions")
        self.builder = ServedApiBuilder(
            endpoint_url=self.endpoint.endpoint_url,
            code_root=self.run_dir.functions,
            leeway_seconds=self.options.leeway,
            workers=self.options.workers,
            jwks_uri=self.options.jwks_uri,
            discovery_urls={}
            if self.issuer is None
            else {self.issuer.settings.issuer: self.issuer.settings.discovery_url},
        )
        self.stack.callback(self.builder.close)
        built = self.builder.build(self.outputs.api_id)
        if built.broken:  # which app files they come from: known from what the endpoint holds
            app = AppFiles.load(self.options.app_dir)
            report_broken(built, CodeAssets.scan(app, self.endpoint_url, self.run_dir.functions))
        self.plane = data_plane(built.served, log_requests=not self.options.quiet)
        console.done(started)
        self.serve_browser_flow()
        secure_tree(self.run_dir.root)  # the CDK CLI copies assets with their source's mode
        self.write_state()
        self.stack.callback(RunState.remove, self.run_dir)
        return self.plane

    def _start_issuer(self) -> None:
        """With auth=auth0/okta/jwt, a local stand-in for the deployed issuer (unless
        --jwks-uri points the authorizer at keys elsewhere)."""
        if self.options.auth not in {p.value for p in Provider} or self.options.jwks_uri:
            return
        outputs = self.outputs
        issuer_url = outputs.api.get(ApiOutput.ISSUER, "")
        audiences = [a for a in outputs.api.get(ApiOutput.AUDIENCE, "").split(",") if a]
        provider = Provider(self.options.auth)
        self.issuer = StandInIssuer(provider, issuer_url, audiences, self.run_dir.root)
        self.stack.callback(self.issuer.close)
        print(
            f"==> Local {self.issuer.settings.provider} issuer for {self.issuer.settings.issuer} "
            f"(new signing key): discovery at {self.issuer.settings.discovery_url}",
            flush=True,
        )

    def _pool_key(self, outputs: StageOutputs) -> tuple[str, ...]:
        """What the hosted UI is built from: the pool, its client, its configuration."""
        if outputs.user_pool_id is None or outputs.client_id is None:
            return ()
        cognito = local_client("cognito-idp", self.endpoint.endpoint_url)
        pool = cognito.describe_user_pool(UserPoolId=outputs.user_pool_id)["UserPool"]
        described = {k: v for k, v in pool.items() if k not in _VOLATILE_POOL_KEYS}
        return (outputs.user_pool_id, outputs.client_id, repr(sorted(described.items())))

    def _browser_apps(self, outputs: StageOutputs) -> tuple[Any, Any]:
        assert outputs.user_pool_id is not None
        assert outputs.client_id is not None
        endpoint_url = self.endpoint.endpoint_url
        hosted_ui = build_hosted_ui(
            local_client("cognito-idp", endpoint_url),
            outputs.user_pool_id,
            base_url=self.options.auth_url,
            endpoint_url=endpoint_url,
        )
        # The pool's discovery document (on the local AWS endpoint) lists these endpoints.
        self.endpoint.record({HOSTED_UI_METADATA: {outputs.user_pool_id: self.options.auth_url}})
        o = self.options
        direct = DirectSignIn.read(
            local_client("cognito-idp", endpoint_url), outputs.user_pool_id, outputs.client_id
        )
        demo = DemoConfig(o.auth_url, outputs.client_id, o.base_url, o.demo_url, direct=direct)
        return hosted_ui.app, demo_app(demo)

    def serve_browser_flow(self) -> bool:
        """With a user pool: the hosted UI on its own port (as the Cognito domain is its own
        host) and the demo page; after a redeploy, rebuilt when the pool changed (True)."""
        outputs = self.outputs
        key = self._pool_key(outputs)
        if self.browser is not None:
            if key and key != self.browser.pool_key:
                self.browser.hosted_ui.app, self.browser.demo.app = self._browser_apps(outputs)
                self.browser.pool_key = key
                return True
            return False
        if not key:
            return False
        o = self.options
        started = console.step(
            f"Serving the hosted UI on {o.auth_url} and the demo page on {o.demo_url}"
        )
        hosted_ui, demo = self._browser_apps(outputs)
        self.browser = Browser(Swappable(hosted_ui), Swappable(demo), key)
        self._serve_in_thread(self.browser.hosted_ui, o.auth_port)
        self._serve_in_thread(self.browser.demo, o.demo_port)
        console.done(started)
        return True

    def _serve_in_thread(self, app: Any, port: int) -> None:
        """Serve an ASGI app on a loopback port until the run stops (uvicorn in a daemon
        thread), answering this machine's Host names only (tools.loopback)."""
        config = uvicorn.Config(
            LoopbackOnly(app), host="127.0.0.1", port=port, log_level="warning", server_header=False
        )
        try:
            self.stack.callback(serve_in_thread(config))
        except ServeError as error:
            raise UsageError(str(error)) from None

    def write_state(self, current: EmulatorProcess | None = None) -> None:
        """The run's state file (again after a redeploy, or a restart of the endpoint)."""
        emulator = current or self.endpoint
        RunState(
            endpoint_url=emulator.endpoint_url,
            api_url=f"{self.options.base_url}/",
            pid=os.getpid(),
            stage=self.options.stage,
            stacks={s.name: s.outputs for s in self.stacks},
            issuer=None if self.issuer is None else self.issuer.settings,
            emulator_pid=emulator.pid,
        ).write(self.run_dir)

    # --- serve, reload, stop ---------------------------------------------------------------

    def serve(self, started_all: float) -> int:
        """Serve until Ctrl-C (or the endpoint's supervisor gives up); watch the app."""
        assert self.plane is not None
        self.server = uvicorn.Server(server_config(self.plane, self.options.port))
        supervisor = EmulatorSupervisor(
            self.endpoint, self.plane, on_restarted=self.write_state, on_give_up=self.give_up
        )
        self.stack.callback(supervisor.start().close)
        if self.outputs.user_pool_id is not None:  # codes sent, operations missing
            emulator = self.endpoint
            notices = PoolNotices(emulator.endpoint_url, lambda: emulator.log_path)
            self.stack.callback(notices.start().close)
        if self.options.watch:
            watcher = AppWatcher(self.options.app_dir, Reloader(self).reload)
            self.stack.callback(watcher.start().close)
        ready = f"{READY_LINE} {time.perf_counter() - started_all:.1f} s"
        print(f"\n{ready}: serving on {self.options.base_url}")
        assert self.plane is not None
        console.endpoints(
            self.options,
            self.plane.api,
            self.outputs,
            None if self.issuer is None else self.issuer.settings,
            browser=self.browser is not None,
        )
        with suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its clean shutdown
            self.server.run()
        return 1 if self.gave_up else 0

    def give_up(self) -> None:
        self.gave_up = True
        if self.server is not None:
            self.server.should_exit = True

    def stop(self) -> None:
        self.stack.close()
        print(STOPPED_LINE)


_VOLATILE_POOL_KEYS = {"LastModifiedDate", "CreationDate", "EstimatedNumberOfUsers"}


def up(options: RunOptions, run_dir: RunDir | None = None) -> int:
    """`local up`: start, deploy, load, serve until Ctrl-C, stop."""
    run = LocalRun(options, run_dir or RunDir())
    started_all = time.perf_counter()
    try:
        run.start()
        started = console.step(
            "Deploying every stack with the real CDK CLI (cdk synth and bootstrap, then deploy "
            "--all), unless the kept deployment is of this same app"
        )
        console.deployment(run.deploy())
        console.done(started)
        run.load()
        exit_code = run.serve(started_all)
    except BaseException:
        run.stack.close()  # each step undone in reverse, then the error is the CLI's to say
        raise
    run.stop()
    return exit_code
