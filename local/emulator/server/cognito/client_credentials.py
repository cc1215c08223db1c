"""The pool's client_credentials grant, as Cognito's token endpoint runs it.

The client authenticates with HTTP Basic or form fields, must have a secret and the
client_credentials flow, and gets the custom scopes it asked for (default: every custom scope
it may have). The token itself is minted in minting.py (`client_token`).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import unquote

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from . import minting
from .exceptions import UserLambdaValidationError


class OAuthError(Exception):
    """An OAuth error answer: Cognito's status and `{"error": ...}` body."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.status = error, status


def _client_credentials(request: Any) -> tuple[str, str | None]:
    """(client_id, secret) from HTTP Basic (preferred, as Cognito documents) or form fields."""
    auth = request.authorization
    form_id = request.form.get("client_id")
    if auth is not None and auth.type == "basic":
        client_id, secret = unquote(auth.username or ""), unquote(auth.password or "")
        if form_id is not None and form_id != client_id:
            raise OAuthError("invalid_client")
        return client_id, secret
    if request.headers.get("Authorization"):
        raise OAuthError("invalid_client")  # some other scheme, or a malformed Basic value
    if not form_id:
        raise OAuthError("invalid_client")
    return form_id, request.form.get("client_secret")


def authenticated_client(pool: CognitoIdpUserPool, request: Any) -> CognitoIdpUserPoolClient:
    client_id, secret = _client_credentials(request)
    client = pool.clients.get(client_id)
    if client is None or not client.generate_secret or secret is None:
        raise OAuthError("invalid_client")
    if not hmac.compare_digest(str(client.secret).encode(), secret.encode()):
        raise OAuthError("invalid_client")
    return client


def custom_scopes(pool: CognitoIdpUserPool) -> set[str]:
    """Every `<identifier>/<name>` the pool's resource servers define."""
    return {
        f"{server.identifier}/{scope['ScopeName']}"
        for server in pool.resource_servers.values()
        for scope in server.scopes or []
    }


def granted_scopes(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, requested: str | None
) -> list[str]:
    allowed = [
        s
        for s in client.extended_config.get("AllowedOAuthScopes") or []
        if s in custom_scopes(pool)
    ]
    if requested is None or not requested.strip():
        if not allowed:
            raise OAuthError("invalid_scope")
        return allowed
    wanted = list(dict.fromkeys(requested.split()))
    if any(scope not in allowed for scope in wanted):
        raise OAuthError("invalid_scope")
    return wanted


def issue(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, requested: str | None
) -> dict[str, Any]:
    """The token answer for an authenticated client; OAuthError when refused (a failing
    version 3 trigger is invalid_request)."""
    flows = client.extended_config.get("AllowedOAuthFlows") or []
    enabled = client.extended_config.get("AllowedOAuthFlowsUserPoolClient") in (True, "true")
    if "client_credentials" not in flows or not enabled:
        raise OAuthError("unauthorized_client")
    scopes = granted_scopes(pool, client, requested)
    try:
        access_token, expires_in = minting.client_token(pool, client, scopes)
    except UserLambdaValidationError:
        raise OAuthError("invalid_request") from None
    return {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}
