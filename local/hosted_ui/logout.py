"""The logout endpoint: the pool forgets the browser's sign-in session, then the browser goes
to a registered sign-out URL or, with redirect_uri (Cognito's second form), to the login page
of a checked authorize request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from local.hosted_ui.errors import PageError
from local.hosted_ui.forms import single
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.sessions import SESSION_COOKIE
from local.hosted_ui.sign_in import SignIn


@dataclass(frozen=True)
class LogOut:
    """/logout for one pool."""

    sign_in: SignIn

    async def logout(self, request: Request) -> Response:
        params = single(request.query_params.multi_items(), where="query")
        client_id = params.get("client_id", "")
        client = await run_in_threadpool(self.sign_in.pool.client, client_id) if client_id else None
        if client is None:
            raise PageError("invalid_request: client_id is missing or unknown")
        if "logout_uri" in params:
            if params["logout_uri"] not in client.logout_urls:
                raise PageError("logout_uri is not a registered sign-out URL of the client")
            location = params["logout_uri"]
        elif "redirect_uri" in params:  # sign out, then sign in again (Cognito's second form)
            await self.sign_in.checked(request)
            location = f"/login?{urlencode(params)}"
        else:
            raise PageError("invalid_request: logout_uri or redirect_uri is required")
        await run_in_threadpool(self.sign_in.sign_out, request)
        response = RedirectResponse(location, status_code=302, headers=NO_STORE)
        response.delete_cookie(SESSION_COOKIE)
        return response
