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
