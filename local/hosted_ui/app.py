"""The hosted UI as a starlette app: authorize, login, signup, token, userInfo, logout, discovery.

Checks follow Cognito's order: an unknown client or a redirect_uri that is not registered
exactly gets an error page (redirecting there would be an open redirect); once the redirect_uri
is trusted, other problems go back to it as `error=` (in the fragment for the implicit flow);
the token and userInfo endpoints answer OAuth JSON errors. Nothing is issued for a request that
fails a check.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
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
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from local.hosted_ui import pages
from local.hosted_ui.grants import (
    GrantHandler,
    Grants,
    GrantStore,
    TokenRequest,
    authenticate_client,
)
from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.tokens import SignInError, TokenMinter

log = logging.getLogger("local.hosted_ui")

MAX_PARAM_CHARS = 2048
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 32
SESSION_SECONDS = 3600
CSRF_COOKIE = "XSRF-TOKEN"
SESSION_COOKIE = "cognito"
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


class HostedUi:
    """The pool's hosted UI and OAuth endpoints; `app` is the ASGI application."""

    def __init__(
        self,
        pool: Pool,
        *,
        base_url: str,
        jwks_uri: str,
        extra_grants: Mapping[str, GrantHandler] | None = None,
    ) -> None:
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.jwks_uri = jwks_uri
        self.minter = TokenMinter(pool)
        self.store = GrantStore()
        self.grants = Grants(self.store, extra_grants)
        self.sessions: dict[str, Session] = {}
        self._sessions_lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/oauth2/authorize", self.authorize, methods=["GET"]),
                Route("/login", self.login, methods=["GET", "POST"]),
                Route("/signup", self.signup, methods=["GET", "POST"]),
                Route("/oauth2/token", self.token, methods=["POST"]),
                Route("/oauth2/userInfo", self.user_info, methods=["GET", "POST"]),
                Route("/logout", self.logout, methods=["GET"]),
                Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
            ],
            middleware=[
                # Browser apps call the token and userInfo endpoints from their own origin.
                Middleware(
                    CORSMiddleware,
                    allow_origins=["*"],
                    allow_methods=["GET", "POST"],
                    allow_headers=["authorization", "content-type"],
                )
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
            query=urlencode(params),
        )

    async def _checked(self, request: Request) -> AuthorizeRequest:
        return await run_in_threadpool(self._authorize_request, request)

    # ---- issuing ----

    def _complete(self, auth: AuthorizeRequest, result: dict[str, Any], refresh: str) -> str:
        """The redirect that ends a successful sign-in: a code, or tokens in the fragment."""
        if auth.response_type == "code":
            tokens = self.minter.for_flow(result, auth.scopes, refresh_token=refresh)
            code = self.store.new_code(
                auth.client.client_id, auth.redirect_uri, auth.code_challenge, auth.scopes, tokens
            )
            return _with_params(
                auth.redirect_uri, {"code": code, "state": auth.state}, fragment=False
            )
        tokens = self.minter.for_flow(result, auth.scopes, refresh_token=None)
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
        self, response: Response, username: str, client_id: str, refresh: str
    ) -> None:
        session_id = secrets.token_urlsafe(32)
        with self._sessions_lock:
            self.sessions[session_id] = Session(
                username, client_id, refresh, time.monotonic() + SESSION_SECONDS
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
                    self.minter.refresh, auth.client.client_id, session.refresh_token
                )
            except ClientError:  # the user or the session is gone in the pool: sign in again
                self._end_session(request)
                return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=_NO_STORE)
            location = await run_in_threadpool(self._complete, auth, result, session.refresh_token)
            return RedirectResponse(location, status_code=302, headers=_NO_STORE)
        return RedirectResponse(f"/login?{auth.query}", status_code=302, headers=_NO_STORE)

    def _csrf(self, request: Request) -> str:
        return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)

    def _html(self, body: str, csrf: str | None = None, status: int = 200) -> HTMLResponse:
        headers = _NO_STORE | {
            "content-security-policy": pages.CONTENT_SECURITY_POLICY,
            "x-frame-options": "DENY",
            "referrer-policy": "no-referrer",
        }
        response = HTMLResponse(body, status_code=status, headers=headers)
        if csrf is not None:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="lax")
        return response

    async def _form(self, request: Request) -> dict[str, str]:
        """The posted form, checked: size, single values, and the CSRF token."""
        fields = await _read_form(request)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = fields.get("_csrf", "")
        if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
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
        location = await run_in_threadpool(self._complete, auth, result, refresh)
        response = RedirectResponse(location, status_code=302, headers=_NO_STORE)
        self._start_session(response, username, auth.client.client_id, refresh)
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
            await run_in_threadpool(
                self._sign_up, auth.client.client_id, username, password, user_attributes
            )
        except SignInError as failure:
            return form_page(str(failure), values)
        return await self._sign_in_and_complete(auth, csrf, username, password)

    def _sign_up(
        self, client_id: str, username: str, password: str, attributes: list[dict[str, str]]
    ) -> None:
        cognito = self.pool.cognito
        try:
            cognito.sign_up(
                ClientId=client_id, Username=username, Password=password, UserAttributes=attributes
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "UsernameExistsException":
                raise SignInError("An account with the given email already exists.") from None
            if code == "InvalidPasswordException":
                policy = self.pool.password_policy.describe()
                raise SignInError(f"Password did not conform with policy: {policy}.") from None
            if code == "InvalidParameterException":
                message = error.response.get("Error", {}).get("Message") or "Invalid parameter."
                raise SignInError(message) from None
            raise
        # Offline there is no e-mail to receive a code: confirm at once, and say so.
        cognito.admin_confirm_sign_up(UserPoolId=self.pool.pool_id, Username=username)
        if self.pool.username_is_email:
            cognito.admin_update_user_attributes(
                UserPoolId=self.pool.pool_id,
                Username=username,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            )
        log.info("hosted UI: signed up %s and confirmed it at once (offline: no e-mail)", username)

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

    async def _token(self, request: Request) -> dict[str, Any]:
        try:
            fields = await _read_form(request)
        except PageError as problem:
            raise errors.InvalidRequestError(description=_oauth_text(str(problem))) from None
        basic: tuple[str, str] | None = None
        if "authorization" in request.headers:
            client_id, secret = extract_basic_authorization(request.headers)
            if not client_id:
                raise errors.InvalidClientError(description="malformed Basic authorization")
            basic = (client_id, secret or "")
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
            claims = self.minter.verify(token.strip())
        except jwt.PyJWTError as problem:
            return self._bearer_error("invalid_token", str(problem), 401)
        if "openid" not in str(claims.get("scope", "")).split():
            return self._bearer_error("insufficient_scope", "the token lacks the openid scope", 403)
        try:
            user = await run_in_threadpool(
                self.pool.cognito.admin_get_user,
                UserPoolId=self.pool.pool_id,
                Username=claims["username"],
            )
        except ClientError:
            return self._bearer_error("invalid_token", "the user no longer exists", 401)
        info = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        info |= {"sub": claims["sub"], "username": user["Username"]}
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
    return HostedUi(pool, base_url=base_url, jwks_uri=jwks_uri, extra_grants=extra_grants)
