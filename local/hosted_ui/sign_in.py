"""Signing in: the authorize endpoint, the login page, the check of an authorize request
(which the sign-up, password reset and logout pages share) and sign-out.

Every decision is the pool's (pool_oauth.py): whether an authorize request passes its checks
(Cognito's order: an unknown client or a redirect_uri that is not registered exactly gets an
error page, since redirecting there would be an open redirect; once the redirect_uri is
trusted, other problems go back to it as `error=`, in the fragment for the implicit flow), the
sign-in and the redirect that completes it (a code, or the implicit flow's tokens), and whether
a signed-in session (its handle in the session cookie) still signs in. This module shows the
login page and keeps the cookie; it holds no key and mints no token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from local.hosted_ui import render
from local.hosted_ui.errors import PageError, follow
from local.hosted_ui.forms import CsrfToken, Forms, single
from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.pool_oauth import Decision, PoolOAuth
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.sessions import Sessions

log = logging.getLogger("local.hosted_ui")


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize request the pool accepted (also carried by the login and sign-up pages'
    query)."""

    client: AppClient
    params: dict[str, str]  # what the pool decides on
    query: str  # the original parameters, for the pages' links and form actions
    factors: tuple[str, ...] = ("PASSWORD",)  # the first factors the login page offers


@dataclass(frozen=True)
class SignIn:
    """authorize and login, and what the other pages need of them."""

    pool: Pool
    pool_oauth: PoolOAuth  # decides, signs and keeps every token and sign-in session
    sessions: Sessions
    forms: Forms

    def _authorize_request(self, request: Request) -> AuthorizeRequest:
        params = single(request.query_params.multi_items(), where="query")
        decision = self.pool_oauth.check(params)
        follow(decision)
        client = self.pool.client(params["client_id"])
        if client is None:  # deleted since the pool's check
            raise PageError("invalid_request: client_id is missing or unknown")
        return AuthorizeRequest(client, params, urlencode(params), decision.factors)

    async def checked(self, request: Request) -> AuthorizeRequest:
        """The request's authorize parameters, checked (PageError or RedirectError if not)."""
        return await run_in_threadpool(self._authorize_request, request)

    async def page_request(self, request: Request) -> tuple[AuthorizeRequest, CsrfToken]:
        """What a sign-up or password page starts from: its checked authorize request (which
        its forms carry on) and the CSRF pair for its forms."""
        return await self.checked(request), self.forms.csrf(request)

    def login_page(
        self,
        auth: AuthorizeRequest,
        csrf: CsrfToken,
        *,
        factors: tuple[str, ...] | None = None,
        **values: Any,
    ) -> Response:
        """The login page for the authorize request, offering the first factors the pool
        enables (or `factors`, those a named user may choose from)."""
        offered = auth.factors if factors is None else factors
        return render.page("login.html", csrf, query=auth.query, factors=offered, **values)

    def sign_out(self, request: Request) -> None:
        """The pool forgets the browser's sign-in session (a copied cookie is then worth
        nothing); a cookie this run did not sign is not even sent."""
        handle = self.sessions.handle(request)
        if handle is not None:
            self.pool_oauth.end(handle)

    # ---- endpoints ----

    async def authorize(self, request: Request) -> Response:
        auth = await self.checked(request)
        handle = self.sessions.handle(request)
        if handle is not None:  # signed in already (as on Cognito): no form, unless gone
            decision = await run_in_threadpool(self.pool_oauth.resume, auth.params, handle)
            follow(decision)
            if decision.kind == "redirect":
                return RedirectResponse(decision.location, status_code=302, headers=NO_STORE)
        return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=NO_STORE)

    async def login(self, request: Request) -> Response:
        auth = await self.checked(request)
        csrf = self.forms.csrf(request)
        if request.method == "GET":
            return self.login_page(auth, csrf)
        fields = await self.forms.read(request)
        username, password = fields.get("username", ""), fields.get("password", "")
        if not username or not password or len(username) > 128 or len(password) > 256:
            return self.login_page(auth, csrf, error="Enter your email and password.")
        return await self.sign_in_and_complete(auth, csrf, username, password)

    async def sign_in_and_complete(
        self, auth: AuthorizeRequest, csrf: CsrfToken, username: str, password: str
    ) -> Response:
        """Sign in with the password and complete the authorize request, starting a session;
        a refusal shows the login page with the pool's message."""
        decision = await run_in_threadpool(self.pool_oauth.sign_in, auth.params, username, password)
        follow(decision)
        if decision.kind != "redirect":
            return self.login_page(auth, csrf, error=decision.message, username=username)
        return self.completed(auth, decision, username)

    def completed(self, auth: AuthorizeRequest, decision: Decision, username: str) -> Response:
        """The pool's redirect that ends a sign-in (any factor), starting the browser's
        signed-in session with the pool's handle."""
        response = RedirectResponse(decision.location, status_code=302, headers=NO_STORE)
        if decision.session is not None:
            self.sessions.start(response, decision.session)
        log.info("hosted UI: %s signed in to client %s", username, auth.client.client_id)
        return response
