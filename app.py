#!/usr/bin/env python3
"""CDK entry point: read and check the context, build the stacks, synthesize. Wiring only."""

from __future__ import annotations

import os
import sys

import aws_cdk as cdk

from stacks.builder import build_app
from stacks.config import ConfigError, load_config


def main() -> None:
    app = cdk.App()
    try:
        config = load_config(app.node.try_get_context)
    except ConfigError as problem:
        print(f"Configuration error: {problem}", file=sys.stderr)
        sys.exit(2)
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    )
    build_app(app, config, env=env)
    app.synth()


if __name__ == "__main__":
    main()
