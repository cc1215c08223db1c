"""The pool's OAuth endpoints a client calls directly: token, revoke, userInfo and the OIDC
discovery document. They answer OAuth JSON errors (never a page), and are the only routes with
CORS (cors.py). Token, revoke and userInfo are the pool's: the request is forwarded as it came
and the pool's answer returned as it is (pool_oauth.py); nothing here reads or signs a token."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from local.hosted_ui.forms import MAX_FORM_BYTES
from local.hosted_ui.pool import Pool
from local.hosted_ui.pool_oauth import PoolOAuth


@dataclass(frozen=True)
class OAuthEndpoints:
    """token, revoke, userInfo and discovery for one pool."""

    pool: Pool
    pool_oauth: PoolOAuth  # answers token, revoke and userInfo
    base_url: str  # where the hosted UI serves, for the discovery document
    jwks_uri: str

    async def token(self, request: Request) -> Response:
        """Every grant, answered by the pool's token endpoint (pool_oauth.forward)."""
        return await self._forward(request, "token")

    async def revoke(self, request: Request) -> Response:
        """RFC 7009 revocation of a refresh token, answered by the pool."""
        return await self._forward(request, "revoke")

    async def user_info(self, request: Request) -> Response:
        """The token's user's attributes, answered by the pool."""
        return await self._forward(request, "userInfo")

    async def _forward(self, request: Request, endpoint: str) -> Response:
        """The request as it came (its body read up to one byte past the pool's limit, which
        the pool then refuses), and the pool's answer as it is."""
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                break
        answer = await run_in_threadpool(
            self.pool_oauth.forward, endpoint, request.method, dict(request.headers), bytes(body)
        )
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

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
                "grant_types_supported": [
                    "authorization_code",
                    "client_credentials",
                    "refresh_token",
                ],
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
