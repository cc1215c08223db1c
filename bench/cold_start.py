"""Lambda cold-start proxy: import time of each handler module against `import boto3` alone.

A cold start pays the runtime's init plus our module's import; boto3 is what every Python
function that talks to AWS imports, so `import handler` / `import boto3` close to 1 means our
code adds nothing noticeable. Each sample is a fresh interpreter (nothing cached in-process),
timing only the import statement, with the synthesized asset directory on sys.path as Lambda's
LAMBDA_TASK_ROOT is. Like on Lambda (read-only task root, no __pycache__ in the asset) our
modules compile from source on every cold start, while boto3 loads from its bytecode as the
runtime's copy does. Also reports the deployed code asset's size (directory and zip).
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.common import PYTHON, Samples, interleaved, log

HANDLER_MODULES = ("profile_api.get_profile", "profile_api.create_profile")
BASELINE_MODULE = "boto3"
TARGET = 1.1
_PROBE = (
    "import sys, time; sys.path.insert(0, sys.argv[1]); started = time.perf_counter(); "
    "__import__(sys.argv[2]); print(time.perf_counter() - started)"
)


@dataclass
class AssetSize:
    path: str
    files: int
    directory_bytes: int
    zip_bytes: int


@dataclass
class ColdStartResult:
    baseline: Samples
    handlers: dict[str, Samples]
    assets: list[AssetSize]

    def ratio(self, module: str) -> float:
        return self.handlers[module].median / self.baseline.median


def _import_seconds(task_root: Path, module: str) -> float:
    """Seconds spent in `import module`, measured inside a fresh interpreter."""
    result = subprocess.run(
        [PYTHON, "-c", _PROBE, str(task_root), module],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return float(result.stdout.strip())


def handler_asset(outdir: Path) -> Path:
    """The asset directory that holds the handlers (what Lambda unpacks into /var/task)."""
    for candidate in sorted(outdir.glob("asset.*")):
        if (candidate / "profile_api" / "get_profile.py").is_file():
            return candidate
    raise RuntimeError(f"no asset with profile_api in {outdir}")


def asset_sizes(outdir: Path) -> list[AssetSize]:
    """Every file asset of the cloud assembly: bytes on disk and as the CLI would zip them."""
    sizes: list[AssetSize] = []
    seen: set[str] = set()
    for manifest in sorted(outdir.glob("*.assets.json")):
        files = json.loads(manifest.read_text()).get("files", {})
        for asset in files.values():
            source = asset["source"]
            if source.get("packaging") != "zip" or source["path"] in seen:
                continue
            seen.add(source["path"])
            directory = outdir / source["path"]
            entries = sorted(p for p in directory.rglob("*") if p.is_file())
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for entry in entries:
                    archive.write(entry, entry.relative_to(directory).as_posix())
            sizes.append(
                AssetSize(
                    path=source["path"],
                    files=len(entries),
                    directory_bytes=sum(entry.stat().st_size for entry in entries),
                    zip_bytes=len(buffer.getvalue()),
                )
            )
    return sizes


def run(rounds: int, outdir: Path) -> ColdStartResult:
    """`rounds` interleaved fresh-interpreter imports of boto3 and of each handler module."""
    task_root = handler_asset(outdir)
    _import_seconds(task_root, BASELINE_MODULE)  # boto3's own bytecode exists before sampling
    modules = (BASELINE_MODULE, *HANDLER_MODULES)
    sides = {module: partial(_import_seconds, task_root, module) for module in modules}
    log(f"cold start: {rounds} rounds of {', '.join(sides)} (fresh interpreter each)")
    samples = interleaved(sides, rounds)
    result = ColdStartResult(
        baseline=samples[BASELINE_MODULE],
        handlers={module: samples[module] for module in HANDLER_MODULES},
        assets=asset_sizes(outdir),
    )
    for module in HANDLER_MODULES:
        log(
            f"import {module}: {result.handlers[module].median * 1000:.0f} ms, "
            f"ratio {result.ratio(module):.2f}"
        )
    return result
