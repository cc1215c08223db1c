"""`python -m local up|token|smoke|env|outbox`: run the whole product on this machine (and
reload it on a saved edit), get tokens, check it, read the codes the local user pool sent.

Argument parsing and dispatch only: the run is local.run's, the other commands
local.commands'.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from local import commands
from local.app_files import AppFiles, AppFilesError
from local.deploy import DeployError
from local.emulator.caller import EmulatorError
from local.emulator.caller.issuers import IssuerError
from local.emulator.caller.outbox import OutboxError
from local.gateway.discovery import DiscoveryError
from local.options import RunOptions
from local.run import UsageError, up
from local.runtime.credentials import CredentialsError
from local.state import ROOT, StateError
from stacks.config import ConfigError, context_from_pairs, stage_and_auth
from stacks.contract import DEMO_PORT
from tools.outputs import OutputsError
from tools.token import DEFAULT_EMAIL, TokenError


def _port(text: str) -> int:
    return _bounded(text, 1, 65535, "port {} is outside 1-65535", "'{}' is not a port number")


def _leeway(text: str) -> int:
    return _bounded(
        text, 0, 300, "leeway must be 0-300 seconds", "'{}' is not a whole number of seconds"
    )


def _workers(text: str) -> int:
    return _bounded(text, 1, 16, "workers must be 1-16", "'{}' is not a number")


def _bounded(text: str, low: int, high: int, outside: str, not_a_number: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(not_a_number.format(text)) from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(outside.format(value))
    return value


def _app_dir(text: str) -> Path:
    folder = Path(text).expanduser().resolve()
    if not (folder / "cdk.json").is_file():
        raise argparse.ArgumentTypeError(f"{text} holds no cdk.json: it is not a CDK app's folder")
    try:
        AppFiles.load(folder)  # its watch globs are read at every start and save
    except AppFilesError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None
    return folder


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
    run.add_argument(
        "--no-watch",
        dest="watch",
        action="store_false",
        help="serve what is deployed until Ctrl-C: no reload on a saved edit (WATCH=0)",
    )
    run.add_argument(
        "--app-dir",
        type=_app_dir,
        default=ROOT,
        help="the CDK app's folder (its cdk.json): this checkout by default",
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


def run_options(args: argparse.Namespace) -> RunOptions:
    """The run's options from `local up`'s arguments; the context is checked as synth checks it."""
    context = context_from_pairs(args.context)
    stage, auth = stage_and_auth(context.get)
    return RunOptions(
        port=args.port,
        aws_port=args.aws_port,
        auth_port=args.auth_port,
        demo_port=args.demo_port,
        leeway=args.leeway,
        workers=args.workers,
        jwks_uri=args.jwks_uri,
        quiet=args.quiet,
        fresh=args.fresh,
        watch=args.watch,
        context=tuple(args.context),
        stage=stage.value,
        auth=auth.value,
        app_dir=args.app_dir,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise here
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    try:
        if args.command == "up":
            options = run_options(args)
    except ConfigError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    dispatch = {
        "token": commands.token,
        "smoke": commands.smoke_local,
        "env": commands.print_env,
        "outbox": commands.outbox,
    }
    try:
        if args.command == "up":
            return up(options)
        return dispatch[args.command](args)
    except (
        UsageError,
        TokenError,
        StateError,
        IssuerError,
        CredentialsError,
        AppFilesError,
    ) as problem:
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
