"""A daemon thread with a stop flag, which the run starts after it serves and closes before
it stops what the thread watches (the app's files, the local AWS endpoint)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Self


class BackgroundThread:
    """Runs `loop` on a daemon thread; close() sets `_stop`, wakes the loop, and waits for it
    (at most `join_seconds`: long enough for what one turn of the loop may be doing)."""

    def __init__(self, loop: Callable[[], None], *, name: str, join_seconds: float) -> None:
        self._stop = threading.Event()
        self._join_seconds = join_seconds
        self._thread = threading.Thread(target=loop, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._wake()
        self._thread.join(timeout=self._join_seconds)

    def _wake(self) -> None:
        """Wake the loop from a wait of its own (after `_stop` is set): none by default."""
