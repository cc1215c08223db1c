"""Synthesize every configuration once per session; every infra test reads these templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.builder import build_app
from stacks.config import config_from_mapping
from tests.conftest import ROOT
from tests.stacks.configurations import CONFIGURATIONS, GATED_CONFIGURATIONS


@dataclass(frozen=True)
class Synthesized:
    """The templates of one configuration, keyed by role so tests don't spell stack names."""

    api: Template
    auth: Template | None
    api_json: dict[str, Any]
    auth_json: dict[str, Any] | None
    app: cdk.App
    """The construct tree itself, for checks that walk it (cdk-nag)."""


def cdk_json_context() -> dict[str, Any]:
    # cdk.App() under pytest does not read cdk.json: pass its context (feature flags) explicitly.
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def synthesize(overrides: dict[str, Any]) -> Synthesized:
    context = cdk_json_context() | overrides
    app = cdk.App(context=context)
    built = build_app(app, config_from_mapping(context))
    api = Template.from_stack(built.api)
    auth = Template.from_stack(built.auth) if built.auth else None
    return Synthesized(
        api=api,
        auth=auth,
        api_json=dict(api.to_json()),
        auth_json=dict(auth.to_json()) if auth else None,
        app=app,
    )


@pytest.fixture(scope="session")
def synthesized() -> dict[str, Synthesized]:
    return {name: synthesize(context) for name, context in CONFIGURATIONS.items()}


@pytest.fixture(scope="session")
def cognito(synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized["cognito"]


@pytest.fixture(scope="session")
def cognito_prod(synthesized: dict[str, Synthesized]) -> Synthesized:
    return synthesized["cognito-prod"]


@pytest.fixture(scope="session")
def every_issuer_and_stage(synthesized: dict[str, Synthesized]) -> dict[str, Synthesized]:
    """Each configuration in dev and prod, reusing the session's synths where contexts match."""
    by_context = {
        json.dumps({"stage": "dev"} | context, sort_keys=True): synthesized[name]
        for name, context in CONFIGURATIONS.items()
    }
    return {
        name: by_context.get(json.dumps(context, sort_keys=True)) or synthesize(context)
        for name, context in GATED_CONFIGURATIONS.items()
    }


@dataclass(frozen=True)
class CliSynth:
    """What the pinned CDK CLI's `cdk synth -o DIR` wrote for the dev configuration."""

    outdir: Path
    env: dict[str, str]  # the environment it ran in (pinned CLI and this interpreter first)


@pytest.fixture(scope="session")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> CliSynth:
    """One real `cdk synth` per session, as a user runs it: the checkov gate scans its output
    beside the in-process templates, the CLI test lists its stacks."""
    bins = [str(ROOT / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
    env = os.environ | {"PATH": os.pathsep.join([*bins, os.environ["PATH"]]), "CI": "true"}
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    outdir = tmp_path_factory.mktemp("cli-synth") / "cdk.out"
    command = ["cdk", "synth", "--quiet", "--output", str(outdir)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return CliSynth(outdir, env)
