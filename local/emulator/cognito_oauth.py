"""The user pool's OAuth token endpoint (client_credentials) and its place in discovery.

Real Cognito serves `POST https://<domain>/oauth2/token`; moto's answers 500. Locally the
endpoint lives on the emulator next to the pool's JWKS: `POST /<poolId>/oauth2/token`, and the
pool's `/.well-known/openid-configuration` lists it as `token_endpoint`, the way Cognito's
document lists its domain's. The grant follows Cognito: the client authenticates with HTTP Basic
or form fields, must have a secret and the client_credentials flow, and gets the custom scopes
it asked for (default: every custom scope it may have); errors are Cognito's JSON bodies.
Tokens are signed with the pool's key (what the JWKS serves), so the local authorizer accepts
them; a version 3 pre token trigger runs first, as on Cognito.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlparse

from moto.cognitoidp import urls
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local.emulator import pre_token
from local.emulator.persistence import run_metadata
from local.emulator.process import HOSTED_UI_METADATA

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path

_TOKEN_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)/oauth2/token$"  # noqa: S105
_DISCOVERY_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)/.well-known/openid-configuration$"
_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Response = tuple[int, dict[str, str], bytes]


class OAuthError(Exception):
    """An OAuth error answer: Cognito's status and `{"error": ...}` body."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.status = error, status


def _json(status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": "application/json;charset=UTF-8", **_NO_STORE, **(extra or {})}
    return status, headers, json.dumps(body).encode()


def _pool(pool_id: str) -> CognitoIdpUserPool | None:
    region = pool_id.rsplit("_", 1)[0] if "_" in pool_id else ""
    for account_backends in cognitoidp_backends.values():
        if region in account_backends:
            pool = account_backends[region].user_pools.get(pool_id)
            if pool is not None:
                return pool
    return None


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


def _authenticated_client(pool: CognitoIdpUserPool, request: Any) -> CognitoIdpUserPoolClient:
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


def _granted_scopes(
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


def _access_token_seconds(client: CognitoIdpUserPoolClient) -> int:
    config = client.extended_config
    value = config.get("AccessTokenValidity")
    if value is None:
        return 3600
    unit = (config.get("TokenValidityUnits") or {}).get("AccessToken", "hours")
    return int(value) * _UNITS.get(str(unit), 3600)


def issue_client_token(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, scopes: list[str]
) -> tuple[str, int]:
    """A machine-to-machine access token shaped like Cognito's: sub = client_id, no user."""
    now = int(time.time())
    expires_in = _access_token_seconds(client)
    claims: dict[str, Any] = {
        "sub": client.id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}",
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client.id,
    }
    overrides = pre_token.run_for_client(pool, client.id, scopes)
    if overrides is not None:
        claims = overrides.apply(claims, "access")
    return pre_token.sign(pool, claims), expires_in


def token_endpoint(request: Any, full_url: str, headers: Any) -> Response:
    """`POST /<poolId>/oauth2/token`: Cognito's token endpoint, client_credentials grant."""
    pool_id = urlparse(full_url).path.strip("/").split("/")[0]
    try:
        if request.method != "POST":
            return _json(405, {"error": "invalid_request"}, {"Allow": "POST"})
        pool = _pool(pool_id)
        if pool is None:
            return _json(404, {"error": "invalid_request"})
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request")
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request")
        if grant_type not in ("client_credentials", "authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type")
        client = _authenticated_client(pool, request)
        flows = client.extended_config.get("AllowedOAuthFlows") or []
        enabled = client.extended_config.get("AllowedOAuthFlowsUserPoolClient") in (True, "true")
        if grant_type != "client_credentials":
            # Served by the hosted UI's token endpoint (browser flows), not by this one.
            raise OAuthError("unsupported_grant_type")
        if "client_credentials" not in flows or not enabled:
            raise OAuthError("unauthorized_client")
        scopes = _granted_scopes(pool, client, request.form.get("scope"))
        access_token, expires_in = issue_client_token(pool, client, scopes)
    except OAuthError as error:
        return _json(error.status, {"error": error.error})
    except pre_token.UserLambdaValidationException:
        return _json(400, {"error": "invalid_request"})
    return _json(
        200, {"access_token": access_token, "expires_in": expires_in, "token_type": "Bearer"}
    )


_original_discovery = urls.url_paths[_DISCOVERY_URL_PATH]


def discovery_document(request: Any, full_url: str, headers: Any) -> Response:
    """moto's document plus the pool's OAuth endpoints, as Cognito lists its domain's: those
    of the local hosted UI (revocation included) when the run recorded one for this pool
    (`HOSTED_UI_METADATA`), else the token endpoint on this server (which revokes nothing)."""
    status, response_headers, body = _original_discovery(request, full_url, headers)
    if status != 200:
        return status, response_headers, body
    url = urlparse(full_url)
    pool_id = url.path.strip("/").split("/")[0]
    document = json.loads(body)
    hosted_ui = run_metadata().get(HOSTED_UI_METADATA, {}).get(pool_id)
    if isinstance(hosted_ui, str):
        document |= {
            "authorization_endpoint": f"{hosted_ui}/oauth2/authorize",
            "token_endpoint": f"{hosted_ui}{TOKEN_PATH}",
            "userinfo_endpoint": f"{hosted_ui}/oauth2/userInfo",
            "end_session_endpoint": f"{hosted_ui}/logout",
            # RFC 7009 revocation (RFC 8414 metadata), as Cognito lists its domain's.
            "revocation_endpoint": f"{hosted_ui}/oauth2/revoke",
        }
    else:
        document["token_endpoint"] = f"{url.scheme}://{url.netloc}/{pool_id}{TOKEN_PATH}"
    document["token_endpoint_auth_methods_supported"] = [
        "client_secret_basic",
        "client_secret_post",
    ]
    return status, response_headers, json.dumps(document).encode()


_original_infer = DomainDispatcherApplication.infer_service_region_host


def _infer_service_region_host(
    self: DomainDispatcherApplication, environ: dict[str, Any], path: str
) -> str | None:
    """Route `/<poolId>/oauth2/token` to cognito-idp before moto reads the Authorization
    header: a client's HTTP Basic credentials are not a SigV4 signature (moto would pick S3)."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and "/".join(parts[1:]) == TOKEN_PATH.strip("/") and "_" in parts[0]:
        return f"cognito-idp.{parts[0].rsplit('_', 1)[0]}.amazonaws.com"
    return _original_infer(self, environ, path)


def apply() -> None:
    """Register the routes (idempotent); must run before moto builds its cognito-idp app."""
    urls.url_paths[_TOKEN_URL_PATH] = token_endpoint
    urls.url_paths[_DISCOVERY_URL_PATH] = discovery_document
    DomainDispatcherApplication.infer_service_region_host = _infer_service_region_host  # type: ignore[method-assign]
