"""Wall time of the whole test suite against one bare synth (the cost unit of this repo).

The suite is run exactly as the README says (`pytest -q -p no:cacheprovider` from the root),
interleaved with bare-app synths so both see the same machine load. The summary line is kept:
a failing suite still has a wall time, but the report says it failed.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.common import PYTHON, ROOT, Samples, interleaved, log, tool_environment
from bench.synth import BARE_APP, _context, _synth_once

TARGET = 15.0
_SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|error).*?) in [\d.]+s")


@dataclass
class SuiteResult:
    suite: Samples
    bare: Samples
    summaries: list[str] = field(default_factory=list)
    durations: str = ""

    @property
    def ratio(self) -> float:
        return self.suite.median / self.bare.median


def _suite_once(summaries: list[str], durations: list[str]) -> float:
    command = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=15"]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=tool_environment(), capture_output=True, text=True, timeout=1800
    )
    elapsed = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    summary = next((m.group(1) for line in reversed(lines) if (m := _SUMMARY.search(line))), "?")
    summaries.append(f"{summary} (exit {result.returncode})")
    slowest = [line for line in lines if re.match(r"^\d+\.\d+s (setup|call|teardown) ", line)]
    durations[:] = slowest
    log(f"suite: {elapsed:.1f} s, {summary}")
    return elapsed


def run(rounds: int, workdir: Path) -> SuiteResult:
    summaries: list[str] = []
    durations: list[str] = []
    sides = {
        "bare synth": partial(_synth_once, BARE_APP, _context({}), workdir / "suite-bare"),
        "suite": partial(_suite_once, summaries, durations),
    }
    log(f"suite: {rounds} rounds of the whole suite, interleaved with bare synths")
    samples = interleaved(sides, rounds)
    return SuiteResult(
        suite=samples["suite"],
        bare=samples["bare synth"],
        summaries=summaries,
        durations="\n".join(durations),
    )
