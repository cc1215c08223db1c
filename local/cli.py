"""`python -m local up|token|smoke|outbox`: run the whole product on this machine, get tokens,
check it, read the codes the local user pool sent."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
import httpx
import uvicorn
from botocore.exceptions import BotoCoreError, ClientError

from local.deploy import DeployError, Deployment, deploy_app
from local.emulator.caller import EmulatorError, EmulatorProcess
from local.emulator.caller.issuers import IssuerError, LocalIssuer, StandInIssuer
from local.emulator.caller.outbox import OutboxError, read_outbox
from local.emulator.caller.token_shapes import Provider, demo_user
from local.emulator.caller.verify import DeployedStack
from local.emulator.wire import HOSTED_UI_METADATA
from local.gateway.app import DataPlane, server_config
from local.gateway.build import build_data_plane
from local.gateway.discovery import DeployedApi, DiscoveryError, route_scopes
from local.hosted_ui import build_hosted_ui
from local.hosted_ui.client_credentials import client_credentials_grant
from local.launcher import READY_LINE, STOPPED_LINE
from local.pool_notices import PoolNotices, code_line
from local.private_files import secure_tree
from local.runtime.client import local_aws_environment, local_client
from local.runtime.credentials import CredentialsError
from local.serving import ServeError, serve_in_thread
from local.state import RunDir, RunState, StateError
from local.supervisor import EmulatorSupervisor
from stacks.config import ConfigError, context_from_pairs, stage_and_auth
from stacks.contract import DEMO_PORT, PROFILE_PATH, TUTORIAL_CALLBACK_URL, ApiOutput
from tools.demo import DemoConfig, demo_app
from tools.loopback import LoopbackOnly
from tools.outputs import OutputsError, StageOutputs
from tools.ports import port_free
from tools.smoke import SmokeError, smoke, target_for
from tools.token import (
    DEFAULT_EMAIL,
    TokenError,
    get_machine_token,
    render,
    render_machine,
    tokens_for_stage,
)

log = logging.getLogger("local")


class UsageError(RuntimeError):
    """A user's mistake (bad option, taken port, nothing running): one line, exit 2."""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1-65535")
    return port


def _leeway(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds") from None
    if not 0 <= seconds <= 300:
        raise argparse.ArgumentTypeError("leeway must be 0-300 seconds")
    return seconds


def _workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 1 <= count <= 16:
        raise argparse.ArgumentTypeError("workers must be 1-16")
    return count


def _check_port_free(port: int, what: str, option: str) -> None:
    try:
        free = port_free(port)
    except OSError:
        free = False
    if not free:
        raise UsageError(
            f"port {port} ({what}) is already in use: stop what uses it or pass {option}"
        )


def _step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.perf_counter()


def _done(started: float) -> None:
    print(f"    done in {time.perf_counter() - started:.1f} s", flush=True)


def _print_endpoints(
    api: DeployedApi,
    base_url: str,
    outputs: StageOutputs,
    issuer: StandInIssuer | None,
    browser: _Browser | None,
) -> None:
    print("\nendpoints:")
    for route in api.routes:
        method, _, path = route.route_key.partition(" ")
        print(f"  {method} - {base_url}{path}")
    print(f"\nissuer:   {outputs.api.get(ApiOutput.ISSUER)}")
    print(f"audience: {outputs.api.get(ApiOutput.AUDIENCE)}")
    if issuer is not None:
        print(f"local {issuer.settings.provider} issuer: keys at {issuer.settings.jwks_uri}")
    if outputs.auth is not None:
        print(f"user pool: {outputs.user_pool_id}  client: {outputs.client_id}")
        print("  codes it sends are printed here, and listed by: .venv/bin/python -m local outbox")
    if browser is not None:
        query = urlencode(
            {
                "client_id": outputs.client_id,
                "response_type": "token",
                "scope": "openid email profile",
                "redirect_uri": browser.demo_url,
            }
        )
        print(f"\ndemo page: {browser.demo_url}   (sign up, see the tokens, call the API)")
        print(f"hosted UI: {browser.auth_url}   (discovery: /.well-known/openid-configuration)")
        print(f"  sign up: {browser.auth_url}/signup?{query}")
        print(f"  log in:  {browser.auth_url}/login?{query}")
    print("\nGet a token in another terminal with:  make token")
    print("Stop with Ctrl-C.\n", flush=True)


@dataclass(frozen=True)
class _Browser:
    """Where the browser flow is served: the hosted UI (its own host) and the demo page."""

    auth_url: str
    demo_url: str


def _serve_in_thread(app: Any, port: int, stack: ExitStack) -> None:
    """Serve an ASGI app on a loopback port until the run stops (uvicorn in a daemon thread),
    answering this machine's Host names only (tools.loopback)."""
    config = uvicorn.Config(
        LoopbackOnly(app), host="127.0.0.1", port=port, log_level="warning", server_header=False
    )
    try:
        stack.callback(serve_in_thread(config))
    except ServeError as error:
        raise UsageError(str(error)) from None


def _with_demo_callback(context: Sequence[str], demo_url: str) -> list[str]:
    """The deploy's context: unless callbackUrls is given, register the demo page's URL (and
    the tutorial's) as the app client's callback and sign-out URLs, so CORS follows."""
    if "callbackUrls" in context_from_pairs(context):
        return list(context)
    return [*context, f"callbackUrls={TUTORIAL_CALLBACK_URL},{demo_url}"]


@contextmanager
def _closing(closables: list[Any]) -> Iterator[None]:
    try:
        yield
    finally:
        for item in reversed(closables):
            item.close()


def _start_issuer(
    args: argparse.Namespace, outputs: StageOutputs, run_dir: RunDir
) -> StandInIssuer | None:
    """With auth=auth0/okta/jwt, a local stand-in for the deployed issuer (unless --jwks-uri
    points the authorizer at keys elsewhere)."""
    auth: str = args.auth
    if auth not in {p.value for p in Provider} or args.jwks_uri:
        return None
    issuer = outputs.api.get(ApiOutput.ISSUER, "")
    audiences = [a for a in outputs.api.get(ApiOutput.AUDIENCE, "").split(",") if a]
    return StandInIssuer(Provider(auth), issuer, audiences, run_dir.root)


def _print_deployment(deployment: Deployment) -> None:
    kept = ", kept: the app is unchanged, not deployed again" if deployment.reused else ""
    for deployed in deployment.stacks:
        print(f"    {deployed.name}: {deployed.status}, {len(deployed.resources)} resources{kept}")
    for resource in deployment.replaced:
        print(f"    replaced: {resource}: a new resource, its data did not carry over")


def _check_ports(args: argparse.Namespace) -> None:
    _check_port_free(args.port, "local HTTP API", "--port")
    _check_port_free(args.aws_port, "local AWS endpoint", "--aws-port")
    _check_port_free(args.auth_port, "local hosted UI", "--auth-port")
    _check_port_free(args.demo_port, "demo page", "--demo-port")


def _private_run_dir() -> RunDir:
    """The run's folder. Everything this run and its children (the CDK CLI, the endpoint)
    create is private from its first byte; what an older run left wider is narrowed now."""
    run_dir = RunDir()
    os.umask(0o077)
    secure_tree(run_dir.root)
    return run_dir


def _start_emulator(args: argparse.Namespace, run_dir: RunDir, stack: ExitStack) -> EmulatorProcess:
    if args.fresh and (aside := run_dir.set_aside_aws_state()) is not None:
        print(f"==> Starting empty (--fresh): the kept state is now {aside}", flush=True)
    started = _step(
        f"Starting the local AWS endpoint (moto) on http://localhost:{args.aws_port}, "
        f"state kept in {run_dir.aws_state}"
    )
    emulator = stack.enter_context(
        EmulatorProcess(args.aws_port, state_dir=run_dir.aws_state, parent_pid=os.getpid())
    )
    for notice in emulator.notices:
        print(f"    {notice}", flush=True)
    _done(started)
    return emulator


def _deploy(args: argparse.Namespace, emulator: EmulatorProcess, run_dir: RunDir) -> Deployment:
    started = _step(
        "Deploying every stack with the real CDK CLI (cdk synth and bootstrap, then deploy --all), "
        "unless the kept deployment is of this same app"
    )
    kept = emulator.state_status()["metadata"].get("deployment")
    demo_url = f"http://localhost:{args.demo_port}/"
    context = _with_demo_callback(args.context, demo_url)
    deployment = deploy_app(emulator.endpoint_url, context, run_dir.root, kept)
    if not deployment.reused:
        emulator.record(deployment.record())  # saved with the state it describes
    _print_deployment(deployment)
    _done(started)
    return deployment


def _start_issuer_step(
    args: argparse.Namespace, outputs: StageOutputs, run_dir: RunDir, stack: ExitStack
) -> StandInIssuer | None:
    issuer = _start_issuer(args, outputs, run_dir)
    if issuer is not None:
        stack.callback(issuer.close)
        print(
            f"==> Local {issuer.settings.provider} issuer for {issuer.settings.issuer} "
            f"(new signing key): discovery at {issuer.settings.discovery_url}",
            flush=True,
        )
    return issuer


def _load_api(
    args: argparse.Namespace,
    endpoint_url: str,
    outputs: StageOutputs,
    issuer: StandInIssuer | None,
    run_dir: RunDir,
    stack: ExitStack,
) -> DataPlane:
    started = _step("Reading the deployed API and loading its functions")
    plane, closables = build_data_plane(
        endpoint_url=endpoint_url,
        api_id=outputs.api_id,
        code_root=run_dir.functions,
        leeway_seconds=args.leeway,
        workers=args.workers,
        jwks_uri=args.jwks_uri,
        discovery_urls={}
        if issuer is None
        else {issuer.settings.issuer: issuer.settings.discovery_url},
        log_requests=not args.quiet,
    )
    stack.enter_context(_closing(closables))
    _done(started)
    return plane


def _serve_browser_flow(
    args: argparse.Namespace, emulator: EmulatorProcess, outputs: StageOutputs, stack: ExitStack
) -> _Browser | None:
    """With a user pool: the hosted UI on its own port (as the Cognito domain is its own
    host) and the demo page."""
    if outputs.user_pool_id is None or outputs.client_id is None:
        return None
    browser = _Browser(
        auth_url=f"http://localhost:{args.auth_port}",
        demo_url=f"http://localhost:{args.demo_port}/",
    )
    started = _step(
        f"Serving the hosted UI on {browser.auth_url} and the demo page on {browser.demo_url}"
    )
    hosted_ui = build_hosted_ui(
        local_client("cognito-idp", emulator.endpoint_url),
        outputs.user_pool_id,
        base_url=browser.auth_url,
        endpoint_url=emulator.endpoint_url,
        extra_grants={"client_credentials": client_credentials_grant(emulator.endpoint_url)},
    )
    _serve_in_thread(hosted_ui.app, args.auth_port, stack)
    # The pool's discovery document (on the local AWS endpoint) lists these endpoints.
    emulator.record({HOSTED_UI_METADATA: {outputs.user_pool_id: browser.auth_url}})
    demo = DemoConfig(browser.auth_url, outputs.client_id, _base_url(args), browser.demo_url)
    _serve_in_thread(demo_app(demo), args.demo_port, stack)
    _done(started)
    return browser


def _base_url(args: argparse.Namespace) -> str:
    return f"http://localhost:{args.port}"


def _state_writer(
    args: argparse.Namespace,
    run_dir: RunDir,
    stacks: Sequence[DeployedStack],
    issuer: StandInIssuer | None,
) -> Callable[[EmulatorProcess], None]:
    """Writes the run's state for an emulator (again after the supervisor restarted it)."""

    def write_state(current: EmulatorProcess) -> None:
        RunState(
            endpoint_url=current.endpoint_url,
            api_url=f"{_base_url(args)}/",
            pid=os.getpid(),
            stage=args.stage,
            stacks={s.name: s.outputs for s in stacks},
            issuer=None if issuer is None else issuer.settings,
            emulator_pid=current.pid,
        ).write(run_dir)

    return write_state


@dataclass
class _ApiServer:
    """The data plane's uvicorn server, and whether the endpoint's supervisor gave up on it."""

    server: uvicorn.Server
    gave_up: bool = False

    def give_up(self) -> None:
        self.gave_up = True
        self.server.should_exit = True


def _serve_api(
    args: argparse.Namespace,
    emulator: EmulatorProcess,
    plane: DataPlane,
    write_state: Callable[[EmulatorProcess], None],
    stack: ExitStack,
) -> _ApiServer:
    """The data plane's server with the endpoint's supervisor beside it, ready to run
    (`run()` blocks until Ctrl-C or the supervisor gives up)."""
    api = _ApiServer(uvicorn.Server(server_config(plane, args.port)))
    supervisor = EmulatorSupervisor(
        emulator, plane, on_restarted=write_state, on_give_up=api.give_up
    )
    stack.enter_context(_closing([supervisor.start()]))
    return api


def up(args: argparse.Namespace) -> int:
    """`local up`: the steps below in order, each undone (in reverse) when the run stops."""
    _check_ports(args)
    run_dir = _private_run_dir()
    started_all = time.perf_counter()
    with ExitStack() as stack:
        emulator = _start_emulator(args, run_dir, stack)
        stacks = _deploy(args, emulator, run_dir).stacks
        outputs = StageOutputs.from_stacks({s.name: s.outputs for s in stacks}, args.stage)
        issuer = _start_issuer_step(args, outputs, run_dir, stack)
        plane = _load_api(args, emulator.endpoint_url, outputs, issuer, run_dir, stack)
        browser = _serve_browser_flow(args, emulator, outputs, stack)
        write_state = _state_writer(args, run_dir, stacks, issuer)
        secure_tree(run_dir.root)  # the CDK CLI copies assets with their source's mode
        write_state(emulator)
        stack.callback(RunState.remove, run_dir)
        api = _serve_api(args, emulator, plane, write_state, stack)
        if outputs.user_pool_id is not None:  # codes sent and operations missing, as they happen
            notices = PoolNotices(emulator.endpoint_url, lambda: emulator.log_path)
            stack.enter_context(_closing([notices.start()]))
        ready = f"{READY_LINE} {time.perf_counter() - started_all:.1f} s"
        print(f"\n{ready}: serving on {_base_url(args)}")
        _print_endpoints(plane.api, _base_url(args), outputs, issuer, browser)
        with suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its clean shutdown
            api.server.run()
    print(STOPPED_LINE)
    return 1 if api.gave_up else 0


def _running_state(run_dir: RunDir) -> RunState:
    state = RunState.read(run_dir)
    if state is None:
        raise UsageError(
            "no local run found: start `make local` in another terminal first, "
            "or pass --aws to use the stacks deployed in your AWS account"
        )
    return state


def _local_token_endpoint(endpoint_url: str, user_pool_id: str) -> str:
    """The token endpoint the local pool's discovery document lists, as a client finds it."""
    url = f"{endpoint_url}/{user_pool_id}/.well-known/openid-configuration"
    try:
        document = httpx.get(url, timeout=10).json()
    except (httpx.HTTPError, ValueError) as error:
        raise UsageError(f"the local pool's discovery document is unreadable: {error}") from None
    endpoint = document.get("token_endpoint")
    if not isinstance(endpoint, str):
        raise UsageError(f"{url} lists no token_endpoint: restart `make local`")
    return endpoint


def token(args: argparse.Namespace) -> int:
    run_dir = RunDir()
    if args.aws:
        outputs = StageOutputs.from_cloudformation(boto3.client("cloudformation"), args.stage)
        cognito = boto3.client("cognito-idp")
        api_url = outputs.api_url
    else:
        state = _running_state(run_dir)
        if state.issuer is not None:
            return _stand_in_tokens(state, args.email)
        outputs = state.outputs
        cognito = local_client("cognito-idp", state.endpoint_url)
        api_url = state.api_url
    if outputs.user_pool_id is None or outputs.client_id is None:
        raise UsageError(
            "this deployment has no Cognito user pool (auth is not cognito): get a token from "
            "your provider (README, 'Swapping the issuer')"
        )
    if args.machine:
        if outputs.machine_client_id is None:
            raise UsageError(
                "this deployment has no machine client: deploy with machineClient=true "
                '(make local CONTEXT="machineClient=true")'
            )
        token_endpoint = outputs.token_endpoint
        if not args.aws:  # the deployed URL is the Cognito domain's; offline it is the emulator's
            token_endpoint = _local_token_endpoint(state.endpoint_url, outputs.user_pool_id)
        if token_endpoint is None:
            raise UsageError("AuthStack has no TokenEndpoint output: redeploy it")
        machine = get_machine_token(
            cognito,
            user_pool_id=outputs.user_pool_id,
            client_id=outputs.machine_client_id,
            token_endpoint=token_endpoint,
            scope=args.scope,
        )
        print(render_machine(machine, api_url))
        return 0
    tokens = tokens_for_stage(
        outputs, cognito, email=args.email, password_store=run_dir.password_store
    )
    print(render(tokens, api_url))
    return 0


def _stand_in_tokens(state: RunState, email: str) -> int:
    """A user-style token with the scopes of the user's own routes, and a machine-style token
    with every scope the deployed routes ask for (the back-office route's too)."""
    assert state.issuer is not None
    issuer = LocalIssuer.load(state.issuer)
    apigw = local_client("apigatewayv2", state.endpoint_url)
    scopes = route_scopes(apigw, state.outputs.api_id)
    user_scopes = route_scopes(apigw, state.outputs.api_id, paths=(PROFILE_PATH,))
    user = demo_user(issuer.provider, issuer.settings.issuer, email)
    user_token = issuer.token(user, user_scopes)
    machine_token = issuer.token(None, scopes)
    profile_url = f"{state.api_url.rstrip('/')}{PROFILE_PATH}"
    granted = " ".join(scopes) if scopes else "none (the routes ask for none)"
    print(
        "\n".join(
            [
                f"# Local {issuer.provider} issuer {issuer.settings.issuer} "
                f"(audience {issuer.settings.audiences[0]}, API scopes: {granted})",
                f"# User token for {email} ({user.user_id}), as a sign-in would give it:",
                f"USER_TOKEN={user_token}",
                f"# Machine token for client {issuer.settings.client_id} (client credentials):",
                f"MACHINE_TOKEN={machine_token}",
                "",
                "# Try it:",
                f"curl -i {profile_url}",
                f'curl -i -H "Authorization: Bearer {user_token}" {profile_url}',
            ]
        )
    )
    return 0


def print_env(args: argparse.Namespace) -> int:
    """Shell lines that point a user's own scripts (boto3, the AWS CLI, SDKs) at the running
    `make local` with its credentials: `eval "$(python -m local env)"`."""
    state = _running_state(RunDir())
    for name, value in local_aws_environment(state.endpoint_url).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def smoke_local(args: argparse.Namespace) -> int:
    """tools.smoke against the running `make local`: its outputs, its local endpoint."""

    def find_target() -> Any:
        run_dir = RunDir()
        try:
            state = RunState.read(run_dir)
        except StateError as problem:
            raise SmokeError(str(problem)) from None
        if state is None:
            missing = run_dir.state_file
            raise SmokeError(f"no local run found ({missing} is missing): start `make local` first")
        cognito = local_client("cognito-idp", state.endpoint_url)
        return target_for(
            state.outputs, cognito, f"the local run at {state.api_url}", api_url=state.api_url
        )

    return smoke(find_target)


def outbox(args: argparse.Namespace) -> int:
    """The codes the running local pool sent (sign-up, resend, forgot password), oldest first."""
    state = _running_state(RunDir())
    messages = read_outbox(state.endpoint_url, destination=args.email)
    if not messages:
        print("no messages" + (f" to {args.email}" if args.email else ""))
    for message in messages:
        print(code_line(message).strip())
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("up", help="deploy into a local AWS endpoint and serve the API")
    run.add_argument("--port", type=_port, default=3000, help="local HTTP API port (3000)")
    run.add_argument("--aws-port", type=_port, default=4566, help="local AWS port (4566)")
    run.add_argument("--auth-port", type=_port, default=3001, help="local hosted UI port (3001)")
    run.add_argument(
        "--demo-port", type=_port, default=DEMO_PORT, help=f"demo page port ({DEMO_PORT})"
    )
    run.add_argument(
        "--leeway", type=_leeway, default=0, help="clock leeway in seconds for exp/nbf/iat (0)"
    )
    run.add_argument("--workers", type=_workers, default=2, help="processes per function (2)")
    run.add_argument(
        "--jwks-uri", default=None, help="fetch signing keys here instead of from the issuer"
    )
    run.add_argument("--quiet", action="store_true", help="no per-request log lines")
    run.add_argument(
        "--fresh",
        action="store_true",
        help="start empty: set the kept local AWS state aside (to .local/aws.previous)",
    )
    run.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="CDK context"
    )
    commands.add_parser("smoke", help="smoke-test the running `make local` (tools.smoke)")
    commands.add_parser(
        "env", help="print export lines: the running local AWS endpoint and its credentials"
    )

    get = commands.add_parser("token", help="print an ID and an access token for a demo user")
    get.add_argument("--email", default=DEFAULT_EMAIL, help=f"demo user ({DEFAULT_EMAIL})")
    get.add_argument("--aws", action="store_true", help="use the stacks deployed in AWS")
    get.add_argument("--stage", default="dev", choices=["dev", "prod"], help="with --aws")
    get.add_argument(
        "--machine", action="store_true", help="a client_credentials token of the machine client"
    )
    get.add_argument("--scope", default=None, help="with --machine: scopes to ask for")

    sent = commands.add_parser("outbox", help="list the codes the local user pool sent")
    sent.add_argument("--email", default=None, help="only those sent to this address")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise here
    try:  # the context as the CDK CLI will read it, checked as synth checks it
        context = context_from_pairs(getattr(args, "context", []))
        if args.command == "up":
            stage, auth = stage_and_auth(context.get)
            args.stage, args.auth = stage.value, auth.value
    except ConfigError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    commands = {
        "up": up,
        "token": token,
        "smoke": smoke_local,
        "env": print_env,
        "outbox": outbox,
    }
    try:
        return commands[args.command](args)
    except (UsageError, TokenError, StateError, IssuerError, CredentialsError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except (EmulatorError, DeployError, DiscoveryError, OutputsError, OutboxError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as problem:
        print(f"error: AWS call failed: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopped.", file=sys.stderr)
        return 130
