#!/usr/bin/env python3
"""CDK entry point: read and check the context, build the stacks, synthesize. Wiring only."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk

from stacks.builder import build_app
from stacks.config import ConfigError, check_region, load_config
from stacks.nag import add_nag_checks, nag_requested


def main() -> None:
    app = cdk.App()
    region = os.environ.get("CDK_DEFAULT_REGION")
    try:
        config = load_config(app.node.try_get_context)
        check_region(config, region)
        nag = nag_requested(app.node.try_get_context("nag"))
    except ConfigError as problem:
        print(f"Configuration error: {problem}", file=sys.stderr)
        sys.exit(2)
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region)
    build_app(app, config, env=env)
    if nag:  # opt-in (-c nag=true): cdk-nag's checks cost synth time, so the default skips them
        add_nag_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
