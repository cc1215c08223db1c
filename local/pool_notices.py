"""What the local user pool tells a developer while `make local` runs, one line each: the
confirmation codes it 'sent' (from its outbox) and the Cognito operations it does not
implement (from the emulator's log)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from local.emulator.caller.outbox import OutboxError, read_outbox
from local.emulator.wire import OutboxMessage

MISSING_OPERATION_MARK = "is not implemented by the local user pool"
# A code the pool handed to its CustomEmailSender/CustomSMSSender (cognito/custom_senders.py).
CUSTOM_SENDER_MARK = "went to the pool's custom sender"


def code_line(message: OutboxMessage) -> str:
    until = datetime.fromtimestamp(message.expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    said = f": {message.subject}" if message.subject else ""  # the e-mail's subject line
    return (
        f"    code {message.code} sent to {message.destination} "
        f"({message.kind}, pool {message.user_pool_id}, valid until {until}){said}"
    )


class PoolNotices:
    """Polls the outbox and the emulator's log once a second and prints what is new."""

    def __init__(
        self,
        endpoint_url: str,
        log_path: Callable[[], Path | None],
        *,
        interval: float = 1.0,
        emit: Callable[[str], None] = lambda line: print(line, flush=True),
    ) -> None:
        self.endpoint_url = endpoint_url
        self.log_path = log_path
        self.interval = interval
        self.emit = emit
        self._seen: set[tuple[str, str, float]] | None = None  # None: not read yet
        self._log_offsets: dict[Path, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pool-notices", daemon=True)

    def start(self) -> PoolNotices:
        self.poll(announce=False)  # what was sent before this run (kept state) stays quiet
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self, *, announce: bool = True) -> None:
        try:
            messages = read_outbox(self.endpoint_url, timeout=2)
        except OutboxError:
            messages = None  # the endpoint is restarting: the supervisor says so
        if messages is not None:
            seen = self._seen or set()
            for message in messages:
                key = (message.user_pool_id, message.code, message.sent_at)
                if key not in seen and announce and self._seen is not None:
                    self.emit(code_line(message))
                seen.add(key)
            self._seen = seen
        self._read_log(announce=announce)

    def _read_log(self, *, announce: bool) -> None:
        path = self.log_path()
        if path is None or not path.exists():
            return
        offset = self._log_offsets.get(path, 0)
        with path.open("rb") as log:
            log.seek(offset)
            chunk = log.read()
        complete = chunk.rfind(b"\n") + 1
        self._log_offsets[path] = offset + complete
        if not announce:
            return
        for line in chunk[:complete].decode(errors="replace").splitlines():
            if MISSING_OPERATION_MARK in line or CUSTOM_SENDER_MARK in line:
                self.emit(f"    local user pool: {line.strip()}")
