"""Reading the local pool's outbox (`GET /_local/outbox` on the emulator) from outside it.

The one place callers (the CLI, `make local`'s printer, tests) read the codes a local pool
'sent'. Every request goes through `_get`, so authenticating it is a one-function change.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

OUTBOX_PATH = "/_local/outbox"


class OutboxError(RuntimeError):
    """The outbox could not be read (emulator down, or an answer that is not the outbox)."""


@dataclass(frozen=True)
class Message:
    user_pool_id: str
    username: str
    destination: str
    kind: str
    code: str
    sent_at: float
    expires_at: float

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Message:
        return cls(
            user_pool_id=str(item["userPoolId"]),
            username=str(item["username"]),
            destination=str(item["destination"]),
            kind=str(item["kind"]),
            code=str(item["code"]),
            sent_at=float(item["sentAt"]),
            expires_at=float(item["expiresAt"]),
        )


def _get(url: str, timeout: float) -> bytes:
    """One GET of the emulator (the place to add the run's credentials)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own http URL
            body: bytes = response.read()
            return body
    except (urllib.error.URLError, OSError) as error:
        raise OutboxError(f"cannot read the outbox at {url}: {error}") from None


def read_outbox(
    endpoint_url: str,
    *,
    user_pool_id: str | None = None,
    destination: str | None = None,
    kind: str | None = None,
    timeout: float = 5.0,
) -> list[Message]:
    """Every message the emulator's pools sent (oldest first), optionally filtered."""
    query = {
        key: value
        for key, value in (
            ("userPoolId", user_pool_id),
            ("destination", destination),
            ("kind", kind),
        )
        if value is not None
    }
    url = endpoint_url.rstrip("/") + OUTBOX_PATH
    if query:
        url += "?" + urllib.parse.urlencode(query)
    try:
        document = json.loads(_get(url, timeout))
        return [Message.from_json(item) for item in document["messages"]]
    except (ValueError, KeyError, TypeError) as error:
        raise OutboxError(f"{url} did not answer the outbox: {error}") from None


def latest_code(
    endpoint_url: str,
    destination: str,
    *,
    kinds: tuple[str, ...] = ("signup", "resend"),
    wait: float = 5.0,
) -> str:
    """The newest code sent to `destination` of one of `kinds`, waiting up to `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        messages = [
            m for m in read_outbox(endpoint_url, destination=destination) if m.kind in kinds
        ]
        if messages:
            return messages[-1].code
        if time.monotonic() >= deadline:
            raise OutboxError(f"no {'/'.join(kinds)} code was sent to {destination}")
        time.sleep(0.1)
