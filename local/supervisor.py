"""Watch the local AWS endpoint while `local up` serves; bring it back from its kept state.

If the endpoint's process dies, one line says so within POLL_SECONDS, the data plane answers
503 `{"message":"Service Unavailable"}` (never a hang) until a new endpoint has loaded the
last saved state, and the run goes on; what changed after that save is lost (at most the
save interval). An endpoint that dies MAX_RESTARTS times within WINDOW_SECONDS, or does not
come back, stops the run with exit code 1: a crash loop is a bug to see, not to hide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from local.background import BackgroundThread
from local.emulator.caller import EmulatorError, EmulatorProcess
from local.gateway.app import DataPlane

POLL_SECONDS = 0.5
MAX_RESTARTS = 3
WINDOW_SECONDS = 60.0


def _saved_at(snapshot: Path | None) -> str:
    try:
        assert snapshot is not None
        return time.strftime("%H:%M:%S", time.localtime(snapshot.stat().st_mtime))
    except (AssertionError, OSError):
        return "never (nothing was saved)"


class EmulatorSupervisor(BackgroundThread):
    """A thread that watches one EmulatorProcess for the run that serves `plane`; the run
    closes it before it stops the endpoint itself (closing waits for a restart under way)."""

    def __init__(
        self,
        emulator: EmulatorProcess,
        plane: DataPlane,
        *,
        on_restarted: Callable[[EmulatorProcess], None],
        on_give_up: Callable[[], None],
    ) -> None:
        self.emulator = emulator
        self.plane = plane
        self.on_restarted = on_restarted
        self.on_give_up = on_give_up
        self.restarts: list[float] = []
        super().__init__(self._watch, name="emulator-watch", join_seconds=60)

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            code = self.emulator.exit_code()
            if code is not None and not self._stop.is_set() and not self._recover(code):
                return

    def _recover(self, code: int) -> bool:
        """True when the endpoint is back; False after giving up (the run is stopping)."""
        reason = f"the local AWS endpoint (pid {self.emulator.pid}) exited with code {code}"
        last_words = self.emulator.last_words() if code > 0 else None  # < 0: a signal, no words
        if last_words:
            reason += f" ({last_words[:200]})"
        self.plane.unavailable = reason
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < WINDOW_SECONDS] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            print(
                f"error: {reason}, {len(self.restarts)} times within {WINDOW_SECONDS:.0f} s: "
                "stopping the run (exit code 1)",
                flush=True,
            )
            self.on_give_up()
            return False
        saved_at = _saved_at(self.emulator.snapshot_path)
        print(
            f"error: {reason}; restarting it from the state saved at {saved_at}"
            " (later changes are lost); API requests answer 503 until it is back",
            flush=True,
        )
        started = time.perf_counter()
        try:
            self.emulator.restart()
        except EmulatorError as problem:
            print(f"error: the local AWS endpoint did not come back ({problem}): stopping the run")
            self.on_give_up()
            return False
        for notice in self.emulator.notices:
            print(f"    {notice}", flush=True)
        self.on_restarted(self.emulator)
        self.plane.unavailable = None
        print(
            f"    the local AWS endpoint is back (pid {self.emulator.pid}) after "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        return True
