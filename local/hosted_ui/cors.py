"""CORS on the hosted UI only where Cognito's domain answers it: the endpoints a browser app
calls from its own origin (token, revoke, userInfo, discovery; the JWKS is the emulator's).

Every other route (the sign-in pages and, above all, the local `/_local/outbox` page, which
shows every code the pool sent) answers no CORS at all, so a page on another origin cannot read
it: a cross-origin `fetch` of the outbox fails in the browser, and its preflights are refused.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_PATHS = frozenset(
    {
        "/oauth2/token",
        "/oauth2/revoke",
        "/oauth2/userInfo",
        "/.well-known/openid-configuration",
    }
)


class BrowserEndpointsCors:
    """starlette's CORSMiddleware (any origin, no credentials) for CORS_PATHS only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Browser apps call these from their own origin; starlette adds `Vary: Origin`
        # whenever it echoes one (requests with cookies).
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") in CORS_PATHS:
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)
