"""The emulator's request gate: snapshots see no half-made change, and nothing deadlocks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from local.emulator.server.request_gate import RequestGate


def _in_thread(action: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_a_request_nested_in_an_open_one_goes_ahead_while_a_snapshot_waits() -> None:
    """GIVEN an open request (a sign-in) and a snapshot waiting for it WHEN a nested request
    arrives (the pre token trigger's SSM call) THEN it goes ahead within moments instead of
    waiting for the snapshot, which waits for the outer request: no deadlock; the snapshot is
    taken once both are done."""
    gate, taken, nested_done = RequestGate(), threading.Event(), threading.Event()

    def snapshot() -> None:
        with gate.exclusive():
            taken.set()

    def nested() -> None:
        with gate.request():
            nested_done.set()

    with gate.request():
        waiting = _in_thread(snapshot)
        time.sleep(0.1)  # the snapshot now waits for the open request
        _in_thread(nested).join(timeout=2)
        assert nested_done.is_set(), "the nested request waited for the snapshot: deadlock"
        assert not taken.is_set(), "a snapshot ran while a request was open"
    waiting.join(timeout=5)
    assert taken.is_set()


def test_a_new_request_waits_while_a_snapshot_is_taken() -> None:
    """GIVEN a snapshot being taken WHEN a request arrives THEN it starts only afterwards."""
    gate, order = RequestGate(), []

    def request() -> None:
        with gate.request():
            order.append("request")

    with gate.exclusive():
        worker = _in_thread(request)
        time.sleep(0.2)
        order.append("snapshot done")
    worker.join(timeout=5)
    assert order == ["snapshot done", "request"]
