"""The pool's OAuth endpoints on the emulator: the token endpoint (client_credentials here;
the user grants, revoke and userInfo in oauth_endpoints.py), the hosted UI's authorize
decisions (authorize.py) and the pool's place in discovery (request handling; the routes are
urls.py).

Real Cognito serves `POST https://<domain>/oauth2/token`; moto's answers 500. Locally the
endpoint lives on the emulator next to the pool's JWKS: `POST /<poolId>/oauth2/token`, and the
pool's `/.well-known/openid-configuration` lists it as `token_endpoint`, the way Cognito's
document lists its domain's. Errors are Cognito's JSON bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from local.emulator.server.persistence import run_metadata
from local.emulator.wire import HOSTED_UI_METADATA

from . import authorize, authorize_choice, authorize_passkey, client_credentials, oauth_endpoints
from .client_credentials import OAuthError, authenticated_client
from .exceptions import UserLambdaValidationError
from .models import pool_by_id
from .pool_settings import issuer

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path
REVOKE_PATH = "/oauth2/revoke"
USER_INFO_PATH = "/oauth2/userInfo"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Response = tuple[int, dict[str, str], bytes]
Handler = Callable[[Any, str, Any], Response]


def _json(status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": "application/json;charset=UTF-8", **_NO_STORE, **(extra or {})}
    return status, headers, json.dumps(body).encode()


def token_endpoint(request: Any, full_url: str, headers: Any) -> Response:
    """`POST /<poolId>/oauth2/token`: Cognito's token endpoint, client_credentials grant."""
    pool_id = urlparse(full_url).path.strip("/").split("/")[0]
    try:
        if request.method != "POST":
            return _json(405, {"error": "invalid_request"}, {"Allow": "POST"})
        pool = pool_by_id(pool_id)
        if pool is None:
            return _json(404, {"error": "invalid_request"})
        domain = request.headers.get(oauth_endpoints.DOMAIN_HEADER) is not None
        if domain or request.form.get("grant_type") in oauth_endpoints.USER_GRANTS:
            return oauth_endpoints.domain_token(pool, request)
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request")
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request")
        if grant_type not in ("client_credentials", "authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type")
        client = authenticated_client(pool, request)
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type")
        answer = client_credentials.issue(pool, client, request.form.get("scope"))
    except OAuthError as error:
        return _json(error.status, {"error": error.error})
    return _json(200, answer)


def _pool_of(full_url: str) -> Any:
    return pool_by_id(urlparse(full_url).path.strip("/").split("/")[0])


def revoke_endpoint(request: Any, full_url: str, headers: Any) -> Response:
    """`POST /<poolId>/oauth2/revoke` (oauth_endpoints.revoke)."""
    pool = _pool_of(full_url)
    if pool is None:
        return _json(404, {"error": "invalid_request"})
    return oauth_endpoints.revoke(pool, request)


def user_info_endpoint(request: Any, full_url: str, headers: Any) -> Response:
    """`GET|POST /<poolId>/oauth2/userInfo` (oauth_endpoints.user_info)."""
    pool = _pool_of(full_url)
    if pool is None:
        return _json(404, {"error": "invalid_request"})
    return oauth_endpoints.user_info(pool, request)


Asked = dict[str, Any]  # the hosted UI's request: action, query and the action's fields


def _check(pool: Any, asked: Asked) -> dict[str, Any]:
    client = authorize.check(pool, asked.get("query")).client
    return {"decision": "login", "factors": authorize_choice.offered_factors(pool, client)}


def _end(pool: Any, asked: Asked) -> dict[str, Any]:
    authorize.end(pool, asked.get("session"))
    return {"decision": "ended"}


# The hosted UI's decisions by action (wire.POOL_AUTHORIZE_PATH): authorize.py's, the
# choice-based sign-in's steps (authorize_choice.py) and the passkey page's
# (authorize_passkey.py).
_DECISIONS: dict[str, Callable[[Any, Asked], dict[str, Any]]] = {
    "check": _check,
    "sign_in": lambda pool, a: authorize.sign_in(
        pool, a.get("query"), a.get("username"), a.get("password")
    ),
    "start": lambda pool, a: authorize_choice.start(
        pool, a.get("query"), a.get("username"), a.get("factor")
    ),
    "answer": lambda pool, a: authorize_choice.answer(
        pool,
        a.get("query"),
        a.get("username"),
        a.get("challenge"),
        a.get("authSession"),
        a.get("response"),
    ),
    "resume": lambda pool, a: authorize.resume(pool, a.get("query"), a.get("session")),
    "end": _end,
    "passkey_options": lambda pool, a: authorize_passkey.options(
        pool, a.get("query"), a.get("session")
    ),
    "passkey_register": lambda pool, a: authorize_passkey.register(
        pool, a.get("query"), a.get("session"), a.get("response")
    ),
}


def authorize_decision(request: Any, full_url: str, headers: Any) -> Response:
    """`POST /_local/oauth/authorize`: the hosted UI asks the pool (authorize.py)."""
    if request.method != "POST":
        return _json(405, {"message": "use POST"}, {"Allow": "POST"})
    try:
        asked = json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeError):
        asked = None
    if not isinstance(asked, dict):
        return _json(400, {"message": "the body must be a JSON object"})
    pool = pool_by_id(asked.get("userPoolId"))
    if pool is None:
        return _json(404, {"message": "no such user pool"})
    decide = _DECISIONS.get(str(asked.get("action")))
    if decide is None:
        return _json(400, {"message": f"action must be one of {', '.join(_DECISIONS)}"})
    try:
        answer = decide(pool, asked)
    except authorize.Decision as decided:
        answer = decided.answer
    except UserLambdaValidationError as failed:
        answer = {"decision": "login_error", "message": failed.message}
    return _json(200, answer)


def discovery_document(
    moto_discovery: Handler, request: Any, full_url: str, headers: Any
) -> Response:
    """moto's document plus the pool's OAuth endpoints, as Cognito lists its domain's: those
    of the local hosted UI (revocation included) when the run recorded one for this pool
    (`HOSTED_UI_METADATA`), else the token endpoint on this server (which revokes nothing)."""
    status, response_headers, body = moto_discovery(request, full_url, headers)
    if status != 200:
        return status, response_headers, body
    url = urlparse(full_url)
    pool_id = url.path.strip("/").split("/")[0]
    document = json.loads(body)
    pool = pool_by_id(pool_id)
    if pool is not None:  # the issuer format's `iss` (the path is /<poolId> in both)
        document["issuer"] = issuer(pool)
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
