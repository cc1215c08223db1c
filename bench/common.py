"""Shared helpers: the toolchain environment, side-by-side timing, medians, machine facts.

Every figure in BENCHMARKS.md is a ratio of two things measured in the same run with their
repetitions interleaved (A B A B ...), so slow phases of this noisy 2-core machine hit both
sides alike; absolute seconds are printed for context only.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.load import LoadResult, LoadSpec, spec_to_json

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
NODE_BIN = ROOT / "node_modules" / ".bin"


def tool_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `make` gives the app: pinned CLI and Node 22 first, then the venv."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(Path(PYTHON).parent), env.get("PATH", "")])
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    env.pop("CDK_VALIDATION", None)  # a developer's setting must not skew one side
    env |= dict(extra or {})
    return env


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Samples:
    """Wall-clock seconds of repeated runs of one thing."""

    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def spread(self) -> str:
        """min-max, to show how noisy the machine was."""
        return f"{min(self.seconds):.2f}-{max(self.seconds):.2f}"


def timed_run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 600,
) -> float:
    """Run a command to completion and return its wall time; a failure stops the benchmark."""
    started = time.perf_counter()
    result = subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed (exit {result.returncode}):\n{tail}")
    return elapsed


def interleaved(runs: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, Samples]:
    """Run each side once per round, rotating the order so no side always goes first."""
    names = list(runs)
    samples = {name: Samples(name) for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].seconds.append(runs[name]())
    return samples


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 400 samples is the 396th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _command_output(command: Sequence[str]) -> str:
    try:
        result = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            env=tool_environment(),
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = result.stdout.strip() if result.returncode == 0 else ""
    return text.splitlines()[0] if text else "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """What a reader needs to compare these numbers with their own machine."""
    return {
        "CPU": _cpu_model(),
        "Cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Node.js": _command_output(["node", "--version"]),
        "CDK CLI": _command_output(["cdk", "--version"]),
        "aws-cdk-lib": _package_version("aws-cdk-lib"),
        "jsii": _package_version("jsii"),
        "boto3": _package_version("boto3"),
        "moto": _package_version("moto"),
        "uvicorn": _package_version("uvicorn"),
        "httptools": _package_version("httptools"),
        "uvloop": _package_version("uvloop"),
    }


def load_in_own_process(spec: LoadSpec, spec_path: Path) -> LoadResult:
    """One load through the shared generator (`python -m tools.load`), in its own process so
    its CPU and GIL are not the server's."""
    spec_path.write_text(json.dumps(spec_to_json(spec)))
    completed = subprocess.run(
        [PYTHON, "-m", "tools.load", str(spec_path)],
        cwd=ROOT,
        env=tool_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return LoadResult.from_json(json.loads(completed.stdout))
