"""Synth time of the full app (each issuer configuration) against a bare one-empty-stack app.

Both sides run as `python <app>.py` subprocesses with CDK_OUTDIR and CDK_CONTEXT_JSON, which is
exactly how `cdk synth` runs the app (the CLI adds a few context keys of its own, copied below),
so the ratio is what our stacks add on top of what any CDK app in Python pays: interpreter and
jsii start-up, loading aws-cdk-lib into Node, and CDK's built-in CloudFormation validation.
The same cdk.json context (feature flags) goes to both sides.

Two more sides split the floor: both apps with CDK_VALIDATION=false, to show how much of every
synth is the built-in validation engine (a fixed cost no app code can avoid while it is on).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, Samples, interleaved, log, timed_run, tool_environment
from stacks.contract import SYNTH_CONFIGURATIONS

# The four issuers in the default stage: what a team synthesizes most.
CONFIGURATIONS = {n: c for n, c in SYNTH_CONFIGURATIONS.items() if not n.endswith("-prod")}

BARE_APP = Path(__file__).resolve().parent / "bare_app.py"
# What CDK CLI 2.1148 adds to CDK_CONTEXT_JSON when it runs the app (seen by dumping its env).
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}
TARGET = 1.3
NO_VALIDATION = "CDK_VALIDATION=false"


@dataclass
class SynthResult:
    bare: Samples
    configs: dict[str, Samples]
    bare_no_validation: Samples
    cognito_no_validation: Samples
    cognito_outdir: Path

    def ratio(self, name: str) -> float:
        return self.configs[name].median / self.bare.median

    @property
    def worst_ratio(self) -> float:
        return max(self.ratio(name) for name in self.configs)


def _context(extra: Mapping[str, Any]) -> str:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context |= extra
    return json.dumps(context | CLI_CONTEXT)


def _synth_once(script: Path, context_json: str, outdir: Path, *, validation: bool = True) -> float:
    shutil.rmtree(outdir, ignore_errors=True)
    extra = {
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": context_json,
        "CDK_DEFAULT_REGION": "us-east-1",
    }
    if not validation:
        extra["CDK_VALIDATION"] = "false"
    return timed_run([PYTHON, str(script)], env=tool_environment(extra))


def run(rounds: int, workdir: Path) -> SynthResult:
    """`rounds` interleaved runs of every side; keeps the last cognito cloud assembly."""
    scratch = Path(tempfile.mkdtemp(prefix="synth-", dir=workdir))
    bare_context = _context({})
    app = ROOT / "app.py"
    sides = {
        "bare": partial(_synth_once, BARE_APP, bare_context, scratch / "bare"),
        **{
            name: partial(_synth_once, app, _context(pairs), scratch / name)
            for name, pairs in CONFIGURATIONS.items()
        },
        f"bare {NO_VALIDATION}": partial(
            _synth_once, BARE_APP, bare_context, scratch / "bare-nv", validation=False
        ),
        f"cognito {NO_VALIDATION}": partial(
            _synth_once,
            app,
            _context(CONFIGURATIONS["cognito"]),
            scratch / "cog-nv",
            validation=False,
        ),
    }
    log(f"synth: {rounds} rounds of {len(sides)} sides ({', '.join(sides)})")
    samples = interleaved(sides, rounds)
    result = SynthResult(
        bare=samples["bare"],
        configs={name: samples[name] for name in CONFIGURATIONS},
        bare_no_validation=samples[f"bare {NO_VALIDATION}"],
        cognito_no_validation=samples[f"cognito {NO_VALIDATION}"],
        cognito_outdir=scratch / "cognito",
    )
    for name in CONFIGURATIONS:
        log(f"synth {name}: {result.configs[name].median:.2f} s, ratio {result.ratio(name):.2f}")
    log(f"synth bare: {result.bare.median:.2f} s")
    return result


def synth_cognito(workdir: Path) -> Path:
    """One synth of the default configuration, for sections that only need its assembly."""
    outdir = workdir / "cognito-only"
    _synth_once(ROOT / "app.py", _context(CONFIGURATIONS["cognito"]), outdir)
    return outdir
