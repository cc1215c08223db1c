"""Deploy the CDK app into the local emulator with the real CDK CLI, then check what it made.

The CLI's exit code is not trusted alone: every declared stack goes through the one
post-deploy verifier (local.emulator.verify) afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from local.emulator.client import LOCAL_ACCOUNT, LOCAL_REGION, local_aws_environment
from local.emulator.verify import DeployedStack, inspect_deployment
from local.state import ROOT


class DeployError(RuntimeError):
    """A deploy step failed; the message carries the CLI's own words."""


def _cdk_environment(endpoint_url: str) -> dict[str, str]:
    bin_dir = ROOT / "node_modules" / ".bin"
    venv_bin = ROOT / ".venv" / "bin"
    path = os.pathsep.join(str(p) for p in (bin_dir, venv_bin) if p.exists())
    return (
        dict(os.environ)
        | local_aws_environment(endpoint_url)
        | {
            "CDK_DEFAULT_ACCOUNT": LOCAL_ACCOUNT,
            "CDK_DEFAULT_REGION": LOCAL_REGION,
            "PATH": f"{path}{os.pathsep}{os.environ.get('PATH', '')}",
            "CI": "true",  # no interactive prompts, no progress bars
            "CDK_DISABLE_CLI_TELEMETRY": "true",
        }
    )


def _run_cdk(args: Sequence[str], endpoint_url: str, log_path: Path, cwd: Path = ROOT) -> str:
    command = ["cdk", *args]
    result = subprocess.run(
        command,
        cwd=cwd,
        env=_cdk_environment(endpoint_url),
        capture_output=True,
        text=True,
        check=False,
    )
    with log_path.open("a") as log:
        log.write(f"$ {' '.join(command)}\n{result.stdout}\n{result.stderr}\n")
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        detail = "\n".join(lines[-8:]) or f"exit code {result.returncode}"
        raise DeployError(f"`cdk {args[0]}` failed (full log: {log_path}):\n{detail}")
    return result.stdout


def deploy(endpoint_url: str, context: Sequence[str], workdir: Path) -> list[DeployedStack]:
    """cdk bootstrap + cdk deploy --all into the emulator; returns the verified stacks."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "cdk.log"
    log_path.write_text("")
    outdir = workdir / "cdk.out"
    context_args = [arg for pair in context for arg in ("-c", pair)]
    # Outside the app directory the CLI bootstraps without synthesizing the app first (~3 s).
    _run_cdk(
        ["bootstrap", f"aws://{LOCAL_ACCOUNT}/{LOCAL_REGION}"], endpoint_url, log_path, workdir
    )
    _run_cdk(
        [
            "deploy",
            "--all",
            "--require-approval",
            "never",
            "--output",
            str(outdir),
            "--outputs-file",
            str(workdir / "outputs.json"),
            *context_args,
        ],
        endpoint_url,
        log_path,
    )
    return _verified(endpoint_url, _stack_names(outdir))


def _stack_names(outdir: Path) -> list[str]:
    """The stacks the synthesized app declares: each must now be really deployed."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return [
        artifact.get("properties", {}).get("stackName", artifact_id)
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    ]


def _verified(endpoint_url: str, stack_names: list[str]) -> list[DeployedStack]:
    stacks, problems = inspect_deployment(endpoint_url, stack_names)
    if problems:
        detail = "\n".join(problems)
        raise DeployError(f"the deploy did not create what the app declares:\n{detail}")
    return stacks
