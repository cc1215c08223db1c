"""Deploy the CDK app into the local emulator with the real CDK CLI, then check what it made.

The CLI's exit code is not trusted alone: every declared stack goes through the one
post-deploy verifier (local.emulator.caller.verify) afterwards.

With kept state (`deploy_app`), an unchanged app is not deployed again: the fingerprint of its
inputs (local.app_files: the files `cdk watch` watches, cdk.json and cdk.context.json, the
context given, the CDK library and CLI versions) is kept with the state;
when it matches and the kept stacks still verify, they are reused as they are. Otherwise
`cdk deploy` runs onto the kept stacks as an update, and every resource that came back with a
new physical id (replaced: its data did not carry over) is reported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from local.app_files import AppFiles
from local.emulator.caller.verify import DeployedStack, inspect_deployment
from local.runtime.client import LOCAL_ACCOUNT, LOCAL_REGION, local_aws_environment, local_client
from local.state import ROOT

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')


class DeployError(RuntimeError):
    """A deploy step failed; the message carries the CLI's own words, `summary` the few lines
    that say what and where (no traceback wall)."""

    def __init__(self, message: str, summary: str = "") -> None:
        super().__init__(message)
        self.summary = summary or message


def _summary(command: str, stderr: str, log_path: Path) -> str:
    """The CLI's own message in a few lines: a Python traceback (the app failed to synth) as
    its innermost frame and its error, else the CLI's last lines."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    frames = [i for i, line in enumerate(lines) if _FRAME.match(line)]
    if frames:
        last = frames[-1]
        tail = [line for line in lines[last + 1 :] if "Subprocess exited" not in line]
        kept = [lines[last].strip(), *textwrap.dedent("\n".join(tail[-3:])).splitlines()]
    else:
        kept = [line.strip() for line in lines[-4:] if "--debug" not in line]
    kept = kept or ["no message"]
    return "\n".join([f"`cdk {command}` failed (full log: {log_path}):", *kept])


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


def _start_cdk(args: Sequence[str], endpoint_url: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["cdk", *args],
        cwd=cwd,
        env=_cdk_environment(endpoint_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish_cdk(args: Sequence[str], process: subprocess.Popen[str], log_path: Path) -> str:
    """Wait for `cdk ARGS`, append its output to the deploy log; a failure raises with its last
    lines."""
    stdout, stderr = process.communicate()
    with log_path.open("a") as log:
        log.write(f"$ cdk {' '.join(args)}\n{stdout}\n{stderr}\n")
    if process.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        detail = "\n".join(lines[-8:]) or f"exit code {process.returncode}"
        raise DeployError(
            f"`cdk {args[0]}` failed (full log: {log_path}):\n{detail}",
            _summary(args[0], stderr, log_path),
        )
    return stdout


def _run_cdk(args: Sequence[str], endpoint_url: str, log_path: Path, cwd: Path) -> str:
    return _finish_cdk(args, _start_cdk(args, endpoint_url, cwd), log_path)


def deploy(
    endpoint_url: str,
    context: Sequence[str],
    workdir: Path,
    *,
    app_root: Path = ROOT,
    bootstrap: bool = True,
) -> list[DeployedStack]:
    """cdk synth (alongside cdk bootstrap) + cdk deploy --all of that cloud assembly into the
    emulator, or, with the endpoint bootstrapped already, one `cdk deploy --all` that does
    both; returns the verified stacks."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "cdk.log"
    log_path.write_text("")
    outdir = workdir / "cdk.out"
    context_args = [arg for pair in context for arg in ("-c", pair)]
    # The app is synthesized while the emulator is bootstrapped (each is a CLI process that
    # mostly waits on the other side), then `cdk deploy --app` deploys that very assembly:
    # what `cdk deploy` does alone, about 2 s sooner. Outside the app directory the CLI
    # bootstraps without synthesizing the app itself.
    deploy_args = ["--require-approval", "never", "--outputs-file", str(workdir / "outputs.json")]
    if not bootstrap:  # a redeploy: one CLI process synthesizes and deploys (~1 s of start less)
        args = ["deploy", "--all", "--output", str(outdir), *deploy_args, *context_args]
        _run_cdk(args, endpoint_url, log_path, app_root)
        return _verified(endpoint_url, _stack_names(outdir))
    synth_args = ["synth", "--quiet", "--output", str(outdir), *context_args]
    bootstrap_args = ["bootstrap", f"aws://{LOCAL_ACCOUNT}/{LOCAL_REGION}"]
    synth = _start_cdk(synth_args, endpoint_url, app_root)
    bootstrapping = _start_cdk(bootstrap_args, endpoint_url, workdir)
    try:
        _finish_cdk(synth_args, synth, log_path)  # a bad app fails here, without waiting
    except BaseException:
        bootstrapping.kill()  # never left running behind a failed (or interrupted) deploy
        bootstrapping.communicate()
        raise
    _finish_cdk(bootstrap_args, bootstrapping, log_path)
    args = ["deploy", "--all", "--app", str(outdir), *deploy_args]
    _run_cdk(args, endpoint_url, log_path, app_root)
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


# --- kept state: reuse an unchanged app, update a changed one -----------------------------


def app_fingerprint(context: Sequence[str], root: Path = ROOT) -> str:
    """Changes whenever what `cdk deploy` would deploy can change (local.app_files)."""
    return AppFiles.load(root).fingerprint(context)


@dataclass
class Deployment:
    """What `deploy_app` did: the verified stacks, and whether it deployed at all."""

    stacks: list[DeployedStack]
    reused: bool  # the kept stacks, not deployed again
    replaced: list[str] = field(default_factory=list)  # "Stack/LogicalId (Type)"
    fingerprint: str = ""
    seconds: float = 0.0

    def record(self) -> dict[str, Any]:
        """What the emulator keeps with its state, to recognise this deployment next time."""
        return {
            "deployment": {
                "fingerprint": self.fingerprint,
                "stacks": [stack.name for stack in self.stacks],
            }
        }


def _resources(endpoint_url: str) -> dict[str, tuple[str, str]]:
    """'Stack/LogicalId' -> (physical id, type) for every live stack."""
    cfn = local_client("cloudformation", endpoint_url)
    found: dict[str, tuple[str, str]] = {}
    for stack in cfn.describe_stacks()["Stacks"]:
        try:
            listed = cfn.describe_stack_resources(StackName=stack["StackName"])["StackResources"]
        except ClientError:
            continue
        for resource in listed:
            if resource.get("PhysicalResourceId"):
                key = f"{stack['StackName']}/{resource['LogicalResourceId']}"
                found[key] = (resource["PhysicalResourceId"], resource["ResourceType"])
    return found


def deploy_app(
    endpoint_url: str,
    context: Sequence[str],
    workdir: Path,
    kept: Mapping[str, Any] | None,
    *,
    app_root: Path = ROOT,
    bootstrap: bool = True,
) -> Deployment:
    """Reuse the kept deployment if the app is unchanged and it still verifies; else deploy
    (an update of whatever is kept) and say which resources were replaced."""
    started = time.perf_counter()
    fingerprint = app_fingerprint(context, app_root)
    kept = kept or {}
    kept_stacks = kept.get("stacks")
    if kept.get("fingerprint") == fingerprint and isinstance(kept_stacks, list) and kept_stacks:
        stacks, problems = inspect_deployment(endpoint_url, [str(s) for s in kept_stacks])
        if not problems:
            return Deployment(stacks, True, [], fingerprint, time.perf_counter() - started)
    before = _resources(endpoint_url)
    stacks = deploy(endpoint_url, context, workdir, app_root=app_root, bootstrap=bootstrap)
    after = _resources(endpoint_url)
    replaced = [
        f"{key} ({kind})"
        for key, (physical, kind) in sorted(after.items())
        if key in before and before[key][0] != physical
    ]
    return Deployment(stacks, False, replaced, fingerprint, time.perf_counter() - started)
