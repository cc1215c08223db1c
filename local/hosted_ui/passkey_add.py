"""Managed login's passkey page, `/passkeys/add?client_id=...&redirect_uri=...`: a user signed
in on the hosted UI (its session cookie) adds a passkey, then goes back to the app's registered
redirect_uri ("Not now" goes there too).

The pool decides everything (pool_oauth.py): the creation options for the session's user, the
check of the browser's registration (CompleteWebAuthnRegistration's rules), and whether the
client, the redirect_uri and the session are good; without a session the page says to sign in
first. The page runs static/passkey.js (navigator.credentials.create).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from local.hosted_ui import render
from local.hosted_ui.errors import follow
from local.hosted_ui.forms import Forms, single
from local.hosted_ui.pool_oauth import PoolOAuth
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.sessions import Sessions

CREATION_OPTIONS = "CREDENTIAL_CREATION_OPTIONS"


@dataclass(frozen=True)
class PasskeyAdd:
    """GET and POST /passkeys/add, for the browser's hosted UI session (the pool's handle in
    the session cookie)."""

    pool_oauth: PoolOAuth
    sessions: Sessions
    forms: Forms

    async def add(self, request: Request) -> Response:
        """GET: the page with the pool's options. POST: the registration; back to the app, or
        the page again (fresh options) with the pool's message."""
        params = single(request.query_params.multi_items(), where="query")
        handle = self.sessions.handle(request) or ""
        csrf = self.forms.csrf(request)
        error = None
        if request.method == "POST":
            fields = await self.forms.read(request)
            registered = await run_in_threadpool(
                self.pool_oauth.passkey_register, params, handle, fields.get("credential", "")
            )
            follow(registered)
            if registered.kind == "redirect":
                return RedirectResponse(registered.location, status_code=302, headers=NO_STORE)
            error = registered.message
        shown = await run_in_threadpool(self.pool_oauth.passkey_options, params, handle)
        follow(shown)
        return render.page(
            "passkey_add.html",
            csrf,
            query=urlencode(params),
            options=shown.parameters.get(CREATION_OPTIONS, ""),
            skip=shown.location,
            error=error,
            script=True,
        )
