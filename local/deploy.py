"""Deploy the CDK app into the local emulator with the real CDK CLI, then check what it made.

The CLI's exit code is not trusted alone (see REFERENCE.md: moto once left a stack in
REVIEW_IN_PROGRESS while the CLI printed success), so every stack's real state and resources
are read back through CloudFormation afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from local.launch import ROOT

LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"
DONE_STATUSES = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
# The emulator accepts any credentials; fixed ones keep a developer's real AWS keys out of it.
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class DeployError(RuntimeError):
    """A deploy step failed; the message carries the CLI's own words."""


@dataclass(frozen=True)
class DeployedStack:
    name: str
    outputs: dict[str, str]
    resources: dict[str, str]  # logical id -> physical id


def local_aws_environment(endpoint_url: str) -> dict[str, str]:
    """What every AWS client (CLI, boto3, handlers) needs to talk to the emulator only."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        **TEST_CREDENTIALS,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def local_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client bound to the emulator with its test credentials, whatever the shell has."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
    )


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
    return verify_stacks(endpoint_url, _expected_resources(outdir))


def _expected_resources(outdir: Path) -> dict[str, set[str]]:
    """Stack name -> the logical ids its synthesized template declares (what must exist)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    expected: dict[str, set[str]] = {}
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        template = json.loads((outdir / properties["templateFile"]).read_text())
        expected[properties.get("stackName", artifact_id)] = {
            logical_id
            for logical_id, resource in template["Resources"].items()
            if resource["Type"] != "AWS::CDK::Metadata"
        }
    return expected


def verify_stacks(endpoint_url: str, expected: dict[str, set[str]]) -> list[DeployedStack]:
    """Each stack CREATE/UPDATE_COMPLETE, every declared resource present, outputs resolved."""
    cloudformation = local_client("cloudformation", endpoint_url)
    stacks: list[DeployedStack] = []
    for name, logical_ids in expected.items():
        described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if described["StackStatus"] not in DONE_STATUSES:
            raise DeployError(
                f"stack {name} is {described['StackStatus']} after deploy, not CREATE_COMPLETE"
            )
        listed = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        present = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in listed
            if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
        }
        missing = sorted(logical_ids - set(present))
        if missing:
            raise DeployError(f"stack {name} lacks resources after deploy: {', '.join(missing)}")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        unresolved = [key for key, value in outputs.items() if not value or value == "None"]
        if unresolved:
            raise DeployError(f"stack {name} has unresolved outputs: {', '.join(unresolved)}")
        stacks.append(
            DeployedStack(
                name=name,
                outputs=outputs,
                resources=present,
            )
        )
    return stacks
