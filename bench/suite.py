"""Wall time of the whole test suite against one bare synth (the cost unit of this repo).

The suite is run as the README says (`pytest -q -p no:cacheprovider` from the root) on 2
workers (the default, `-n 2`) and on 1 (`-n 0`), interleaved with bare-app synths so all sides
see the same machine load. The suite's saved deployed states (tests/local/runs.py) get a folder
of their own: the first run starts with it empty (a fresh clone: every configuration deployed
cold) and is reported on its own; the interleaved rounds then start from what it saved (a
developer's next `make test`). The summary lines are kept: a failing suite still has a wall
time, but the report says it failed.
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

TARGET = 20.0  # the whole suite (2 workers, from saved states) in bare synths
SLOWEST = 15
WORKERS = {"2 workers": "2", "1 worker": "0"}  # pytest-xdist's -n (0: no workers, serial)
_SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|error).*?) in [\d.]+s")
_DURATION = re.compile(r"^\d+\.\d+s (setup|call|teardown) ")


@dataclass
class SuiteResult:
    suites: dict[str, Samples]  # by WORKERS name, runs from saved states
    bare: Samples
    cold: float  # the first run on 2 workers, every configuration deployed
    summaries: list[str] = field(default_factory=list)
    durations: str = ""  # the slowest steps of the last 2-worker run

    @property
    def ratio(self) -> float:
        return self.suites["2 workers"].median / self.bare.median


def _suite_once(
    workers: str, states: Path, summaries: list[str], durations: list[str] | None
) -> float:
    command = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers]
    command.append(f"--durations={SLOWEST}")
    env = tool_environment({"LOCAL_TEST_STATES": str(states)})
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    elapsed = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    summary = next((m.group(1) for line in reversed(lines) if (m := _SUMMARY.search(line))), "?")
    label = next(name for name, n in WORKERS.items() if n == workers)
    summaries.append(f"{label}: {summary} (exit {result.returncode})")
    if durations is not None:
        durations[:] = [line for line in lines if _DURATION.match(line)]
    log(f"suite ({label}): {elapsed:.1f} s, {summary}")
    return elapsed


def run(rounds: int, workdir: Path) -> SuiteResult:
    summaries: list[str] = []
    durations: list[str] = []
    states = workdir / "suite-states"  # empty: the first run deploys every configuration
    log("suite: one run from no saved states (as a fresh clone), 2 workers")
    cold = _suite_once(WORKERS["2 workers"], states, summaries, None)
    sides = {
        "bare synth": partial(_synth_once, BARE_APP, _context({}), workdir / "suite-bare"),
        "2 workers": partial(_suite_once, WORKERS["2 workers"], states, summaries, durations),
        "1 worker": partial(_suite_once, WORKERS["1 worker"], states, summaries, None),
    }
    log(f"suite: {rounds} rounds of the whole suite on 2 and 1 workers, and bare synths")
    samples = interleaved(sides, rounds)
    return SuiteResult(
        suites={name: samples[name] for name in WORKERS},
        bare=samples["bare synth"],
        cold=cold,
        summaries=summaries,
        durations="\n".join(durations),
    )
