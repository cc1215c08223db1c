"""The hosted UI as a starlette app: the endpoint modules' handlers on Cognito's paths, the
middleware every answer passes (nosniff, CORS where Cognito answers it) and the two error
answers (an error page, or the pool's `error=` redirect back to a checked redirect_uri).

Every decision is the pool's (pool_oauth.py): the checks, the sign-in, the signed-in session
(its handle in the session cookie), and the token, revoke and userInfo answers, forwarded as
they are; this package holds no key and mints no token."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from local.hosted_ui import render
from local.hosted_ui.accounts import Accounts
from local.hosted_ui.cors import BrowserEndpointsCors
from local.hosted_ui.errors import PageError, RedirectError
from local.hosted_ui.forms import Forms
from local.hosted_ui.logout import LogOut
from local.hosted_ui.oauth_endpoints import OAuthEndpoints
from local.hosted_ui.outbox_page import OutboxPage
from local.hosted_ui.passkey_add import PasskeyAdd
from local.hosted_ui.password_reset import PasswordReset
from local.hosted_ui.pool import Pool
from local.hosted_ui.pool_oauth import PoolOAuth
from local.hosted_ui.render import NO_STORE, NoSniff
from local.hosted_ui.sessions import Sessions
from local.hosted_ui.sign_in import SignIn
from local.hosted_ui.sign_in_choice import ChoiceSignIn
from local.hosted_ui.sign_up import SignUp
from local.hosted_ui.signing import Signer


async def _page_error(request: Request, problem: Exception) -> Response:
    assert isinstance(problem, PageError)
    return render.page("error.html", error=str(problem), status=problem.status)


async def _redirect_error(request: Request, problem: Exception) -> Response:
    assert isinstance(problem, RedirectError)
    return RedirectResponse(problem.location, status_code=302, headers=NO_STORE)


def _routes(
    sign_in: SignIn,
    choice: ChoiceSignIn,
    sign_up: SignUp,
    reset: PasswordReset,
    oauth: OAuthEndpoints,
    log_out: LogOut,
    outbox: OutboxPage,
    passkey_add: PasskeyAdd,
) -> list[Route]:
    both = ["GET", "POST"]
    return [
        Route("/oauth2/authorize", sign_in.authorize, methods=["GET"]),
        Route("/login", sign_in.login, methods=both),
        Route("/login/choose", choice.choose, methods=["POST"]),
        Route("/login/code", choice.code, methods=["POST"]),
        Route("/login/passkey", choice.passkey, methods=["POST"]),
        Route("/static/passkey.js", choice.script, methods=["GET"]),
        Route("/passkeys/add", passkey_add.add, methods=both),
        Route("/signup", sign_up.signup, methods=both),
        Route("/confirm", sign_up.confirm, methods=both),
        Route("/resendcode", sign_up.resend_code, methods=["POST"]),
        Route("/forgotPassword", reset.forgot_password, methods=both),
        Route("/confirmForgotPassword", reset.confirm_forgot_password, methods=both),
        Route("/oauth2/token", oauth.token, methods=["POST"]),
        Route("/oauth2/revoke", oauth.revoke, methods=["POST"]),
        Route("/oauth2/userInfo", oauth.user_info, methods=both),
        Route("/logout", log_out.logout, methods=["GET"]),
        Route("/.well-known/openid-configuration", oauth.discovery, methods=["GET"]),
        Route("/_local/outbox", outbox.outbox, methods=["GET"]),
    ]


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
        cookies = Signer()  # signs CSRF and session cookies, per run
        self.sessions = Sessions(cookies)
        forms = Forms(cookies)
        sign_in = SignIn(pool, self.pool_oauth, self.sessions, forms)
        routes = _routes(
            sign_in,
            ChoiceSignIn(sign_in, forms),
            SignUp(sign_in, self.accounts, self.sessions, forms),
            PasswordReset(sign_in, self.accounts, forms),
            OAuthEndpoints(pool, self.pool_oauth, base_url=self.base_url, jwks_uri=jwks_uri),
            LogOut(sign_in),
            OutboxPage(pool, endpoint_url),
            PasskeyAdd(self.pool_oauth, self.sessions, forms),
        )
        self.app = Starlette(
            routes=routes,
            middleware=[
                Middleware(NoSniff),
                Middleware(BrowserEndpointsCors),  # token, revoke, userInfo, discovery only
            ],
            exception_handlers={PageError: _page_error, RedirectError: _redirect_error},
        )


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
