"""`python -m bench.echo_gateway`: our data plane serving the shared echo function, for the peer
comparison.

Everything `make local` puts in a request's path is here: uvicorn's HTTP parsing and the same
`server_config`, route selection, the JWT authorizer verifying RS256 signatures against a JWKS
fetched over HTTP, the payload-2.0 event, the function in its worker processes, response
mapping 2.0, and one access-log line per request on stdout (as `local up` without --quiet).
Only discovery is skipped: the deployed API is described here instead of read from the
emulator, so no emulator or CDK deploy is needed to measure the gateway itself.
"""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import suppress
from pathlib import Path

import uvicorn

from local.gateway.app import DataPlane, server_config
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.discovery import DeployedApi
from local.gateway.payload import map_in_worker
from local.gateway.routes import Route
from local.runtime.workers import FunctionRunner, FunctionSpec

ECHO_DIR = Path(__file__).resolve().parent / "peer" / "echo_function"
ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench-echo"
ECHO_PATH = "/echo"
AUTHORIZER_ID = "benchJwt"


def build_echo_plane(
    *, issuer: str, audience: str, jwks_uri: str, workers: int, log_requests: bool
) -> tuple[DataPlane, list[JwksCache | FunctionRunner]]:
    """The data plane `local up` would build for one JWT route to the echo function."""
    config = AuthorizerConfig(issuer=issuer, audiences=(audience,), jwks_uri=jwks_uri)
    keys = JwksCache.for_config(config)
    spec = FunctionSpec(
        name="bench-echo",
        arn=ECHO_ARN,
        handler="echo_handler.handler",
        code_dir=ECHO_DIR,
        timeout_seconds=6,
    )
    runner = FunctionRunner(spec, {"AWS_REGION": "us-east-1"}, workers, mapper=map_in_worker)
    runner.warm_up()
    api = DeployedApi(
        api_id="bench",
        name="bench-echo",
        stage="$default",
        routes=[
            Route(
                route_key=f"GET {ECHO_PATH}",
                function_arn=ECHO_ARN,
                authorization_type="JWT",
                authorizer_id=AUTHORIZER_ID,
            )
        ],
        authorizers={},
        functions={ECHO_ARN: spec},
    )
    plane = DataPlane(
        api=api,
        authorizers={AUTHORIZER_ID: JwtAuthorizer(config, keys)},
        runners={ECHO_ARN: runner},
        log_requests=log_requests,
    )
    return plane, [keys, runner]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_gateway", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--jwks-uri", required=True)
    parser.add_argument("--workers", type=int, default=2, help="processes for the function (2)")
    parser.add_argument("--quiet", action="store_true", help="no access log lines")
    parser.add_argument("--http", choices=("httptools", "h11"), default="httptools")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    plane, closables = build_echo_plane(
        issuer=args.issuer,
        audience=args.audience,
        jwks_uri=args.jwks_uri,
        workers=args.workers,
        log_requests=not args.quiet,
    )
    try:
        with suppress(KeyboardInterrupt):
            uvicorn.Server(server_config(plane, args.port, http=args.http, loop=args.loop)).run()
    finally:
        for item in reversed(closables):
            item.close()


if __name__ == "__main__":
    main()
