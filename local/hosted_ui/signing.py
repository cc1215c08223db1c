"""Values the hosted UI hands a browser and must recognise when they come back (CSRF cookie and
token, session and pending sign-up cookies), signed by itsdangerous with a secret of this run.

Each purpose has its own salt, so a value signed for one use (the CSRF cookie) is refused for
another (the form's token); a value a client made up, or one a server on another localhost port
planted (every localhost port shares cookies), fails its signature.
"""

from __future__ import annotations

import secrets
from typing import Literal

from itsdangerous import BadData, URLSafeTimedSerializer

Purpose = Literal["csrf-cookie", "csrf-form", "session", "sign-up"]
PURPOSES: tuple[Purpose, ...] = ("csrf-cookie", "csrf-form", "session", "sign-up")


class Signer:
    """Signs and checks text values for one purpose each; the secret lives as long as the run."""

    def __init__(self, secret: bytes | None = None) -> None:
        key = secret if secret is not None else secrets.token_bytes(32)
        self._serializers = {
            purpose: URLSafeTimedSerializer(key, salt=f"local.hosted_ui:{purpose}")
            for purpose in PURPOSES
        }

    def sign(self, value: str, purpose: Purpose) -> str:
        return str(self._serializers[purpose].dumps(value))

    def unsign(self, token: str, purpose: Purpose, *, max_age: int | None = None) -> str | None:
        """The value this run signed for `purpose` (at most `max_age` seconds ago), else None."""
        try:
            value = self._serializers[purpose].loads(token, max_age=max_age)
        except BadData:  # a bad or foreign signature, another purpose's, expired, or garbage
            return None
        return value if isinstance(value, str) else None
