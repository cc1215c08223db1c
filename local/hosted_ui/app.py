"""The hosted UI as a starlette app: authorize, login, signup (+ confirm, resend), forgot
password, token, revoke, userInfo, logout, discovery, and the local outbox page.

Checks follow Cognito's order: an unknown client or a redirect_uri that is not registered
exactly gets an error page (redirecting there would be an open redirect); once the redirect_uri
is trusted, other problems go back to it as `error=` (in the fragment for the implicit flow);
the token and userInfo endpoints answer OAuth JSON errors. Nothing is issued for a request that
fails a check. Every decision is the pool's (pool_oauth.py): the checks, the sign-in, the
signed-in session (its handle in the session cookie), and the token, revoke and userInfo
answers, forwarded as they are; this module mints and signs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local.emulator.caller.outbox import OutboxError, read_outbox
from local.hosted_ui import pages
from local.hosted_ui.accounts import Accounts, SignInError
from local.hosted_ui.cors import BrowserEndpointsCors
from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.pool_oauth import Decision, PoolOAuth

log = logging.getLogger("local.hosted_ui")

MAX_PARAM_CHARS = 2048
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 32
SESSION_SECONDS = 3600
CSRF_COOKIE = "XSRF-TOKEN"
SESSION_COOKIE = "cognito"
SIGNUP_COOKIE = "cognito-signup"  # a sign-up waiting for its code (to sign in once confirmed)
PENDING_SIGNUP_SECONDS = 900
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


class PageError(Exception):
    """Answer with the error page: redirecting would be unsafe or impossible."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class RedirectError(Exception):
    """Send the pool's `error=` redirect back to the (verified) redirect_uri."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize request the pool accepted (also carried by the login and sign-up pages'
    query)."""

    client: AppClient
    params: dict[str, str]  # what the pool decides on
    query: str  # the original parameters, for the pages' links and form actions


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
        endpoint_url: str,
    ) -> None:
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.jwks_uri = jwks_uri
        self.endpoint_url = endpoint_url  # the local AWS endpoint: the pool's OAuth, the outbox
        self.pool_oauth = PoolOAuth(endpoint_url, pool.pool_id)  # decides, signs, keeps tokens
        self.accounts = Accounts(pool)
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
        self._follow(self.pool_oauth.check(params))
        client = self.pool.client(params["client_id"])
        if client is None:  # deleted since the pool's check
            raise PageError("invalid_request: client_id is missing or unknown")
        return AuthorizeRequest(client=client, params=params, query=urlencode(params))

    @staticmethod
    def _follow(decision: Decision) -> None:
        """Raise the pool's error answer (a page, or a redirect to the trusted redirect_uri)."""
        if decision.kind == "page_error":
            raise PageError(decision.message, decision.status)
        if decision.kind == "error_redirect":
            raise RedirectError(decision.location)

    async def _checked(self, request: Request) -> AuthorizeRequest:
        return await run_in_threadpool(self._authorize_request, request)

    # ---- the pool's sign-in session (its handle in the session cookie) ----

    def _end_session(self, request: Request) -> None:
        handle = request.cookies.get(SESSION_COOKIE, "")
        if handle:
            self.pool_oauth.end(handle)

    # ---- endpoints ----

    async def authorize(self, request: Request) -> Response:
        auth = await self._checked(request)
        handle = request.cookies.get(SESSION_COOKIE, "")
        if handle:  # signed in already (as on Cognito): no form, unless the pool says gone
            decision = await run_in_threadpool(self.pool_oauth.resume, auth.params, handle)
            self._follow(decision)
            if decision.kind == "redirect":
                return RedirectResponse(decision.location, status_code=302, headers=_NO_STORE)
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
        decision = await run_in_threadpool(self.pool_oauth.sign_in, auth.params, username, password)
        self._follow(decision)
        if decision.kind != "redirect":
            body = pages.login_page(auth.query, csrf, error=decision.message, username=username)
            return self._html(body, csrf, status=400)
        response = RedirectResponse(decision.location, status_code=302, headers=_NO_STORE)
        if decision.session is not None:
            response.set_cookie(
                SESSION_COOKIE,
                decision.session,
                max_age=SESSION_SECONDS,
                httponly=True,
                samesite="lax",
            )
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
        """Every grant, answered by the pool's token endpoint (pool_oauth.forward)."""
        return await self._forward(request, "token")

    async def revoke(self, request: Request) -> Response:
        """RFC 7009 revocation of a refresh token, answered by the pool."""
        return await self._forward(request, "revoke")

    async def user_info(self, request: Request) -> Response:
        """The token's user's attributes, answered by the pool."""
        return await self._forward(request, "userInfo")

    async def _forward(self, request: Request, endpoint: str) -> Response:
        """The request as it came (its body read up to one byte past the pool's limit, which
        the pool then refuses), and the pool's answer as it is."""
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                break
        answer = await run_in_threadpool(
            self.pool_oauth.forward, endpoint, request.method, dict(request.headers), bytes(body)
        )
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

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
        await run_in_threadpool(self._end_session, request)
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
                "grant_types_supported": [
                    "authorization_code",
                    "client_credentials",
                    "refresh_token",
                ],
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
        return RedirectResponse(problem.location, status_code=302, headers=_NO_STORE)


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def build_hosted_ui(
    cognito: Any,
    pool_id: str,
    *,
    base_url: str,
    endpoint_url: str,
) -> HostedUi:
    """The hosted UI of one deployed pool; keys are served by the emulator at its JWKS path."""
    pool = Pool(cognito, pool_id)
    jwks_uri = f"{endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"
    return HostedUi(
        pool,
        base_url=base_url,
        jwks_uri=jwks_uri,
        endpoint_url=endpoint_url,
    )
