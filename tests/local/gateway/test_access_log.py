"""Access-log lines are batched into few logging records but stay one JSON object per line."""

from __future__ import annotations

import asyncio
import json

import pytest

from local.gateway.app import AccessLog


def test_lines_written_together_come_out_as_one_record_of_one_json_line_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GIVEN three requests logged within the flush window WHEN the window ends THEN one
    `local.access` record holds three lines, each the JSON of one request, in order."""
    caplog.set_level("INFO", logger="local.access")

    async def three() -> None:
        log = AccessLog()
        for number in range(3):
            log.write({"requestId": f"r{number}", "status": 200})
        assert caplog.records == []  # nothing yet: waiting for the window
        await asyncio.sleep(AccessLog.FLUSH_SECONDS * 5)

    asyncio.run(three())
    (record,) = [r for r in caplog.records if r.name == "local.access"]
    lines = record.getMessage().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"requestId": f"r{n}", "status": 200} for n in range(3)
    ]


def test_flush_writes_what_is_pending_at_once(caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a logged line WHEN flush() is called (server shutdown) THEN it is written now,
    and a second flush writes nothing more."""
    caplog.set_level("INFO", logger="local.access")

    async def one() -> None:
        log = AccessLog()
        log.write({"requestId": "last"})
        log.flush()
        log.flush()

    asyncio.run(one())
    assert [r.getMessage() for r in caplog.records] == ['{"requestId":"last"}']


def test_a_due_batch_goes_out_right_after_a_response_not_on_the_fallback_timer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GIVEN a line older than the flush window WHEN another request's line is written THEN
    both are written in the next loop turn, well before the fallback timer (twice the window)."""
    caplog.set_level("INFO", logger="local.access")

    class WideWindow(AccessLog):  # room for a slow machine's oversleep before the timer
        FLUSH_SECONDS = 0.2

    async def two() -> None:
        log = WideWindow()
        log.write({"requestId": "old"})
        await asyncio.sleep(WideWindow.FLUSH_SECONDS * 1.2)
        assert caplog.records == []
        log.write({"requestId": "new"})
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(two())
    (record,) = [r for r in caplog.records if r.name == "local.access"]
    assert [json.loads(line)["requestId"] for line in record.getMessage().splitlines()] == [
        "old",
        "new",
    ]
