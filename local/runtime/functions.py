"""A deployed function's code on disk and its FunctionSpec, from the Lambda API's description.

The gateway (through the Lambda API) and the emulator (from moto's own Lambda backend, for a
Cognito trigger) both run deployed functions: one folder per code version, named by the
CodeSha256 Lambda reports, unpacked once (into a partial folder, then renamed, so a crash
mid-way never leaves a half folder that looks done).
"""

from __future__ import annotations

import filecmp
import io
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from local.runtime.workers import FunctionSpec


def code_folder(code_root: Path, code_sha256: str) -> Path:
    """Where one code version lives (base64's '/' and '+' are not path-friendly)."""
    return code_root / code_sha256.replace("/", "_").replace("+", "-")


def unpack_code(code_root: Path, code_sha256: str, fetch: Callable[[], bytes]) -> Path:
    """The folder of this code version, unpacked from the zip `fetch` returns if not there yet."""
    code_dir = code_folder(code_root, code_sha256)
    if not code_dir.exists():
        partial = code_dir.with_suffix(".partial")
        with zipfile.ZipFile(io.BytesIO(fetch())) as archive:
            archive.extractall(partial)  # zipfile drops absolute and '..' paths
        partial.rename(code_dir)
    return code_dir


def function_spec(
    configuration: Mapping[str, Any], code_dir: Path, *, arn: str | None = None
) -> FunctionSpec:
    """The spec of a function from its Lambda `Configuration` (GetFunction's shape, Lambda's
    defaults for what it leaves out); `arn` when it was invoked by a qualified ARN."""
    environment = (configuration.get("Environment") or {}).get("Variables") or {}
    return FunctionSpec(
        name=str(configuration["FunctionName"]),
        arn=arn or str(configuration["FunctionArn"]),
        handler=str(configuration["Handler"]),
        code_dir=code_dir,
        environment={str(k): str(v) for k, v in environment.items()},
        timeout_seconds=float(configuration.get("Timeout", 3)),
        memory_mb=int(configuration.get("MemorySize", 128)),
    )


def same_code(first: Path, second: Path) -> bool:
    """Do two code folders hold the same files with the same contents? (A hotswapped package
    and the CDK CLI's zip of the same tree differ in their bytes, not in what they unpack to.)"""
    if first == second:
        return True

    def listing(folder: Path) -> list[str]:
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    files = listing(first)
    if files != listing(second):
        return False
    _, mismatch, errors = filecmp.cmpfiles(first, second, files, shallow=False)
    return not mismatch and not errors
