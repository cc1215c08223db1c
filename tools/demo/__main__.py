"""`python -m tools.demo --stage dev`: serve the demo page for a deployed stage on localhost.

The page's URL (http://localhost:3002/ by default) must be a callback and sign-out URL of the
stage's app client; the default `callbackUrls` include it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import boto3
import uvicorn
from botocore.exceptions import BotoCoreError, ClientError

from stacks.contract import DEMO_PORT
from tools.demo import DemoConfig, demo_app
from tools.demo.choices import DirectSignIn
from tools.loopback import LoopbackOnly
from tools.outputs import OutputsError, StageOutputs


def direct_sign_in(pool_id: str, client_id: str) -> DirectSignIn | None:
    """The page's own sign-in choices; without the rights to describe the pool (the hosted UI
    needs none), a warning and the hosted UI only."""
    try:
        return DirectSignIn.read(boto3.client("cognito-idp"), pool_id, client_id)
    except (BotoCoreError, ClientError) as problem:
        print(f"warning: no sign-in on the page itself: {problem}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__)
    parser.add_argument("--stage", default="dev", choices=["dev", "prod"])
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    args = parser.parse_args(argv)
    try:
        outputs = StageOutputs.from_cloudformation(boto3.client("cloudformation"), args.stage)
        config = DemoConfig.from_outputs(outputs, f"http://localhost:{args.port}/")
    except OutputsError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as problem:
        print(f"error: AWS call failed: {problem}", file=sys.stderr)
        return 1
    if outputs.user_pool_id is not None:  # always, once from_outputs took the stage
        config = replace(config, direct=direct_sign_in(outputs.user_pool_id, config.client_id))
    print(f"Demo page for stage {args.stage}: http://localhost:{args.port}/  (Ctrl-C stops)")
    print(f"  hosted UI: {config.auth_url}\n  API:       {config.api_url}", flush=True)
    if config.direct is not None:
        factors, endpoint = ", ".join(config.direct.factors), config.direct.endpoint
        print(f"  sign-in:   {factors} (USER_AUTH at {endpoint})", flush=True)
    page = LoopbackOnly(demo_app(config))  # this machine's Host names only (DNS rebinding)
    uvicorn.run(page, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
