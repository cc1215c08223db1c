"""Signing up on the hosted UI: the sign-up page, the confirm step with the code the pool
sent (signed in at once when the same browser signed up, as on Cognito's classic hosted UI)
and resending the code."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from local.hosted_ui import render
from local.hosted_ui.accounts import Accounts, SignInError
from local.hosted_ui.forms import Forms
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.sessions import SIGNUP_COOKIE, Sessions
from local.hosted_ui.sign_in import SignIn


@dataclass(frozen=True)
class SignUp:
    """signup, confirm and resendcode for one pool."""

    sign_in: SignIn
    accounts: Accounts
    sessions: Sessions
    forms: Forms

    async def signup(self, request: Request) -> Response:
        auth, csrf = await self.sign_in.page_request(request)
        attributes = self.sign_in.pool.required_attributes

        def form_page(
            error: str | None = None, values: dict[str, str] | None = None
        ) -> HTMLResponse:
            return render.page(
                "signup.html",
                csrf,
                query=auth.query,
                policy=self.sign_in.pool.password_policy.describe(),
                attributes=attributes,
                error=error,
                values=values or {},
            )

        if request.method == "GET":
            return form_page()
        fields = await self.forms.read(request)
        values = {k: v for k, v in fields.items() if k != "password" and k != "_csrf"}
        username, password = fields.get("username", ""), fields.get("password", "")
        missing = [name for name in ("username", "password", *attributes) if not fields.get(name)]
        if missing:
            return form_page(f"{missing[0]} is required.", values)
        if len(username) > 128 or len(password) > 256:
            return form_page("The email or password is too long.", values)
        user_attributes = [{"Name": name, "Value": fields[name]} for name in attributes]
        if self.sign_in.pool.username_is_email:
            user_attributes.append({"Name": "email", "Value": username})
        try:
            confirmed = await run_in_threadpool(
                self.accounts.sign_up, auth.client, username, password, user_attributes
            )
        except SignInError as failure:
            return form_page(str(failure), values)
        if confirmed:  # e.g. a pre sign-up trigger confirmed it: nothing to wait for
            return await self.sign_in.sign_in_and_complete(auth, csrf, username, password)
        response = RedirectResponse(f"/confirm?{auth.query}", status_code=302, headers=NO_STORE)
        self.sessions.hold_sign_up(response, username, password, auth.client.client_id)
        return response

    async def confirm(self, request: Request) -> Response:
        """Cognito's confirm step: the code the pool sent confirms the account (ConfirmSignUp);
        a wrong one shows the pool's message and changes nothing."""
        auth, csrf = await self.sign_in.page_request(request)
        pending = self.sessions.pending(request)
        name = pending.username if pending else ""
        if request.method == "GET":
            return render.page("confirm.html", csrf, query=auth.query, username=name)
        try:
            username, fields = await self.forms.with_username(request)
            code = fields.get("code", "").strip()
            if not code or len(code) > 64:
                raise SignInError("Enter the verification code.")
            await run_in_threadpool(self.accounts.confirm_sign_up, auth.client, username, code)
        except SignInError as failure:
            return render.page(
                "confirm.html", csrf, query=auth.query, username=name, error=str(failure)
            )
        if pending and pending.username == username and pending.client_id == auth.client.client_id:
            self.sessions.drop_sign_up(request)
            response = await self.sign_in.sign_in_and_complete(
                auth, csrf, username, pending.password
            )
            response.delete_cookie(SIGNUP_COOKIE)
            return response
        notice = "Your account is confirmed. Sign in."
        return self.sign_in.login_page(auth, csrf, username=username, notice=notice)

    async def resend_code(self, request: Request) -> Response:
        """ResendConfirmationCode: a new code in the outbox; the confirm page again."""
        auth, csrf = await self.sign_in.page_request(request)
        username = ""
        try:
            username, _ = await self.forms.with_username(request)
            destination = await run_in_threadpool(self.accounts.resend_code, auth.client, username)
        except SignInError as failure:
            return render.page(
                "confirm.html", csrf, query=auth.query, username=username, error=str(failure)
            )
        notice = f"We have sent a new code to {destination}."
        return render.page("confirm.html", csrf, query=auth.query, username=username, notice=notice)
