"""`make local` start-up with and without kept state, and what a hard kill can lose.

Three ways a `python -m local up` becomes ready, in turn, round by round, on one state folder:
- cold: `--fresh`, an empty local AWS endpoint, the real `cdk bootstrap` + `cdk deploy --all`;
- warm: the state the previous run kept, the app unchanged: loaded, verified, no CDK CLI;
- cli: the kept state, but a fingerprint that differs (`-c stage=dev`, the default, so the
  same templates): the CDK CLI decides, and finds no changes. What a warm restart would cost
  if it let the CLI decide instead of comparing fingerprints.
Seconds are wall time from starting the command to its ready line (what a user waits).

Data-loss window: writes at unaligned moments to an emulator holding the deployed app's kept
state; for each, the time until the
emulator reports a save that includes it. A hard kill (SIGKILL, power loss) loses exactly the
writes younger than that; a clean stop (Ctrl-C) loses nothing.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Samples, log, tool_environment
from local.emulator.caller import EmulatorProcess
from local.launcher import start_local_up
from local.runtime.client import local_client
from local.state import RunDir
from tools.ports import free_port

TARGET_WARM_SECONDS = 5.0  # the target for a warm restart on this machine
SIDES = {"cold": ["--fresh"], "warm": [], "cli": ["-c", "stage=dev"]}


@dataclass
class RestartResult:
    ready: dict[str, Samples]
    loss_window: list[float] = field(default_factory=list)  # write -> on disk, seconds
    save_seconds: list[float] = field(default_factory=list)
    snapshot_bytes: int = 0
    save_interval: float = 0.0


# The demo page's URL is a callback URL of the deployed app: every start of one kept state uses
# the same port, or the restart would be a changed app (and rightly deploy).
_DEMO_PORT = free_port()


def _ready(state_dir: Path, args: list[str]) -> float:
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log_file:
        log_path = Path(log_file.name)
    started = time.perf_counter()
    run = start_local_up(
        state_dir,
        log_path,
        extra_args=["--quiet", *args],
        env=tool_environment(),
        demo_port=_DEMO_PORT,
    )
    elapsed = time.perf_counter() - started
    code = run.stop()
    if code != 0:
        raise RuntimeError(f"`local up {' '.join(args)}` exited {code}:\n{run.log_text()[-2000:]}")
    log_path.unlink()
    return elapsed


def _loss_window(
    workdir: Path, kept: Path, writes: int
) -> tuple[list[float], list[float], int, float]:
    """(write -> saved delays, save durations, snapshot bytes, interval) on one emulator that
    holds a copy of the deployed app's kept state (so each save is of a real-sized state)."""
    state_dir = RunDir(workdir / "loss").aws_state
    shutil.copytree(kept, state_dir)
    emulator = EmulatorProcess(free_port(), state_dir=state_dir).start()
    delays: list[float] = []
    saves: list[float] = []
    try:
        dynamodb = local_client("dynamodb", emulator.endpoint_url)
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for index in range(writes):
            time.sleep(random.uniform(0, emulator.save_interval))  # noqa: S311 - timing jitter
            dynamodb.put_item(TableName="t", Item={"k": {"S": str(index)}})
            written = time.time()
            while True:
                status = emulator.state_status()
                if (status["last_saved_at"] or 0) >= written:
                    delays.append(status["last_saved_at"] - written)
                    saves.append(status["last_save_seconds"])
                    break
                time.sleep(0.01)
        size = emulator.snapshot_path.stat().st_size if emulator.snapshot_path else 0
        return delays, saves, size, emulator.save_interval
    finally:
        emulator.stop()


def run(rounds: int, workdir: Path, writes: int = 30) -> RestartResult:
    state_dir = workdir / "restart-state"
    log(f"local run start-up: {rounds} rounds of {', '.join(SIDES)}")
    # Fixed order within a round (not rotated): each side needs the state the one before left.
    samples = {name: Samples(name) for name in SIDES}
    for _ in range(rounds):
        for name, args in SIDES.items():
            samples[name].seconds.append(_ready(state_dir, args))
    for name, values in samples.items():
        log(f"ready, {name}: median {values.median:.1f} s ({values.spread()})")
    log(f"data-loss window: {writes} writes to a kept emulator")
    delays, saves, size, interval = _loss_window(workdir, RunDir(state_dir).aws_state, writes)
    log(f"write -> on disk: max {max(delays):.2f} s, save {max(saves) * 1000:.0f} ms, {size} B")
    return RestartResult(samples, delays, saves, size, interval)
