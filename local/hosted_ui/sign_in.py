"""Signing in: the authorize endpoint, the login page, the check of an authorize request
(which the sign-up, password reset and logout pages share) and the redirect that completes a
sign-in with a code or, for the implicit flow, tokens.

Checks follow Cognito's order: an unknown client or a redirect_uri that is not registered
exactly gets an error page (redirecting there would be an open redirect); once the redirect_uri
is trusted, other problems go back to it as `error=` (in the fragment for the implicit flow).
Nothing is issued for a request that fails a check.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636.challenge import CODE_CHALLENGE_PATTERN
from botocore.exceptions import ClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from local.hosted_ui import render
from local.hosted_ui.errors import PageError, RedirectError, Target, with_params
from local.hosted_ui.forms import CsrfToken, Forms, single
from local.hosted_ui.grants import GrantStore
from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.sessions import Sessions
from local.hosted_ui.tokens import RefreshRefusedError, SignedIn, SignInError, TokenMinter

log = logging.getLogger("local.hosted_ui")

# OIDC leaves the nonce's form to the client (typically base64url, 22-86 characters); the local
# bound: 1-512 visible ASCII characters, so it travels unchanged in a query and a JWT.
_NONCE = re.compile(r"[\x21-\x7e]{1,512}")


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorize request (also carried by the login and sign-up pages' query)."""

    client: AppClient
    redirect_uri: str
    response_type: str  # "code" or "token"
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    nonce: str | None  # copied into the ID token (OIDC replay protection)
    query: str  # the original parameters, for the pages' links and form actions

    @property
    def in_fragment(self) -> bool:
        return self.response_type == "token"


@dataclass(frozen=True)
class SignIn:
    """authorize and login, and what the other pages need of them."""

    pool: Pool
    minter: TokenMinter
    store: GrantStore
    sessions: Sessions
    forms: Forms

    def _authorize_request(self, request: Request) -> AuthorizeRequest:
        params = single(request.query_params.multi_items(), where="query")
        client_id = params.get("client_id", "")
        client = self.pool.client(client_id) if client_id else None
        if client is None or not client.oauth_enabled:
            raise PageError("invalid_request: client_id is missing or unknown")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.callback_urls:
            raise PageError("redirect_mismatch: redirect_uri is not a registered callback URL")
        response_type = params.get("response_type", "")
        state = params.get("state")
        target = Target(redirect_uri, state, in_fragment=response_type == "token")
        flow = {"code": "code", "token": "implicit"}.get(response_type)
        if flow is None:
            raise RedirectError(
                target, "unsupported_response_type", "response_type must be code or token"
            )
        if flow not in client.flows:
            raise RedirectError(
                target,
                "unauthorized_client",
                f"the client may not use response_type={response_type}",
            )
        requested = scope_to_list(params.get("scope") or "") or list(client.scopes)
        refused = [scope for scope in requested if scope not in client.scopes]
        if refused:
            raise RedirectError(target, "invalid_scope", f"scope not allowed: {refused[0][:64]}")
        nonce = params.get("nonce")
        if nonce is not None and not _NONCE.fullmatch(nonce):
            raise RedirectError(
                target, "invalid_request", "nonce must be 1-512 visible ASCII characters"
            )
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if response_type == "code" and (challenge is not None or method is not None):
            if method != "S256":
                raise RedirectError(target, "invalid_request", "code_challenge_method must be S256")
            if not challenge or len(challenge) != 43 or not CODE_CHALLENGE_PATTERN.match(challenge):
                raise RedirectError(
                    target, "invalid_request", "code_challenge must be a base64url SHA-256"
                )
        return AuthorizeRequest(
            client=client,
            redirect_uri=redirect_uri,
            response_type=response_type,
            scopes=tuple(dict.fromkeys(requested)),
            state=state,
            code_challenge=challenge if response_type == "code" else None,
            nonce=nonce,
            query=urlencode(params),
        )

    async def checked(self, request: Request) -> AuthorizeRequest:
        """The request's authorize parameters, checked (PageError or RedirectError if not)."""
        return await run_in_threadpool(self._authorize_request, request)

    async def page_request(self, request: Request) -> tuple[AuthorizeRequest, CsrfToken]:
        """What a sign-up or password page starts from: its checked authorize request (which
        its forms carry on) and the CSRF pair for its forms."""
        return await self.checked(request), self.forms.csrf(request)

    # ---- issuing ----

    def _complete(
        self, auth: AuthorizeRequest, result: dict[str, Any], refresh: str, signed_in: SignedIn
    ) -> str:
        """The redirect that ends a successful sign-in: a code, or tokens in the fragment."""
        when = signed_in.auth_time
        if auth.response_type == "code":
            tokens = self.minter.for_flow(
                result, auth.scopes, refresh_token=refresh, auth_time=when, nonce=auth.nonce
            )
            code = self.store.new_code(
                auth.client.client_id,
                auth.redirect_uri,
                auth.code_challenge,
                auth.scopes,
                tokens,
                signed_in,
            )
            return with_params(
                auth.redirect_uri, {"code": code, "state": auth.state}, fragment=False
            )
        tokens = self.minter.for_flow(
            result, auth.scopes, refresh_token=None, auth_time=when, nonce=auth.nonce
        )
        fragment = {"id_token": tokens.id_token, "access_token": tokens.access_token}
        fragment |= {"expires_in": str(tokens.expires_in), "token_type": "Bearer"}
        return with_params(auth.redirect_uri, fragment | {"state": auth.state}, fragment=True)

    # ---- endpoints ----

    async def authorize(self, request: Request) -> Response:
        auth = await self.checked(request)
        session = self.sessions.find(request, auth.client.client_id)
        if session is not None:  # signed in already (as on Cognito): no form
            try:
                result = await run_in_threadpool(
                    self.minter.refresh, auth.client, session.refresh_token
                )
            except (
                ClientError,
                RefreshRefusedError,
            ):  # the user or its token is gone: sign in again
                self.sessions.end(request)
                return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=NO_STORE)
            # With rotation the pool answered a new refresh token: the session keeps that one.
            session.refresh_token = result.get("RefreshToken") or session.refresh_token
            location = await run_in_threadpool(
                self._complete, auth, result, session.refresh_token, session.signed_in
            )
            return RedirectResponse(location, status_code=302, headers=NO_STORE)
        return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=NO_STORE)

    async def login(self, request: Request) -> Response:
        auth = await self.checked(request)
        csrf = self.forms.csrf(request)
        if request.method == "GET":
            return render.page("login.html", csrf, query=auth.query)
        fields = await self.forms.read(request)
        username, password = fields.get("username", ""), fields.get("password", "")
        if not username or not password or len(username) > 128 or len(password) > 256:
            return render.page(
                "login.html", csrf, query=auth.query, error="Enter your email and password."
            )
        return await self.sign_in_and_complete(auth, csrf, username, password)

    async def sign_in_and_complete(
        self, auth: AuthorizeRequest, csrf: CsrfToken, username: str, password: str
    ) -> Response:
        """Sign in with the password and complete the authorize request, starting a session;
        a refusal shows the login page with the pool's message."""
        try:
            result = await run_in_threadpool(
                self.minter.sign_in, auth.client.client_id, username, password
            )
        except SignInError as failure:
            return render.page(
                "login.html", csrf, query=auth.query, error=str(failure), username=username
            )
        refresh = result["RefreshToken"]
        signed_in = await run_in_threadpool(self.minter.signed_in, result)
        location = await run_in_threadpool(self._complete, auth, result, refresh, signed_in)
        response = RedirectResponse(location, status_code=302, headers=NO_STORE)
        self.sessions.start(response, username, auth.client.client_id, refresh, signed_in)
        log.info("hosted UI: %s signed in to client %s", username, auth.client.client_id)
        return response
