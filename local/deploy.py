"""Deploy the CDK app into the local emulator with the real CDK CLI, then check what it made.

The CLI's exit code is not trusted alone: every declared stack goes through the one
post-deploy verifier (local.emulator.caller.verify) afterwards.

With kept state (`deploy_app`), an unchanged app is not deployed again: the fingerprint of its
inputs (the files cdk.json's `watch.include` names, as `cdk watch` watches them, cdk.json and
cdk.context.json, the context given, the CDK library and CLI versions) is kept with the state;
when it matches and the kept stacks still verify, they are reused as they are. Otherwise
`cdk deploy` runs onto the kept stacks as an update, and every resource that came back with a
new physical id (replaced: its data did not carry over) is reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from local.emulator.caller.verify import DeployedStack, inspect_deployment
from local.runtime.client import LOCAL_ACCOUNT, LOCAL_REGION, local_aws_environment, local_client
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


def _start_cdk(args: Sequence[str], endpoint_url: str, cwd: Path = ROOT) -> subprocess.Popen[str]:
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
        raise DeployError(f"`cdk {args[0]}` failed (full log: {log_path}):\n{detail}")
    return stdout


def _run_cdk(args: Sequence[str], endpoint_url: str, log_path: Path, cwd: Path = ROOT) -> str:
    return _finish_cdk(args, _start_cdk(args, endpoint_url, cwd), log_path)


def deploy(endpoint_url: str, context: Sequence[str], workdir: Path) -> list[DeployedStack]:
    """cdk synth (alongside cdk bootstrap) + cdk deploy --all of that cloud assembly into the
    emulator; returns the verified stacks."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "cdk.log"
    log_path.write_text("")
    outdir = workdir / "cdk.out"
    context_args = [arg for pair in context for arg in ("-c", pair)]
    # The app is synthesized while the emulator is bootstrapped (each is a CLI process that
    # mostly waits on the other side), then `cdk deploy --app` deploys that very assembly:
    # what `cdk deploy` does alone, about 2 s sooner. Outside the app directory the CLI
    # bootstraps without synthesizing the app itself.
    synth_args = ["synth", "--quiet", "--output", str(outdir), *context_args]
    bootstrap_args = ["bootstrap", f"aws://{LOCAL_ACCOUNT}/{LOCAL_REGION}"]
    synth = _start_cdk(synth_args, endpoint_url)
    bootstrap = _start_cdk(bootstrap_args, endpoint_url, cwd=workdir)
    try:
        _finish_cdk(synth_args, synth, log_path)  # a bad app fails here, without waiting
    except BaseException:
        bootstrap.kill()  # never left running behind a failed (or interrupted) deploy
        bootstrap.communicate()
        raise
    _finish_cdk(bootstrap_args, bootstrap, log_path)
    _run_cdk(
        [
            "deploy",
            "--all",
            "--app",
            str(outdir),
            "--require-approval",
            "never",
            "--outputs-file",
            str(workdir / "outputs.json"),
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


# --- kept state: reuse an unchanged app, update a changed one -----------------------------


def _app_inputs(root: Path) -> Iterator[Path]:
    """The files `cdk watch` would watch (cdk.json's watch.include minus watch.exclude)."""
    watch = json.loads((root / "cdk.json").read_text()).get("watch", {})
    excluded = {p.removeprefix("**/").removesuffix("/**") for p in watch.get("exclude", [])}
    for pattern in watch.get("include", []):
        base = root / pattern.removesuffix("/**")
        candidates = sorted(base.rglob("*")) if pattern.endswith("/**") else [base]
        for path in candidates:
            relative = path.relative_to(root)
            if path.is_file() and not excluded.intersection({*relative.parts, relative.as_posix()}):
                yield path


def app_fingerprint(context: Sequence[str], root: Path = ROOT) -> str:
    """Changes whenever what `cdk deploy` would deploy can change."""
    digest = hashlib.sha256()
    files = [*_app_inputs(root), root / "cdk.json", root / "cdk.context.json"]
    for path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    versions = [metadata.version(name) for name in ("aws-cdk-lib", "constructs")]
    cli = root / "node_modules" / "aws-cdk" / "package.json"
    versions.append(json.loads(cli.read_text())["version"] if cli.is_file() else "?")
    digest.update(json.dumps({"context": list(context), "versions": versions}).encode())
    return digest.hexdigest()


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
) -> Deployment:
    """Reuse the kept deployment if the app is unchanged and it still verifies; else deploy
    (an update of whatever is kept) and say which resources were replaced."""
    started = time.perf_counter()
    fingerprint = app_fingerprint(context)
    kept = kept or {}
    kept_stacks = kept.get("stacks")
    if kept.get("fingerprint") == fingerprint and isinstance(kept_stacks, list) and kept_stacks:
        stacks, problems = inspect_deployment(endpoint_url, [str(s) for s in kept_stacks])
        if not problems:
            return Deployment(stacks, True, [], fingerprint, time.perf_counter() - started)
    before = _resources(endpoint_url)
    stacks = deploy(endpoint_url, context, workdir)
    after = _resources(endpoint_url)
    replaced = [
        f"{key} ({kind})"
        for key, (physical, kind) in sorted(after.items())
        if key in before and before[key][0] != physical
    ]
    return Deployment(stacks, False, replaced, fingerprint, time.perf_counter() - started)
