"""Cognito's "Forgot your password?": ForgotPassword sends a code to the outbox, and
ConfirmForgotPassword sets the new password with it; then the login page."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from local.hosted_ui import render
from local.hosted_ui.accounts import Accounts, SignInError
from local.hosted_ui.forms import CsrfToken, Forms
from local.hosted_ui.sign_in import AuthorizeRequest, SignIn


@dataclass(frozen=True)
class PasswordReset:
    """forgotPassword and confirmForgotPassword for one pool."""

    sign_in: SignIn
    accounts: Accounts
    forms: Forms

    async def forgot_password(self, request: Request) -> Response:
        """ForgotPassword: the pool sends a code; then the page that takes it."""
        auth, csrf = await self.sign_in.page_request(request)
        if request.method == "GET":
            return render.page("forgot_password.html", csrf, query=auth.query, username="")
        username = ""
        try:
            username, _ = await self.forms.with_username(request)
            destination = await run_in_threadpool(
                self.accounts.forgot_password, auth.client, username
            )
        except SignInError as failure:
            return render.page(
                "forgot_password.html",
                csrf,
                query=auth.query,
                username=username,
                error=str(failure),
            )
        notice = f"We have sent a password reset code to {destination}."
        return self._reset_page(auth, csrf, username, notice=notice)

    def _reset_page(
        self,
        auth: AuthorizeRequest,
        csrf: CsrfToken,
        username: str,
        *,
        error: str | None = None,
        notice: str | None = None,
    ) -> HTMLResponse:
        policy = self.sign_in.pool.password_policy.describe()
        return render.page(
            "confirm_forgot_password.html",
            csrf,
            query=auth.query,
            username=username,
            policy=policy,
            error=error,
            notice=notice,
        )

    async def confirm_forgot_password(self, request: Request) -> Response:
        """ConfirmForgotPassword: the right code sets the new password; then the login page.
        A wrong code or a password the policy refuses shows the pool's message."""
        auth, csrf = await self.sign_in.page_request(request)
        if request.method == "GET":
            return self._reset_page(auth, csrf, "")
        username = ""
        try:
            username, fields = await self.forms.with_username(request)
            code, password = fields.get("code", "").strip(), fields.get("password", "")
            if not code or len(code) > 64 or not password or len(password) > 256:
                raise SignInError("Enter the code and a new password.")
            await run_in_threadpool(
                self.accounts.confirm_forgot_password, auth.client, username, code, password
            )
        except SignInError as failure:
            return self._reset_page(auth, csrf, username, error=str(failure))
        notice = "Your password has been reset. Sign in with the new one."
        return self.sign_in.login_page(auth, csrf, username=username, notice=notice)
