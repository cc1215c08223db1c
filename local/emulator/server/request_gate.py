"""Requests vs. snapshots: many requests at once, or one snapshot alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RequestGate:
    """Many requests at once, or one snapshot alone (a shared lock that prefers the writer for
    a moment only).

    A snapshot taken while a request changes a backend could hold half of that change (or
    fail with "dictionary changed size during iteration"); requests wait while one is taken.
    A new request gives way to a waiting snapshot for at most YIELD_SECONDS, then goes ahead:
    a request can be nested in another (Cognito's pre token trigger calls SSM while the
    sign-in that runs it is still open), and a nested request that waited for the snapshot,
    which waits for the outer request, would wait forever.
    """

    YIELD_SECONDS = 0.05

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._exclusive = False
        self._waiting_exclusive = 0
        self.generation = 0  # requests served so far: unchanged means nothing to save

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._condition:
            give_way_until = time.monotonic() + self.YIELD_SECONDS
            while self._exclusive or (
                self._waiting_exclusive and time.monotonic() < give_way_until
            ):
                self._condition.wait(timeout=self.YIELD_SECONDS)
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self.generation += 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[int]:
        """Yields the generation the snapshot will reflect."""
        with self._condition:
            self._waiting_exclusive += 1
            while self._exclusive or self._active:
                self._condition.wait()
            self._waiting_exclusive -= 1
            self._exclusive = True
            generation = self.generation
        try:
            yield generation
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()
