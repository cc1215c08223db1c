"""`python -m local up|token`: run the whole product on this machine, and get tokens for it."""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

import boto3
import uvicorn
from botocore.exceptions import BotoCoreError, ClientError

from local.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.deploy import (
    LOCAL_ACCOUNT,
    DeployedStack,
    DeployError,
    deploy,
    local_aws_environment,
    local_client,
)
from local.discovery import DeployedApi, DiscoveryError, discover_api
from local.emulator import EmulatorError, EmulatorProcess
from local.functions import FunctionRunner
from local.launch import READY_LINE, STOPPED_LINE, default_state_dir, outputs_with, read_state
from local.server import DataPlane, server_config
from local.token import DEFAULT_EMAIL, TokenError, get_tokens, render

# Where a run keeps its state (deploy log, function code, endpoints for `token`); tests use
# their own directory so they never touch a developer's running `make local`.
STATE_DIR = default_state_dir()
STATE_FILE = STATE_DIR / "state.json"
PASSWORD_STORE = STATE_DIR / "demo-users.json"

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
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError(
                f"port {port} ({what}) is already in use: stop what uses it or pass {option}"
            ) from None


def _step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.perf_counter()


def _done(started: float) -> None:
    print(f"    done in {time.perf_counter() - started:.1f} s", flush=True)


def _api_stack(stacks: Sequence[DeployedStack]) -> DeployedStack:
    for stack in stacks:
        if "ApiUrl" in stack.outputs:
            return stack
    raise DiscoveryError("no deployed stack has an ApiUrl output")


def _auth_stack(stacks: Sequence[DeployedStack]) -> DeployedStack | None:
    return next((s for s in stacks if "UserPoolId" in s.outputs), None)


def build_data_plane(
    *,
    endpoint_url: str,
    api_id: str,
    leeway_seconds: int = 0,
    workers: int = 2,
    jwks_uri: str | None = None,
    log_requests: bool = True,
) -> tuple[DataPlane, list[Any]]:
    """Read the deployed API from the emulator and assemble the server; returns closables too."""
    apigw = local_client("apigatewayv2", endpoint_url)
    lambda_client = local_client("lambda", endpoint_url)
    api = discover_api(
        apigw,
        lambda_client,
        api_id=api_id,
        code_root=STATE_DIR / "functions",
        account_id=LOCAL_ACCOUNT,
    )
    closables: list[Any] = []
    authorizers: dict[str, JwtAuthorizer] = {}
    for authorizer_id, authorizer in api.authorizers.items():
        config = AuthorizerConfig(
            issuer=authorizer.issuer,
            audiences=authorizer.audiences,
            identity_source=authorizer.identity_source,
            jwks_uri=jwks_uri,
            discovery_url=None if jwks_uri else authorizer.local_discovery_url(endpoint_url),
            leeway_seconds=leeway_seconds,
        )
        keys = JwksCache.for_config(config)
        closables.append(keys)
        authorizers[authorizer_id] = JwtAuthorizer(config, keys)
    aws_env = local_aws_environment(endpoint_url)
    runners: dict[str, FunctionRunner] = {}
    for arn, spec in api.functions.items():
        runner = FunctionRunner(spec, aws_env, workers)
        closables.append(runner)
        runners[arn] = runner
    for runner in runners.values():
        runner.warm_up()
    plane = DataPlane(api=api, authorizers=authorizers, runners=runners, log_requests=log_requests)
    return plane, closables


def _print_endpoints(api: DeployedApi, base_url: str, stacks: Sequence[DeployedStack]) -> None:
    print("\nendpoints:")
    for route in api.routes:
        method, _, path = route.route_key.partition(" ")
        print(f"  {method} - {base_url}{path}")
    auth = _auth_stack(stacks)
    api_stack = _api_stack(stacks)
    print(f"\nissuer:   {api_stack.outputs.get('Issuer')}")
    print(f"audience: {api_stack.outputs.get('Audience')}")
    if auth is not None:
        print(f"user pool: {auth.outputs['UserPoolId']}  client: {auth.outputs['ClientId']}")
    print("\nGet a token in another terminal with:  make token")
    print("Stop with Ctrl-C.\n", flush=True)


@contextmanager
def _closing(closables: list[Any]) -> Iterator[None]:
    try:
        yield
    finally:
        for item in reversed(closables):
            item.close()


def up(args: argparse.Namespace) -> int:
    _check_port_free(args.port, "local HTTP API", "--port")
    _check_port_free(args.aws_port, "local AWS endpoint", "--aws-port")
    started_all = time.perf_counter()
    with ExitStack() as stack:
        started = _step(
            f"Starting the local AWS endpoint (moto) on http://localhost:{args.aws_port}"
        )
        emulator = stack.enter_context(EmulatorProcess(args.aws_port))
        _done(started)

        started = _step(
            "Deploying every stack with the real CDK CLI (cdk bootstrap + deploy --all)"
        )
        stacks = deploy(emulator.endpoint_url, args.context, STATE_DIR)
        for deployed in stacks:
            print(f"    {deployed.name}: CREATE_COMPLETE, {len(deployed.resources)} resources")
        _done(started)

        started = _step("Reading the deployed API and loading its functions")
        api_stack = _api_stack(stacks)
        # With a custom domain (-c apiDomain=...) ApiUrl is that domain; the API id is in the
        # execute-api URL, which the stack then outputs as ExecuteApiUrl.
        execute_api_url = api_stack.outputs.get("ExecuteApiUrl") or api_stack.outputs["ApiUrl"]
        api_id = execute_api_url.split("//", 1)[1].split(".", 1)[0]
        plane, closables = build_data_plane(
            endpoint_url=emulator.endpoint_url,
            api_id=api_id,
            leeway_seconds=args.leeway,
            workers=args.workers,
            jwks_uri=args.jwks_uri,
            log_requests=not args.quiet,
        )
        stack.enter_context(_closing(closables))
        _done(started)

        base_url = f"http://localhost:{args.port}"
        STATE_DIR.mkdir(exist_ok=True)
        STATE_FILE.write_text(
            json.dumps(
                {
                    "endpoint_url": emulator.endpoint_url,
                    "pid": os.getpid(),  # the data plane's process: local.loadtest reads its RSS
                    "api_url": f"{base_url}/",
                    "stacks": {s.name: s.outputs for s in stacks},
                },
                indent=2,
            )
        )
        stack.callback(STATE_FILE.unlink, missing_ok=True)
        ready = f"{READY_LINE} {time.perf_counter() - started_all:.1f} s"
        print(f"\n{ready}: serving on {base_url}")
        _print_endpoints(plane.api, base_url, stacks)
        with suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its clean shutdown
            uvicorn.Server(server_config(plane, args.port)).run()
    print(STOPPED_LINE)
    return 0


def _load_state() -> dict[str, Any]:
    state = read_state(STATE_DIR)
    if state is None:
        raise UsageError(
            "no local run found: start `make local` in another terminal first, "
            "or pass --aws to use the stacks deployed in your AWS account"
        )
    return state


def _outputs_from_aws(stage: str) -> tuple[dict[str, str], dict[str, str]]:
    cloudformation = boto3.client("cloudformation")
    suffix = stage.capitalize()
    found: list[dict[str, str]] = []
    for name in (f"JwtProfileAuth{suffix}", f"JwtProfileApi{suffix}"):
        try:
            stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as error:
            raise UsageError(f"stack {name} is not deployed: {error}") from None
        found.append({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})
    return found[0], found[1]


def token(args: argparse.Namespace) -> int:
    if args.aws:
        auth_outputs, api_outputs = _outputs_from_aws(args.stage)
        cognito = boto3.client("cognito-idp")
        api_url = api_outputs["ApiUrl"]
    else:
        state = _load_state()
        auth = outputs_with(state["stacks"], "UserPoolId")
        if auth is None:
            raise UsageError("the local run has no Cognito user pool (auth is not cognito)")
        auth_outputs = auth
        cognito = local_client("cognito-idp", state["endpoint_url"])
        api_url = state["api_url"]
    tokens = get_tokens(
        cognito,
        user_pool_id=auth_outputs["UserPoolId"],
        client_id=auth_outputs["ClientId"],
        email=args.email,
        password_store=PASSWORD_STORE,
    )
    print(render(tokens, api_url))
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("up", help="deploy into a local AWS endpoint and serve the API")
    run.add_argument("--port", type=_port, default=3000, help="local HTTP API port (3000)")
    run.add_argument("--aws-port", type=_port, default=4566, help="local AWS port (4566)")
    run.add_argument(
        "--leeway", type=_leeway, default=0, help="clock leeway in seconds for exp/nbf/iat (0)"
    )
    run.add_argument("--workers", type=_workers, default=2, help="processes per function (2)")
    run.add_argument(
        "--jwks-uri", default=None, help="fetch signing keys here instead of from the issuer"
    )
    run.add_argument("--quiet", action="store_true", help="no per-request log lines")
    run.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="CDK context"
    )

    get = commands.add_parser("token", help="print an ID and an access token for a demo user")
    get.add_argument("--email", default=DEFAULT_EMAIL, help=f"demo user ({DEFAULT_EMAIL})")
    get.add_argument("--aws", action="store_true", help="use the stacks deployed in AWS")
    get.add_argument("--stage", default="dev", choices=["dev", "prod"], help="with --aws")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for pair in getattr(args, "context", []):
        if "=" not in pair:
            print(f"error: -c takes KEY=VALUE, got '{pair}'", file=sys.stderr)
            return 2
    try:
        return up(args) if args.command == "up" else token(args)
    except (UsageError, TokenError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except (EmulatorError, DeployError, DiscoveryError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as problem:
        print(f"error: AWS call failed: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopped.", file=sys.stderr)
        return 130
