"""The caller's side of the local outbox: the codes the local pool "sent" (sign-up, resend,
forgot password), as the emulator lists them at `GET /_local/outbox`.

No e-mail leaves the machine; a developer (or a test) reads the code here instead. The emulator
side (where codes are made and kept) is the pool's; this module only reads. It is the minimal
reader the hosted UI needs, written to the outbox's documented shape:
`{"messages": [{"userPoolId", "username", "destination", "kind", "code", "sentAt",
"expiresAt"}]}`, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

OUTBOX_PATH = "/_local/outbox"


class OutboxError(Exception):
    """The outbox could not be read (the emulator is down, or does not serve it)."""


@dataclass(frozen=True)
class OutboxMessage:
    user_pool_id: str
    username: str
    destination: str
    kind: str  # "signup", "resend", "forgot_password", ...
    code: str
    sent_at: str
    expires_at: str

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> OutboxMessage:
        return cls(
            user_pool_id=str(item.get("userPoolId", "")),
            username=str(item.get("username", "")),
            destination=str(item.get("destination", "")),
            kind=str(item.get("kind", "")),
            code=str(item.get("code", "")),
            sent_at=str(item.get("sentAt", "")),
            expires_at=str(item.get("expiresAt", "")),
        )

    def is_for(self, username: str) -> bool:
        """Sent to this user: by the pool's user name or the address typed at sign-up."""
        return username in (self.username, self.destination)


def _get(endpoint_url: str, path: str) -> Any:
    """One GET of the emulator's own API (the one place to add its credentials)."""
    try:
        answer = httpx.get(f"{endpoint_url.rstrip('/')}{path}", timeout=10)
    except httpx.HTTPError as problem:
        raise OutboxError(f"the local AWS endpoint did not answer: {problem}") from None
    if answer.status_code != 200:
        raise OutboxError(f"the local AWS endpoint answered {answer.status_code} for {path}")
    try:
        return answer.json()
    except ValueError:
        raise OutboxError(f"the local AWS endpoint's {path} is not JSON") from None


def read_outbox(
    endpoint_url: str, *, user_pool_id: str | None = None, username: str | None = None
) -> list[OutboxMessage]:
    """Every message the local pool sent, oldest first; only one pool's or user's if asked."""
    body = _get(endpoint_url, OUTBOX_PATH)
    items = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise OutboxError("the outbox answer has no message list")
    messages = [OutboxMessage.from_json(item) for item in items if isinstance(item, dict)]
    return [
        message
        for message in messages
        if (user_pool_id is None or message.user_pool_id == user_pool_id)
        and (username is None or message.is_for(username))
    ]


def latest_code(
    endpoint_url: str, *, user_pool_id: str | None = None, username: str | None = None
) -> str:
    """The code of the newest matching message; OutboxError when there is none."""
    messages = read_outbox(endpoint_url, user_pool_id=user_pool_id, username=username)
    if not messages:
        raise OutboxError(f"no code in the local outbox for {username or 'anyone'}")
    return messages[-1].code
