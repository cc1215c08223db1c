"""The client_credentials grant on the hosted UI's token endpoint, served by the local pool.

Cognito has one token endpoint per domain for every grant. Locally the pool's client_credentials
implementation lives in the emulator (`local.emulator.server.cognito.oauth`, next to the pool's keys
and its pre token trigger); this grant forwards the already-authenticated request there, so the
hosted UI's `/oauth2/token` answers all grants and there is one implementation of each.
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.oauth2.rfc6749 import errors

from local.hosted_ui.grants import GrantHandler, TokenRequest
from tools.tls import shared_tls_context

_ERRORS: dict[str, type[errors.OAuth2Error]] = {
    "invalid_client": errors.InvalidClientError,
    "invalid_scope": errors.InvalidScopeError,
    "unauthorized_client": errors.UnauthorizedClientError,
    "unsupported_grant_type": errors.UnsupportedGrantTypeError,
    "invalid_grant": errors.InvalidGrantError,
}


def client_credentials_grant(endpoint_url: str, timeout: float = 30) -> GrantHandler:
    """A grant handler that asks the local pool's token endpoint for the client's token."""

    def grant(request: TokenRequest) -> dict[str, Any]:
        client = request.client
        if client.secret is None:
            raise errors.InvalidClientError(description="client_credentials needs a client secret")
        form = {"grant_type": "client_credentials"}
        if request.form.get("scope"):
            form["scope"] = request.form["scope"]
        url = f"{endpoint_url}/{request.pool.pool_id}/oauth2/token"
        try:
            answer = httpx.post(
                url,
                data=form,
                auth=(client.client_id, client.secret),
                timeout=timeout,
                verify=shared_tls_context(),
            )
            body = answer.json()
        except (httpx.HTTPError, ValueError):
            raise errors.OAuth2Error(
                error="server_error", description="the local pool's token endpoint did not answer"
            ) from None
        if answer.status_code == 200 and isinstance(body, dict) and "access_token" in body:
            return body
        code = body.get("error", "invalid_request") if isinstance(body, dict) else "invalid_request"
        raise _ERRORS.get(code, errors.InvalidRequestError)(description=f"the pool answered {code}")

    return grant
