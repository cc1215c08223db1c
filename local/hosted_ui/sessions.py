"""The hosted UI's memory of a browser: its sign-in session (so a later authorize needs no
form, as on Cognito) and a sign-up waiting for its code (signed in once confirmed).

The sign-in session is the pool's (pool_oauth.py): the browser's session cookie holds the
opaque handle the pool answered a sign-in with, signed by this run (signing.py), so a cookie
this server did not issue is never even sent to the pool; the pool decides whether the handle
still signs in (its client, its hour, the user and its refresh token) and forgets it on sign-out.
A pending sign-up lives in this process only, behind a random id signed the same way. A session
cookie lasts SESSION_SECONDS, a pending sign-up PENDING_SIGNUP_SECONDS, by the record and by the
cookie's signed age alike.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from local.hosted_ui.signing import Signer

SESSION_SECONDS = 3600
SESSION_COOKIE = "cognito"
SIGNUP_COOKIE = "cognito-signup"  # a sign-up waiting for its code (to sign in once confirmed)
PENDING_SIGNUP_SECONDS = 900


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its code: once confirmed, the user is signed in as on Cognito's
    classic hosted UI. In memory only, for PENDING_SIGNUP_SECONDS."""

    username: str
    password: str
    client_id: str
    expires_at: float


class Sessions:
    """The session cookie (the pool's handle) and pending sign-ups, by signed cookie; safe
    across threads."""

    def __init__(self, signer: Signer, clock: Callable[[], float] = time.monotonic) -> None:
        self._signer = signer
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, PendingSignUp] = {}

    def _sign_up_id(self, request: Request) -> str:
        cookie = request.cookies.get(SIGNUP_COOKIE, "")
        return self._signer.unsign(cookie, "sign-up", max_age=PENDING_SIGNUP_SECONDS) or ""

    def handle(self, request: Request) -> str | None:
        """The pool's session handle from a session cookie this run signed in the last
        SESSION_SECONDS, else None (whether it still signs in is the pool's to say)."""
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return self._signer.unsign(cookie, "session", max_age=SESSION_SECONDS) or None

    def start(self, response: Response, handle: str) -> None:
        """The session cookie for the handle the pool answered a sign-in with."""
        cookie = self._signer.sign(handle, "session")
        response.set_cookie(
            SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="lax"
        )

    def hold_sign_up(
        self, response: Response, username: str, password: str, client_id: str
    ) -> None:
        """Keep a sign-up until its code confirms it (stale ones are dropped on the way)."""
        pending_id = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            for stale in [k for k, v in self._pending.items() if v.expires_at < now]:
                del self._pending[stale]
            self._pending[pending_id] = PendingSignUp(
                username, password, client_id, now + PENDING_SIGNUP_SECONDS
            )
        response.set_cookie(
            SIGNUP_COOKIE,
            self._signer.sign(pending_id, "sign-up"),
            max_age=PENDING_SIGNUP_SECONDS,
            httponly=True,
            samesite="lax",
        )

    def pending(self, request: Request) -> PendingSignUp | None:
        """The browser's sign-up waiting for its code, if any and not expired."""
        with self._lock:
            pending = self._pending.get(self._sign_up_id(request))
        if pending is None or pending.expires_at < self._clock():
            return None
        return pending

    def drop_sign_up(self, request: Request) -> None:
        with self._lock:
            self._pending.pop(self._sign_up_id(request), None)
