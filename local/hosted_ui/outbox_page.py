"""The local outbox page: the codes the local pool sent (no e-mail leaves the machine), newest
first. Local only (Cognito has no such page); it answers no CORS (cors.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from local.emulator.caller.outbox import OutboxError, read_outbox
from local.hosted_ui import render
from local.hosted_ui.pool import Pool


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class OutboxPage:
    """/_local/outbox for one pool, read from the local AWS endpoint."""

    pool: Pool
    endpoint_url: str  # the local AWS endpoint

    async def outbox(self, request: Request) -> Response:
        """The codes the local pool sent (no e-mail leaves the machine), newest first."""
        try:
            messages = await run_in_threadpool(
                read_outbox, self.endpoint_url, user_pool_id=self.pool.pool_id
            )
        except OutboxError as problem:
            return render.page("outbox.html", rows=[], error=str(problem), status=503)
        rows = [
            (
                _utc(m.sent_at),
                m.destination or m.username,
                m.kind,
                m.code,
                _utc(m.expires_at),
                " | ".join(part for part in (m.subject, m.message) if part),
            )
            for m in reversed(messages)
        ]
        return render.page("outbox.html", rows=rows)
