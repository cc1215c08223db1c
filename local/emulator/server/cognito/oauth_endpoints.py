"""The pool's OAuth endpoints for users' apps: the token endpoint's user grants
(authorization_code, refresh_token: oauth_grants.py), `POST /<poolId>/oauth2/revoke` (RFC 7009)
and `GET|POST /<poolId>/oauth2/userInfo`, answering as Cognito's domain does (and as the local
hosted UI, which forwards these requests here byte for byte, always answered).

Token and revoke: an application/x-www-form-urlencoded body of at most 16 KiB and 32 fields,
UTF-8, each field once; errors are `{"error", "error_description"}`, 400, or 401 for a client
that failed HTTP authentication (with a `WWW-Authenticate: Basic` challenge). Revoke answers
200 with no body for a revoked, unknown or already revoked refresh token, 400
`unsupported_token_type` for an access or ID token, 400 `invalid_request` when revocation is
off for the client, 401 `invalid_client` for bad client credentials. userInfo takes a Bearer
access token of this pool with the `openid` scope and answers the user's attributes.

Kept as our code (not Authlib's RevocationEndpoint / UserInfoEndpoint), and why: the
revocation is the pool's RevokeToken rules (revocation.py) with Cognito's statuses (401 for any
invalid_client, 400 for a JWT), which Authlib's endpoint does not answer; userInfo's answer is
Cognito's (the user's attributes, not an OIDC claims filter by scope).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import errors
from joserfc import jws, jwt
from joserfc.errors import JoseError
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from local.bounded_json import check_jwt_bounds

from .. import moto_seam
from . import client_credentials, keys, revocation
from .exceptions import CognitoError
from .oauth_grants import PoolAuthorizationServer, authenticate_client, basic_credentials
from .pool_settings import issuer

USER_GRANTS = ("authorization_code", "refresh_token")
# Sent by the run's hosted UI when it forwards a token request: the answer is then the domain's
# for every grant (client_credentials' errors too get an error_description and a 401).
DOMAIN_HEADER = "X-Local-Hosted-Ui"
_CLIENT_CREDENTIALS_ERRORS: dict[str, type[errors.OAuth2Error]] = {
    "invalid_client": errors.InvalidClientError,
    "invalid_scope": errors.InvalidScopeError,
    "unauthorized_client": errors.UnauthorizedClientError,
    "unsupported_grant_type": errors.UnsupportedGrantTypeError,
    "invalid_grant": errors.InvalidGrantError,
}
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 32
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# RevokeToken's `Token` pattern; anything else is no token the pool could have issued.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-_=.]+")

Response = tuple[int, dict[str, str], bytes]


class UnsupportedTokenTypeError(errors.OAuth2Error):  # type: ignore[misc]
    """RFC 7009 2.2.1: the server does not revoke this kind of token."""

    error = "unsupported_token_type"


def json_answer(status: int, body: Any, extra: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": "application/json", **NO_STORE, **(extra or {})}
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return status, headers, text.encode()


def _oauth_text(text: str) -> str:
    forbidden = set(invalid_error_characters(text))
    return "".join("?" if char in forbidden else char for char in text)


def checked_form(request: Any) -> None:
    """Refuse, as invalid_request, a body that is not a small, single-valued UTF-8 form."""
    media_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise errors.InvalidRequestError(
            description="the body must be application/x-www-form-urlencoded"
        )
    body = request.get_data(cache=True)
    if len(body) > MAX_FORM_BYTES:
        raise errors.InvalidRequestError(
            description=f"the body is larger than {MAX_FORM_BYTES} bytes"
        )
    try:
        pairs = parse_qsl(
            body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError:
        raise errors.InvalidRequestError(description="the body is not UTF-8") from None
    except ValueError:
        raise errors.InvalidRequestError(
            description=f"the body has more than {MAX_FORM_FIELDS} fields"
        ) from None
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise errors.InvalidRequestError(
                description=_oauth_text(f"form parameter '{key[:64]}' appears more than once")
            )
        seen.add(key)


def _error(request: Any, error: errors.OAuth2Error, realm: str, *, always_401: bool) -> Response:
    description = error.description or error.get_error_description()
    status = 500 if error.error == "server_error" else 400
    extra: dict[str, str] = {}
    if isinstance(error, errors.InvalidClientError):
        sent_authorization = "Authorization" in request.headers
        if always_401 or sent_authorization:
            status = 401  # RFC 6749 5.2: a failed HTTP authentication scheme
        if sent_authorization:
            extra["WWW-Authenticate"] = f'Basic realm="{realm}"'
    return json_answer(status, {"error": error.error, "error_description": description}, extra)


def domain_token(pool: CognitoIdpUserPool, request: Any) -> Response:
    """The token endpoint as the pool's domain answers it: every grant, errors with an
    error_description (the user grants always; client_credentials when the hosted UI forwards
    the request, `DOMAIN_HEADER`)."""
    try:
        checked_form(request)
        oauth_request = FlaskOAuth2Request(request)
        basic_credentials(oauth_request)  # a malformed Basic header first: invalid_client
        grant_type = request.form.get("grant_type", "")
        if not grant_type:
            raise errors.InvalidRequestError(description="grant_type is required")
        client = authenticate_client(pool, oauth_request)  # Cognito checks the client first
        if grant_type == "client_credentials":
            return json_answer(200, _client_credentials(pool, client.client, request))
        if grant_type not in USER_GRANTS:
            raise errors.UnsupportedGrantTypeError(grant_type[:64])
        status, body, _ = PoolAuthorizationServer(pool).create_token_response(oauth_request)
    except errors.OAuth2Error as error:
        return _error(request, error, "token", always_401=False)
    return json_answer(status, body)


def _client_credentials(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, request: Any
) -> dict[str, Any]:
    if not client.generate_secret:
        raise errors.InvalidClientError(description="client_credentials needs a client secret")
    try:
        return client_credentials.issue(pool, client, request.form.get("scope") or None)
    except client_credentials.OAuthError as refused:
        error_class = _CLIENT_CREDENTIALS_ERRORS.get(refused.error, errors.InvalidRequestError)
        raise error_class(description=f"the pool answered {refused.error}") from None


def revoke(pool: CognitoIdpUserPool, request: Any) -> Response:
    """`POST /<poolId>/oauth2/revoke`: a refresh token's family, for its own client."""
    if request.method != "POST":
        return json_answer(405, {"error": "invalid_request"}, {"Allow": "POST"})
    try:
        checked_form(request)
        oauth_request = FlaskOAuth2Request(request)
        client = authenticate_client(pool, oauth_request).client
        token = request.form.get("token", "")
        if not token:
            raise errors.InvalidRequestError(description="token is required")
        if client.extended_config.get("EnableTokenRevocation") is False:
            raise errors.InvalidRequestError(description="token revocation is off for this client")
        if _is_jwt(token):
            raise UnsupportedTokenTypeError(description="only refresh tokens can be revoked")
        if _TOKEN_PATTERN.fullmatch(token):
            _revoke(pool, client, token)
    except errors.OAuth2Error as error:
        return _error(request, error, "revoke", always_401=True)
    return 200, dict(NO_STORE), b""


def _is_jwt(token: str) -> bool:
    """An access or ID token (a signed JWT); Cognito's refresh tokens are not JWS."""
    if token.count(".") != 2:
        return False
    try:
        jws.extract_compact(token.encode())
    except (JoseError, ValueError):
        return False
    return True


def _revoke(pool: CognitoIdpUserPool, client: Any, token: str) -> None:
    try:
        revocation.revoke_token(pool, client, token, client.secret)
    except CognitoError as refused:
        code, message = refused.error_type, refused.message
        if code == "UnsupportedTokenTypeException":
            raise UnsupportedTokenTypeError(description=message) from None
        if code == "UnsupportedOperationException":
            raise errors.InvalidRequestError(description=message) from None
        if code == "UnauthorizedException":  # a token of another client (RFC 7009 2.1)
            raise errors.UnauthorizedClientError(description=message) from None
        if code == "NotAuthorizedException":
            raise errors.InvalidClientError(description=message) from None
        # InvalidParameterException: an unknown token, which is a success (200)


def user_info(pool: CognitoIdpUserPool, request: Any) -> Response:
    """`GET|POST /<poolId>/oauth2/userInfo`: the token's user's attributes."""
    if request.method not in ("GET", "POST"):
        return json_answer(405, {"error": "invalid_request"}, {"Allow": "GET, POST"})
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _bearer_error("invalid_request", "an access token is required", 401)
    try:
        claims = _verified_access_claims(pool, token)
    except ValueError as problem:
        return _bearer_error("invalid_token", _oauth_text(str(problem))[:200], 401)
    if "openid" not in str(claims.get("scope", "")).split():
        return _bearer_error("insufficient_scope", "the token lacks the openid scope", 403)
    username, sub = claims.get("username"), claims.get("sub")
    if not isinstance(username, str) or not username or not isinstance(sub, str):
        return _bearer_error("invalid_token", "the token names no user", 401)
    user = moto_seam.get_user(pool, username)
    if user is None:
        return _bearer_error("invalid_token", "the user no longer exists", 401)
    info = {a["Name"]: a["Value"] for a in user.attributes}
    return json_answer(200, info | {"sub": sub, "username": user.username})


def _verified_access_claims(pool: CognitoIdpUserPool, token: str) -> dict[str, Any]:
    """The claims of an unexpired access token this pool signed; ValueError otherwise."""
    check_jwt_bounds(token)  # before the JSON is parsed: no RecursionError
    try:
        claims = dict(jwt.decode(token, keys.own_key(pool)[0], algorithms=["RS256"]).claims)
    except (JoseError, ValueError, TypeError, UnicodeError) as problem:
        raise ValueError(f"the token does not verify: {type(problem).__name__}") from None
    if claims.get("iss") != issuer(pool):
        raise ValueError("the token is not of this pool")
    if claims.get("token_use") != "access":
        raise ValueError("not an access token")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires < time.time() or "iat" not in claims:
        raise ValueError("the token has expired")
    return claims


def _bearer_error(error: str, description: str, status: int) -> Response:
    header = f'Bearer error="{error}", error_description="{description}"'
    body = {"error": error, "error_description": description}
    return json_answer(status, body, {"WWW-Authenticate": header})
