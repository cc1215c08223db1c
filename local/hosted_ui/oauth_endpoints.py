"""The pool's OAuth endpoints a client calls directly: token, revoke, userInfo and the OIDC
discovery document. They answer OAuth JSON errors (never a page), and are the only routes with
CORS (cors.py)."""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Any

import jwt
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import errors
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from botocore.exceptions import ClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.bounded_json import check_jwt_bounds
from local.hosted_ui.errors import PageError
from local.hosted_ui.forms import read_form
from local.hosted_ui.grants import Grants, TokenRequest, authenticate_client
from local.hosted_ui.pool import Pool
from local.hosted_ui.render import NO_STORE
from local.hosted_ui.revocation import revoke
from local.hosted_ui.tokens import TokenMinter


def _oauth_text(text: str) -> str:
    """An error_description may hold only RFC 6749's characters (printable ASCII but '"' and
    '\\'): a parameter name echoed from the request gets '?' for any other."""
    forbidden = set(invalid_error_characters(text))
    return "".join("?" if char in forbidden else char for char in text)


@dataclass(frozen=True)
class OAuthEndpoints:
    """token, revoke, userInfo and discovery for one pool."""

    pool: Pool
    minter: TokenMinter
    grants: Grants
    base_url: str  # where the hosted UI serves, for the discovery document
    jwks_uri: str

    async def token(self, request: Request) -> Response:
        try:
            body = await self._token(request)
        except errors.OAuth2Error as error:
            description = error.description or error.get_error_description()
            payload = {"error": error.error, "error_description": description}
            headers = dict(NO_STORE)
            status = 400
            if isinstance(error, errors.InvalidClientError) and "authorization" in request.headers:
                status = 401  # RFC 6749 5.2: a failed HTTP authentication scheme
                headers["www-authenticate"] = 'Basic realm="token"'
            return JSONResponse(payload, status_code=status, headers=headers)
        return JSONResponse(body, headers=NO_STORE)

    @staticmethod
    async def _client_form(request: Request) -> tuple[dict[str, str], tuple[str, str] | None]:
        """A client's form post (token, revoke) and its HTTP Basic credentials, if sent."""
        try:
            fields = await read_form(request)
        except PageError as problem:
            raise errors.InvalidRequestError(description=_oauth_text(str(problem))) from None
        basic: tuple[str, str] | None = None
        if "authorization" in request.headers:
            try:
                client_id, secret = extract_basic_authorization(request.headers)
            except (ValueError, binascii.Error):  # not base64, or not UTF-8 (UnicodeError)
                client_id, secret = None, None
            if not client_id:
                raise errors.InvalidClientError(description="malformed Basic authorization")
            basic = (client_id, secret or "")
        return fields, basic

    async def revoke(self, request: Request) -> Response:
        """RFC 7009 revocation of a refresh token, as Cognito answers it (revocation.py)."""
        try:
            fields, basic = await self._client_form(request)
            await run_in_threadpool(revoke, self.pool, fields, basic)
        except errors.OAuth2Error as error:
            description = error.description or error.get_error_description()
            payload = {"error": error.error, "error_description": description}
            headers = dict(NO_STORE)
            status = 500 if error.error == "server_error" else 400
            if isinstance(error, errors.InvalidClientError):
                status = 401  # Cognito answers invalid_client with 401 here
                if "authorization" in request.headers:
                    headers["www-authenticate"] = 'Basic realm="revoke"'
            return JSONResponse(payload, status_code=status, headers=headers)
        return Response(status_code=200, headers=NO_STORE)

    async def _token(self, request: Request) -> dict[str, Any]:
        fields, basic = await self._client_form(request)
        grant_type = fields.get("grant_type", "")
        if not grant_type:
            raise errors.InvalidRequestError(description="grant_type is required")
        client = await run_in_threadpool(authenticate_client, self.pool, fields, basic)
        handler = self.grants.table.get(grant_type)
        if handler is None:
            raise errors.UnsupportedGrantTypeError(grant_type[:64])
        grant = TokenRequest(form=fields, client=client, pool=self.pool, minter=self.minter)
        return await run_in_threadpool(handler, grant)

    async def user_info(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._bearer_error("invalid_request", "an access token is required", 401)
        try:
            check_jwt_bounds(token.strip())  # before PyJWT parses it: no RecursionError
            claims = self.minter.verify(token.strip())
        except (ValueError, jwt.PyJWTError) as problem:
            return self._bearer_error("invalid_token", str(problem)[:200], 401)
        if "openid" not in str(claims.get("scope", "")).split():
            return self._bearer_error("insufficient_scope", "the token lacks the openid scope", 403)
        username, sub = claims.get("username"), claims.get("sub")
        if not isinstance(username, str) or not username or not isinstance(sub, str):
            return self._bearer_error("invalid_token", "the token names no user", 401)
        try:
            user = await run_in_threadpool(
                self.pool.cognito.admin_get_user, UserPoolId=self.pool.pool_id, Username=username
            )
        except ClientError:
            return self._bearer_error("invalid_token", "the user no longer exists", 401)
        info = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        info |= {"sub": sub, "username": user["Username"]}
        return JSONResponse(info, headers=NO_STORE)

    @staticmethod
    def _bearer_error(error: str, description: str, status: int) -> JSONResponse:
        header = f'Bearer error="{error}", error_description="{description}"'
        return JSONResponse(
            {"error": error, "error_description": description},
            status_code=status,
            headers=NO_STORE | {"www-authenticate": header},
        )

    async def discovery(self, request: Request) -> Response:
        base = self.base_url
        return JSONResponse(
            {
                "issuer": self.pool.issuer,
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
                "end_session_endpoint": f"{base}/logout",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "jwks_uri": self.jwks_uri,
                "response_types_supported": ["code", "token"],
                "grant_types_supported": sorted(self.grants.table),
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "revocation_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
            }
        )
