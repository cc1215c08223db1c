"""What the emulator's two sides agree on: the caller (local.emulator.caller) starts the server
(local.emulator.server) as a subprocess and talks to it over HTTP and its output only.
Imports only the standard library, so either side loads it without the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Kept state (local.emulator.server.persistence): its file, the server's lines about it (the
# run repeats them) and the path of the run's control calls.
SNAPSHOT_NAME = "snapshot.bin"
NOTICE_PREFIX = "local state: "
CONTROL_PATH = "/_local/state"
# Run metadata key: {pool id: the local hosted UI's base URL}, recorded by `local up`; the
# pool's discovery document then lists the hosted UI's OAuth endpoints.
HOSTED_UI_METADATA = "hostedUi"
# The server prints this once it has bound its port; a foreign server on the port would not.
READY_MARKER = "local emulator ready on"
# The emulator's read of the messages the local pools 'sent' (signed, like every /_local path).
OUTBOX_PATH = "/_local/outbox"
# The pools' private signing keys, for the run's tools (signed, like every /_local
# path): `?userPoolId=` -> {"keys": [private JWK with kid]}.
POOL_KEYS_PATH = "/_local/pool-keys"
# The pool's authorize decisions for the run's hosted UI (signed, like every /_local path):
# POST JSON {"userPoolId", "action": "check" | "sign_in" | "start" | "answer" | "resume" |
# "end" | "passkey_options" | "passkey_register", "query": {...}, "username", "password",
# "factor", "challenge", "authSession", "response", "session"} -> {"decision": "login" (with
# "factors") | "redirect" | "challenge" (with "challenge", "authSession", "parameters",
# "available") | "passkey_options" (with "parameters", "location") | "error_redirect" |
# "page_error" | "login_error" | "gone" | "ended", ...} (local.emulator.server.cognito.authorize,
# authorize_choice and authorize_passkey).
POOL_AUTHORIZE_PATH = "/_local/oauth/authorize"


@dataclass(frozen=True)
class OutboxMessage:
    """One message a local pool 'sent': kept by the server, listed by `GET /_local/outbox`
    as `{"messages": [to_json(), ...]}`, read back by the caller with from_json."""

    user_pool_id: str
    username: str
    destination: str
    kind: str
    code: str
    sent_at: float
    expires_at: float
    # What it said (the custom message trigger's text, or the pool's); older snapshots lack it.
    subject: str = ""
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "userPoolId": self.user_pool_id,
            "username": self.username,
            "destination": self.destination,
            "kind": self.kind,
            "code": self.code,
            "sentAt": self.sent_at,
            "expiresAt": self.expires_at,
            "subject": self.subject,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> OutboxMessage:
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
