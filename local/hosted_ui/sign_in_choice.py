"""Choice-based sign-in on the hosted UI, as Cognito's managed login offers it: the user names
themselves, picks one of the first factors the pool enables (an e-mail or text message code, a
passkey; the password stays on the login form), and answers the pool's challenge for it.

Every step is the pool's decision (pool_oauth.py: `start` and `answer` run the pool's own
USER_AUTH flow); this module shows the pages and carries the pool's `Session` between them in
the form (the pool refuses a forged, used or expired one). The passkey page runs one
same-origin script (static/passkey.js): navigator.credentials.get with the pool's
CREDENTIAL_REQUEST_OPTIONS, then it posts the credential's JSON back with the CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from local.hosted_ui import render
from local.hosted_ui.errors import follow
from local.hosted_ui.forms import CsrfToken, Forms
from local.hosted_ui.pool_oauth import Decision
from local.hosted_ui.sign_in import AuthorizeRequest, SignIn

CODE_CHALLENGES = {"EMAIL_OTP": "email", "SMS_OTP": "text message"}
PASSKEY = "WEB_AUTHN"
PASSKEY_SCRIPT = (Path(__file__).parent / "static" / "passkey.js").read_bytes()
_SCRIPT_HEADERS = {"cache-control": "no-cache"}
# The pool's names for the password among AvailableChallenges: the login form's field.
_PASSWORD_CHOICES = frozenset({"PASSWORD", "PASSWORD_SRP"})


class Step(NamedTuple):
    """Where a sign-in stands between pages: who, and the pool's session for its challenge."""

    username: str
    challenge: str
    auth_session: str


@dataclass(frozen=True)
class ChoiceSignIn:
    """/login/choose, /login/code, /login/passkey and the passkey page's script."""

    sign_in: SignIn
    forms: Forms

    async def choose(self, request: Request) -> Response:
        """The chosen first factor for the named user: the pool's challenge page for it."""
        auth, csrf = await self.sign_in.page_request(request)
        fields = await self.forms.read(request)
        username, factor = fields.get("username", ""), fields.get("factor", "")
        if not username or len(username) > 128:
            return self.sign_in.login_page(auth, csrf, error="Enter your email.")
        if factor not in auth.factors or factor not in (*CODE_CHALLENGES, PASSKEY):
            message = "Choose a sign-in method this page offers."
            return self.sign_in.login_page(auth, csrf, error=message, username=username)
        decision = await run_in_threadpool(
            self.sign_in.pool_oauth.start, auth.params, username, factor
        )
        return self._next(auth, csrf, username, decision)

    async def code(self, request: Request) -> Response:
        """The code the pool e-mailed or texted: signed in, or the code page with the pool's
        message (the same session, which the pool decides is still good or not)."""
        auth, csrf = await self.sign_in.page_request(request)
        fields = await self.forms.read(request)
        step = _step(fields)
        if step.challenge not in CODE_CHALLENGES:
            return self.sign_in.login_page(auth, csrf, error="Start the sign-in again.")
        code = fields.get("code", "").strip()
        destination = fields.get("destination", "")
        if not code:
            return self._code_page(auth, csrf, step, destination, error="Enter the code.")
        decision = await self._answer(auth, step, code)
        if decision.kind == "login_error":
            return self._code_page(auth, csrf, step, destination, error=decision.message)
        return self._next(auth, csrf, step.username, decision)

    async def passkey(self, request: Request) -> Response:
        """The passkey's credential JSON: signed in, or the login page with the pool's message
        (a passkey challenge is single use: start again)."""
        auth, csrf = await self.sign_in.page_request(request)
        fields = await self.forms.read(request)
        step = _step(fields)
        if step.challenge != PASSKEY:
            return self.sign_in.login_page(auth, csrf, error="Start the sign-in again.")
        decision = await self._answer(auth, step, fields.get("credential", ""))
        return self._next(auth, csrf, step.username, decision)

    async def script(self, request: Request) -> Response:
        """static/passkey.js, the one script any page runs (the passkey page's CSP allows it)."""
        return Response(PASSKEY_SCRIPT, media_type="text/javascript", headers=_SCRIPT_HEADERS)

    async def _answer(self, auth: AuthorizeRequest, step: Step, response: str) -> Decision:
        decision = await run_in_threadpool(
            self.sign_in.pool_oauth.answer,
            auth.params,
            step.username,
            step.challenge,
            step.auth_session,
            response,
        )
        follow(decision)
        return decision

    def _next(
        self, auth: AuthorizeRequest, csrf: CsrfToken, username: str, decision: Decision
    ) -> Response:
        """The page for the pool's answer: signed in, its challenge, or the login page."""
        follow(decision)
        if decision.kind == "redirect":
            return self.sign_in.completed(auth, decision, username)
        if decision.kind != "challenge":
            return self.sign_in.login_page(auth, csrf, error=decision.message, username=username)
        step = Step(username, decision.challenge, decision.auth_session)
        if decision.challenge in CODE_CHALLENGES:
            destination = decision.parameters.get("CODE_DELIVERY_DESTINATION", "")
            return self._code_page(auth, csrf, step, destination)
        if decision.challenge == PASSKEY:
            options = decision.parameters.get("CREDENTIAL_REQUEST_OPTIONS", "")
            return render.page(
                "passkey.html", csrf, query=auth.query, step=step, options=options, script=True
            )
        # SELECT_CHALLENGE: the ways this user can sign in instead, as the login page offers.
        ways = {"PASSWORD" if c in _PASSWORD_CHOICES else c for c in decision.available}
        factors = tuple(f for f in auth.factors if f in ways)
        notice = "That way is not available for this account. Choose another way to sign in."
        return self.sign_in.login_page(
            auth, csrf, factors=factors, username=username, chosen=True, notice=notice
        )

    def _code_page(
        self,
        auth: AuthorizeRequest,
        csrf: CsrfToken,
        step: Step,
        destination: str,
        **values: Any,
    ) -> Response:
        return render.page(
            "code.html",
            csrf,
            query=auth.query,
            step=step,
            destination=destination,
            medium=CODE_CHALLENGES[step.challenge],
            **values,
        )


def _step(fields: dict[str, str]) -> Step:
    """The step a challenge page's form carries back (the pool checks all of it)."""
    return Step(fields.get("username", ""), fields.get("challenge", ""), fields.get("session", ""))
