"""The hosted UI as a starlette app: authorize, login, signup (+ confirm, resend), forgot
password, token, revoke, userInfo, logout, discovery, and the local outbox page.

Checks follow Cognito's order: an unknown client or a redirect_uri that is not registered
exactly gets an error page (redirecting there would be an open redirect); once the redirect_uri
is trusted, other problems go back to it as `error=` (in the fragment for the implicit flow);
the token and userInfo endpoints answer OAuth JSON errors. Nothing is issued for a request that
fails a check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import errors
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc7636.challenge import CODE_CHALLENGE_PATTERN
from botocore.exceptions import ClientError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local.bounded_json import check_jwt_bounds
from local.emulator.caller.keys import pool_signing_key
from local.emulator.caller.outbox import OutboxError, read_outbox
from local.hosted_ui import pages
from local.hosted_ui.accounts import Accounts
from local.hosted_ui.cors import BrowserEndpointsCors
from local.hosted_ui.grants import (
    GrantHandler,
    Grants,
    GrantStore,
    TokenRequest,
    authenticate_client,
)
from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.revocation import revoke
from local.hosted_ui.tokens import RefreshRefusedError, SignedIn, SignInError, TokenMinter
from tools.jwt_signing import SigningKey

log = logging.getLogger("local.hosted_ui")

MAX_PARAM_CHARS = 2048
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 32
SESSION_SECONDS = 3600
CSRF_COOKIE = "XSRF-TOKEN"
SESSION_COOKIE = "cognito"
SIGNUP_COOKIE = "cognito-signup"  # a sign-up waiting for its code (to sign in once confirmed)
PENDING_SIGNUP_SECONDS = 900
# OIDC leaves the nonce's form to the client (typically base64url, 22-86 characters); the local
# bound: 1-512 visible ASCII characters, so it travels unchanged in a query and a JWT.
_NONCE = re.compile(r"[\x21-\x7e]{1,512}")
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


class PageError(Exception):
    """Answer with the error page: redirecting would be unsafe or impossible."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class RedirectError(Exception):
    """Send `error=` back to the (verified) redirect_uri."""

    def __init__(self, target: AuthorizeRequest | _Target, error: str, description: str) -> None:
        super().__init__(description)
        self.target, self.error, self.description = target, error, description


@dataclass(frozen=True)
class _Target:
    redirect_uri: str
    state: str | None
    in_fragment: bool


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


def _with_params(url: str, params: Mapping[str, str | None], *, fragment: bool) -> str:
    encoded = urlencode({k: v for k, v in params.items() if v is not None})
    if fragment:
        return f"{url}#{encoded}"
    return f"{url}{'&' if '?' in url else '?'}{encoded}"


def _single(items: list[tuple[str, Any]], *, where: str) -> dict[str, str]:
    """Parameters as a dict; a repeated or over-long one is a malformed request."""
    params: dict[str, str] = {}
    for key, value in items:
        if not isinstance(value, str):
            raise PageError(f"{where} parameter '{key[:64]}' must be text")
        if key in params:
            raise PageError(f"{where} parameter '{key[:64]}' appears more than once")
        if len(value) > MAX_PARAM_CHARS:
            raise PageError(f"{where} parameter '{key[:64]}' is longer than {MAX_PARAM_CHARS}")
        params[key] = value
    return params


def _oauth_text(text: str) -> str:
    """An error_description may hold only RFC 6749's characters (printable ASCII but '"' and
    '\\'): a parameter name echoed from the request gets '?' for any other."""
    forbidden = set(invalid_error_characters(text))
    return "".join("?" if char in forbidden else char for char in text)


async def _read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body: at most MAX_FORM_BYTES however it is sent
    (chunked too), UTF-8, at most MAX_FORM_FIELDS fields, each once."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise PageError("the body must be application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(f"the body is larger than {MAX_FORM_BYTES} bytes", status=413)
    try:
        pairs = parse_qsl(
            body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError:
        raise PageError("the body is not UTF-8") from None
    except ValueError:
        raise PageError(f"the body has more than {MAX_FORM_FIELDS} fields") from None
    return _single(pairs, where="form")


@dataclass
class Session:
    username: str
    client_id: str
    refresh_token: str
    expires_at: float
    signed_in: SignedIn


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its code: once confirmed, the user is signed in as on Cognito's
    classic hosted UI. In memory only, for PENDING_SIGNUP_SECONDS."""

    username: str
    password: str
    client_id: str
    expires_at: float


class _NoSniff:
    """`X-Content-Type-Options: nosniff` on every answer: no page or JSON is ever read as
    another type (a JSON error with user text must not become HTML)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["x-content-type-options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_header)


class HostedUi:
    """The pool's hosted UI and OAuth endpoints; `app` is the ASGI application."""

    def __init__(
        self,
        pool: Pool,
        *,
        base_url: str,
        jwks_uri: str,
        extra_grants: Mapping[str, GrantHandler] | None = None,
        endpoint_url: str | None = None,
        signer: Callable[[], SigningKey] | None = None,
    ) -> None:
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.jwks_uri = jwks_uri
        self.endpoint_url = endpoint_url  # the local AWS endpoint, for the outbox page
        self.minter = TokenMinter(pool, signer or (lambda: _pool_key(endpoint_url, pool)))
        self.accounts = Accounts(pool)
        self.store = GrantStore()
        self.grants = Grants(self.store, extra_grants)
        self.sessions: dict[str, Session] = {}
        self._csrf_key = secrets.token_bytes(32)  # signs CSRF cookies and tokens, per run
        self.pending: dict[str, PendingSignUp] = {}
        self._sessions_lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/oauth2/authorize", self.authorize, methods=["GET"]),
                Route("/login", self.login, methods=["GET", "POST"]),
                Route("/signup", self.signup, methods=["GET", "POST"]),
                Route("/confirm", self.confirm, methods=["GET", "POST"]),
                Route("/resendcode", self.resend_code, methods=["POST"]),
                Route("/forgotPassword", self.forgot_password, methods=["GET", "POST"]),
                Route(
                    "/confirmForgotPassword",
                    self.confirm_forgot_password,
                    methods=["GET", "POST"],
                ),
                Route("/oauth2/token", self.token, methods=["POST"]),
                Route("/oauth2/revoke", self.revoke, methods=["POST"]),
                Route("/oauth2/userInfo", self.user_info, methods=["GET", "POST"]),
                Route("/logout", self.logout, methods=["GET"]),
                Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
                Route("/_local/outbox", self.outbox, methods=["GET"]),
            ],
            middleware=[
                Middleware(_NoSniff),
                Middleware(BrowserEndpointsCors),  # token, revoke, userInfo, discovery only
            ],
            exception_handlers={PageError: self._page_error, RedirectError: self._redirect_error},
        )

    # ---- checks shared by authorize, login and signup ----

    def _authorize_request(self, request: Request) -> AuthorizeRequest:
        params = _single(request.query_params.multi_items(), where="query")
        client_id = params.get("client_id", "")
        client = self.pool.client(client_id) if client_id else None
        if client is None or not client.oauth_enabled:
            raise PageError("invalid_request: client_id is missing or unknown")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.callback_urls:
            raise PageError("redirect_mismatch: redirect_uri is not a registered callback URL")
        response_type = params.get("response_type", "")
        state = params.get("state")
        target = _Target(redirect_uri, state, in_fragment=response_type == "token")
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

    async def _checked(self, request: Request) -> AuthorizeRequest:
        return await run_in_threadpool(self._authorize_request, request)

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
            return _with_params(
                auth.redirect_uri, {"code": code, "state": auth.state}, fragment=False
            )
        tokens = self.minter.for_flow(
            result, auth.scopes, refresh_token=None, auth_time=when, nonce=auth.nonce
        )
        fragment = {"id_token": tokens.id_token, "access_token": tokens.access_token}
        fragment |= {"expires_in": str(tokens.expires_in), "token_type": "Bearer"}
        return _with_params(auth.redirect_uri, fragment | {"state": auth.state}, fragment=True)

    def _session(self, request: Request, client_id: str) -> Session | None:
        session_id = request.cookies.get(SESSION_COOKIE, "")
        with self._sessions_lock:
            session = self.sessions.get(session_id)
            if session is None or session.expires_at < time.monotonic():
                self.sessions.pop(session_id, None)
                return None
        return session if session.client_id == client_id else None

    def _start_session(
        self,
        response: Response,
        username: str,
        client_id: str,
        refresh: str,
        signed_in: SignedIn,
    ) -> None:
        session_id = secrets.token_urlsafe(32)
        with self._sessions_lock:
            self.sessions[session_id] = Session(
                username, client_id, refresh, time.monotonic() + SESSION_SECONDS, signed_in
            )
        response.set_cookie(
            SESSION_COOKIE, session_id, max_age=SESSION_SECONDS, httponly=True, samesite="lax"
        )

    def _end_session(self, request: Request) -> None:
        with self._sessions_lock:
            self.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)

    # ---- endpoints ----

    async def authorize(self, request: Request) -> Response:
        auth = await self._checked(request)
        session = self._session(request, auth.client.client_id)
        if session is not None:  # signed in already (as on Cognito): no form
            try:
                result = await run_in_threadpool(
                    self.minter.refresh, auth.client, session.refresh_token
                )
            except (
                ClientError,
                RefreshRefusedError,
            ):  # the user or its token is gone: sign in again
                self._end_session(request)
                return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=_NO_STORE)
            # With rotation the pool answered a new refresh token: the session keeps that one.
            session.refresh_token = result.get("RefreshToken") or session.refresh_token
            location = await run_in_threadpool(
                self._complete, auth, result, session.refresh_token, session.signed_in
            )
            return RedirectResponse(location, status_code=302, headers=_NO_STORE)
        return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=_NO_STORE)

    def _csrf_mac(self, purpose: str, nonce: str) -> str:
        digest = hmac.new(self._csrf_key, f"{purpose}:{nonce}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def _csrf_nonce(self, request: Request) -> str | None:
        """The nonce of a CSRF cookie this server issued (its signature checks), else None:
        a cookie the client chose, or one another localhost port planted, is not ours."""
        nonce, _, mac = request.cookies.get(CSRF_COOKIE, "").partition(".")
        if not nonce or not hmac.compare_digest(
            mac.encode(), self._csrf_mac("cookie", nonce).encode()
        ):
            return None
        return nonce

    def _csrf(self, request: Request) -> str:
        """The form's CSRF token: signed by this server for the browser's CSRF cookie (kept
        if ours, else a new one), so neither half can be made up by a client."""
        nonce = self._csrf_nonce(request) or secrets.token_urlsafe(24)
        return f"{nonce}.{self._csrf_mac('form', nonce)}"

    def _html(self, body: str, csrf: str | None = None, status: int = 200) -> HTMLResponse:
        headers = _NO_STORE | {
            "content-security-policy": pages.CONTENT_SECURITY_POLICY,
            "x-frame-options": "DENY",
            "referrer-policy": "no-referrer",
        }
        response = HTMLResponse(body, status_code=status, headers=headers)
        if csrf is not None:
            nonce = csrf.partition(".")[0]
            cookie = f"{nonce}.{self._csrf_mac('cookie', nonce)}"
            response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax")
        return response

    async def _form(self, request: Request) -> dict[str, str]:
        """The posted form, checked: size, single values, and the CSRF token."""
        fields = await _read_form(request)
        nonce = self._csrf_nonce(request)
        sent = fields.get("_csrf", "")
        expected = "" if nonce is None else f"{nonce}.{self._csrf_mac('form', nonce)}"
        if nonce is None or not hmac.compare_digest(expected.encode(), sent.encode()):
            raise PageError("CSRF check failed: reload the page and try again", status=403)
        return fields

    async def login(self, request: Request) -> Response:
        auth = await self._checked(request)
        csrf = self._csrf(request)
        if request.method == "GET":
            return self._html(pages.login_page(auth.query, csrf), csrf)
        fields = await self._form(request)
        username, password = fields.get("username", ""), fields.get("password", "")
        if not username or not password or len(username) > 128 or len(password) > 256:
            page = pages.login_page(auth.query, csrf, error="Enter your email and password.")
            return self._html(page, csrf, status=400)
        return await self._sign_in_and_complete(auth, csrf, username, password)

    async def _sign_in_and_complete(
        self, auth: AuthorizeRequest, csrf: str, username: str, password: str
    ) -> Response:
        try:
            result = await run_in_threadpool(
                self.minter.sign_in, auth.client.client_id, username, password
            )
        except SignInError as failure:
            body = pages.login_page(auth.query, csrf, error=str(failure), username=username)
            return self._html(body, csrf, status=400)
        refresh = result["RefreshToken"]
        signed_in = await run_in_threadpool(self.minter.signed_in, result)
        location = await run_in_threadpool(self._complete, auth, result, refresh, signed_in)
        response = RedirectResponse(location, status_code=302, headers=_NO_STORE)
        self._start_session(response, username, auth.client.client_id, refresh, signed_in)
        log.info("hosted UI: %s signed in to client %s", username, auth.client.client_id)
        return response

    async def signup(self, request: Request) -> Response:
        auth = await self._checked(request)
        csrf = self._csrf(request)
        policy = self.pool.password_policy.describe()
        attributes = self.pool.required_attributes

        def form_page(
            error: str | None = None, values: dict[str, str] | None = None
        ) -> HTMLResponse:
            body = pages.signup_page(
                auth.query, csrf, policy, attributes, error=error, values=values
            )
            return self._html(body, csrf, status=200 if error is None else 400)

        if request.method == "GET":
            return form_page()
        fields = await self._form(request)
        values = {k: v for k, v in fields.items() if k != "password" and k != "_csrf"}
        username, password = fields.get("username", ""), fields.get("password", "")
        missing = [name for name in ("username", "password", *attributes) if not fields.get(name)]
        if missing:
            return form_page(f"{missing[0]} is required.", values)
        if len(username) > 128 or len(password) > 256:
            return form_page("The email or password is too long.", values)
        user_attributes = [{"Name": name, "Value": fields[name]} for name in attributes]
        if self.pool.username_is_email:
            user_attributes.append({"Name": "email", "Value": username})
        try:
            confirmed = await run_in_threadpool(
                self.accounts.sign_up, auth.client, username, password, user_attributes
            )
        except SignInError as failure:
            return form_page(str(failure), values)
        if confirmed:  # e.g. a pre sign-up trigger confirmed it: nothing to wait for
            return await self._sign_in_and_complete(auth, csrf, username, password)
        pending_id = secrets.token_urlsafe(32)
        with self._sessions_lock:
            now = time.monotonic()
            for stale in [k for k, v in self.pending.items() if v.expires_at < now]:
                del self.pending[stale]
            self.pending[pending_id] = PendingSignUp(
                username, password, auth.client.client_id, now + PENDING_SIGNUP_SECONDS
            )
        response = RedirectResponse(f"/confirm?{auth.query}", status_code=302, headers=_NO_STORE)
        response.set_cookie(
            SIGNUP_COOKIE,
            pending_id,
            max_age=PENDING_SIGNUP_SECONDS,
            httponly=True,
            samesite="lax",
        )
        return response

    def _pending(self, request: Request) -> PendingSignUp | None:
        with self._sessions_lock:
            pending = self.pending.get(request.cookies.get(SIGNUP_COOKIE, ""))
        if pending is None or pending.expires_at < time.monotonic():
            return None
        return pending

    def _confirm_page(
        self,
        auth: AuthorizeRequest,
        csrf: str,
        username: str,
        *,
        error: str | None = None,
        notice: str | None = None,
    ) -> HTMLResponse:
        body = pages.confirm_page(auth.query, csrf, username, error=error, notice=notice)
        return self._html(body, csrf, status=200 if error is None else 400)

    async def _confirm_fields(self, request: Request) -> tuple[str, dict[str, str]]:
        fields = await self._form(request)
        username = fields.get("username", "")
        if not username or len(username) > 128:
            raise SignInError("Enter your email.")
        return username, fields

    async def confirm(self, request: Request) -> Response:
        """Cognito's confirm step: the code the pool sent confirms the account (ConfirmSignUp);
        a wrong one shows the pool's message and changes nothing."""
        auth = await self._checked(request)
        csrf = self._csrf(request)
        pending = self._pending(request)
        if request.method == "GET":
            return self._confirm_page(auth, csrf, pending.username if pending else "")
        try:
            username, fields = await self._confirm_fields(request)
            code = fields.get("code", "").strip()
            if not code or len(code) > 64:
                raise SignInError("Enter the verification code.")
            await run_in_threadpool(self.accounts.confirm_sign_up, auth.client, username, code)
        except SignInError as failure:
            name = pending.username if pending else ""
            return self._confirm_page(auth, csrf, name, error=str(failure))
        if pending and pending.username == username and pending.client_id == auth.client.client_id:
            with self._sessions_lock:
                self.pending.pop(request.cookies.get(SIGNUP_COOKIE, ""), None)
            response = await self._sign_in_and_complete(auth, csrf, username, pending.password)
            response.delete_cookie(SIGNUP_COOKIE)
            return response
        notice = "Your account is confirmed. Sign in."
        return self._html(
            pages.login_page(auth.query, csrf, username=username, notice=notice), csrf
        )

    async def resend_code(self, request: Request) -> Response:
        """ResendConfirmationCode: a new code in the outbox; the confirm page again."""
        auth = await self._checked(request)
        csrf = self._csrf(request)
        username = ""
        try:
            username, _ = await self._confirm_fields(request)
            destination = await run_in_threadpool(self.accounts.resend_code, auth.client, username)
        except SignInError as failure:
            return self._confirm_page(auth, csrf, username, error=str(failure))
        notice = f"We have sent a new code to {destination}."
        return self._confirm_page(auth, csrf, username, notice=notice)

    async def forgot_password(self, request: Request) -> Response:
        """ForgotPassword: the pool sends a code; then the page that takes it."""
        auth = await self._checked(request)
        csrf = self._csrf(request)
        if request.method == "GET":
            return self._html(pages.forgot_password_page(auth.query, csrf), csrf)
        username = ""
        try:
            username, _ = await self._confirm_fields(request)
            destination = await run_in_threadpool(
                self.accounts.forgot_password, auth.client, username
            )
        except SignInError as failure:
            page = pages.forgot_password_page(auth.query, csrf, username, error=str(failure))
            return self._html(page, csrf, status=400)
        notice = f"We have sent a password reset code to {destination}."
        return self._reset_page(auth, csrf, username, notice=notice)

    def _reset_page(
        self,
        auth: AuthorizeRequest,
        csrf: str,
        username: str,
        *,
        error: str | None = None,
        notice: str | None = None,
    ) -> HTMLResponse:
        policy = self.pool.password_policy.describe()
        body = pages.confirm_forgot_password_page(
            auth.query, csrf, username, policy, error=error, notice=notice
        )
        return self._html(body, csrf, status=200 if error is None else 400)

    async def confirm_forgot_password(self, request: Request) -> Response:
        """ConfirmForgotPassword: the right code sets the new password; then the login page.
        A wrong code or a password the policy refuses shows the pool's message."""
        auth = await self._checked(request)
        csrf = self._csrf(request)
        if request.method == "GET":
            return self._reset_page(auth, csrf, "")
        username = ""
        try:
            username, fields = await self._confirm_fields(request)
            code, password = fields.get("code", "").strip(), fields.get("password", "")
            if not code or len(code) > 64 or not password or len(password) > 256:
                raise SignInError("Enter the code and a new password.")
            await run_in_threadpool(
                self.accounts.confirm_forgot_password, auth.client, username, code, password
            )
        except SignInError as failure:
            return self._reset_page(auth, csrf, username, error=str(failure))
        notice = "Your password has been reset. Sign in with the new one."
        return self._html(
            pages.login_page(auth.query, csrf, username=username, notice=notice), csrf
        )

    async def outbox(self, request: Request) -> Response:
        """The codes the local pool sent (no e-mail leaves the machine), newest first."""
        if self.endpoint_url is None:
            raise PageError("this hosted UI has no local AWS endpoint to read an outbox from", 404)
        try:
            messages = await run_in_threadpool(
                read_outbox, self.endpoint_url, user_pool_id=self.pool.pool_id
            )
        except OutboxError as problem:
            return self._html(pages.outbox_page([], error=str(problem)), status=503)
        rows = [
            (_utc(m.sent_at), m.destination or m.username, m.kind, m.code, _utc(m.expires_at))
            for m in reversed(messages)
        ]
        return self._html(pages.outbox_page(rows))

    async def token(self, request: Request) -> Response:
        try:
            body = await self._token(request)
        except errors.OAuth2Error as error:
            description = error.description or error.get_error_description()
            payload = {"error": error.error, "error_description": description}
            headers = dict(_NO_STORE)
            status = 400
            if isinstance(error, errors.InvalidClientError) and "authorization" in request.headers:
                status = 401  # RFC 6749 5.2: a failed HTTP authentication scheme
                headers["www-authenticate"] = 'Basic realm="token"'
            return JSONResponse(payload, status_code=status, headers=headers)
        return JSONResponse(body, headers=_NO_STORE)

    @staticmethod
    async def _client_form(request: Request) -> tuple[dict[str, str], tuple[str, str] | None]:
        """A client's form post (token, revoke) and its HTTP Basic credentials, if sent."""
        try:
            fields = await _read_form(request)
        except PageError as problem:
            raise errors.InvalidRequestError(description=_oauth_text(str(problem))) from None
        basic: tuple[str, str] | None = None
        if "authorization" in request.headers:
            try:
                client_id, secret = extract_basic_authorization(request.headers)
            except (ValueError, binascii.Error):  # not base64, or not UTF-8 (UnicodeError)
                client_id, secret = None, None
            if not client_id:
                raise errors.InvalidClientError(description="malformed Basic authorization")
            basic = (client_id, secret or "")
        return fields, basic

    async def revoke(self, request: Request) -> Response:
        """RFC 7009 revocation of a refresh token, as Cognito answers it (revocation.py)."""
        try:
            fields, basic = await self._client_form(request)
            await run_in_threadpool(revoke, self.pool, fields, basic)
        except errors.OAuth2Error as error:
            description = error.description or error.get_error_description()
            payload = {"error": error.error, "error_description": description}
            headers = dict(_NO_STORE)
            status = 500 if error.error == "server_error" else 400
            if isinstance(error, errors.InvalidClientError):
                status = 401  # Cognito answers invalid_client with 401 here
                if "authorization" in request.headers:
                    headers["www-authenticate"] = 'Basic realm="revoke"'
            return JSONResponse(payload, status_code=status, headers=headers)
        return Response(status_code=200, headers=_NO_STORE)

    async def _token(self, request: Request) -> dict[str, Any]:
        fields, basic = await self._client_form(request)
        grant_type = fields.get("grant_type", "")
        if not grant_type:
            raise errors.InvalidRequestError(description="grant_type is required")
        client = await run_in_threadpool(authenticate_client, self.pool, fields, basic)
        handler = self.grants.table.get(grant_type)
        if handler is None:
            raise errors.UnsupportedGrantTypeError(grant_type[:64])
        grant = TokenRequest(form=fields, client=client, pool=self.pool, minter=self.minter)
        return await run_in_threadpool(handler, grant)

    async def user_info(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._bearer_error("invalid_request", "an access token is required", 401)
        try:
            check_jwt_bounds(token.strip())  # before PyJWT parses it: no RecursionError
            claims = self.minter.verify(token.strip())
        except (ValueError, jwt.PyJWTError) as problem:
            return self._bearer_error("invalid_token", str(problem)[:200], 401)
        if "openid" not in str(claims.get("scope", "")).split():
            return self._bearer_error("insufficient_scope", "the token lacks the openid scope", 403)
        username, sub = claims.get("username"), claims.get("sub")
        if not isinstance(username, str) or not username or not isinstance(sub, str):
            return self._bearer_error("invalid_token", "the token names no user", 401)
        try:
            user = await run_in_threadpool(
                self.pool.cognito.admin_get_user, UserPoolId=self.pool.pool_id, Username=username
            )
        except ClientError:
            return self._bearer_error("invalid_token", "the user no longer exists", 401)
        info = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        info |= {"sub": sub, "username": user["Username"]}
        return JSONResponse(info, headers=_NO_STORE)

    @staticmethod
    def _bearer_error(error: str, description: str, status: int) -> JSONResponse:
        header = f'Bearer error="{error}", error_description="{description}"'
        return JSONResponse(
            {"error": error, "error_description": description},
            status_code=status,
            headers=_NO_STORE | {"www-authenticate": header},
        )

    async def logout(self, request: Request) -> Response:
        params = _single(request.query_params.multi_items(), where="query")
        client_id = params.get("client_id", "")
        client = await run_in_threadpool(self.pool.client, client_id) if client_id else None
        if client is None:
            raise PageError("invalid_request: client_id is missing or unknown")
        if "logout_uri" in params:
            if params["logout_uri"] not in client.logout_urls:
                raise PageError("logout_uri is not a registered sign-out URL of the client")
            location = params["logout_uri"]
        elif "redirect_uri" in params:  # sign out, then sign in again (Cognito's second form)
            await self._checked(request)
            location = f"/login?{urlencode(params)}"
        else:
            raise PageError("invalid_request: logout_uri or redirect_uri is required")
        self._end_session(request)
        response = RedirectResponse(location, status_code=302, headers=_NO_STORE)
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def discovery(self, request: Request) -> Response:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": self.pool.issuer,
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
                "end_session_endpoint": f"{base}/logout",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "jwks_uri": self.jwks_uri,
                "response_types_supported": ["code", "token"],
                "grant_types_supported": sorted(self.grants.table),
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "revocation_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
            }
        )

    # ---- error answers ----

    async def _page_error(self, request: Request, problem: Exception) -> Response:
        assert isinstance(problem, PageError)
        return self._html(pages.error_page(str(problem)), status=problem.status)

    async def _redirect_error(self, request: Request, problem: Exception) -> Response:
        assert isinstance(problem, RedirectError)
        target = problem.target
        params = {"error": problem.error, "error_description": problem.description}
        location = _with_params(
            target.redirect_uri, params | {"state": target.state}, fragment=target.in_fragment
        )
        return RedirectResponse(location, status_code=302, headers=_NO_STORE)


def _pool_key(endpoint_url: str | None, pool: Pool) -> SigningKey:
    """The pool's own signing key, from the local AWS endpoint (signed with the run's
    credentials): the hosted UI's tokens must verify against the pool's JWKS."""
    if endpoint_url is None:
        raise RuntimeError("the hosted UI needs the local AWS endpoint or a signer")
    return pool_signing_key(endpoint_url, pool.pool_id)


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_hosted_ui(
    cognito: Any,
    pool_id: str,
    *,
    base_url: str,
    endpoint_url: str,
    extra_grants: Mapping[str, GrantHandler] | None = None,
) -> HostedUi:
    """The hosted UI of one deployed pool; keys are served by the emulator at its JWKS path."""
    pool = Pool(cognito, pool_id)
    jwks_uri = f"{endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"
    return HostedUi(
        pool,
        base_url=base_url,
        jwks_uri=jwks_uri,
        extra_grants=extra_grants,
        endpoint_url=endpoint_url,
    )
