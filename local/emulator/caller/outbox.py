"""Reading the local pool's outbox (`GET /_local/outbox` on the emulator) from outside it.

The one place callers (the CLI, `make local`'s printer, the hosted UI, tests) read the codes a
local pool 'sent'. The outbox holds secrets (a code confirms an account), so like every `/_local/*`
path it answers only requests signed with the run's credentials (`local_http`).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from local.emulator.wire import OUTBOX_PATH
from local.runtime.client import local_http
from local.runtime.credentials import CredentialsError


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
    subject: str = ""  # the e-mail's subject (the custom message trigger's, or the pool's)
    message: str = ""  # what the message said, the code filled in

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
            subject=str(item.get("subject") or ""),
            message=str(item.get("message") or ""),
        )


def _get(endpoint_url: str, path: str, timeout: float) -> bytes:
    """One signed GET of the emulator; anything but a 200 is an OutboxError."""
    url = endpoint_url.rstrip("/") + path
    try:
        with local_http(endpoint_url, timeout=timeout) as client:
            response = client.get(path)
    except (httpx.HTTPError, CredentialsError) as error:
        raise OutboxError(f"cannot read the outbox at {url}: {error}") from None
    if response.status_code != 200:
        raise OutboxError(f"{url} answered {response.status_code}: {response.text[:200]}")
    return response.content


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
    path = OUTBOX_PATH + ("?" + urllib.parse.urlencode(query) if query else "")
    try:
        document = json.loads(_get(endpoint_url, path, timeout))
        return [Message.from_json(item) for item in document["messages"]]
    except (ValueError, KeyError, TypeError) as error:
        raise OutboxError(f"{endpoint_url}{path} did not answer the outbox: {error}") from None


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
