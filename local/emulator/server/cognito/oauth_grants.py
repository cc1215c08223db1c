"""The pool's OAuth grants for users, on Authlib's AuthorizationServer: authorization_code
(with PKCE S256) and refresh_token, as Cognito's token endpoint runs them.

Authlib does the protocol: grant dispatch, the code and refresh grants' checks, PKCE, the JSON
error answers. Cognito's specifics go in as hooks: its apps' clients (moto's, `PoolClient`),
codes that live five minutes and are consumed by any redemption attempt (a wrong verifier
burns the code), PKCE failures as `invalid_grant` (Authlib says invalid_request for a missing
or malformed verifier), refresh through the pool's own rules (refresh.py: revocation,
rotation with its grace period, the user still enabled), the granted scopes and the sign-in's
auth_time kept across refreshes. Tokens are minted by minting.py: at sign-in for a code (the
code carries them, so a failing trigger fails the sign-in, as today), at the refresh.

Kept as our code, and why: client authentication (`authenticate_client`): Authlib answers
every failure with 401 once client_secret_basic is allowed, and takes a form client_id that
differs from the Basic one; Cognito answers 400 unless the client sent an Authorization
header, and refuses the mismatch.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, errors
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7636 import CodeChallenge
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient

from . import refresh
from .exceptions import CognitoError
from .minting import REFRESH, Minted, OAuthFlow, user_tokens
from .models import pool_state

CODE_LIFETIME_SECONDS = 300
_STATE_ATTRIBUTE = "local_oauth_grants"
_lock = threading.RLock()  # oauth_state is also called while it is held


@dataclass(frozen=True)
class SignIn:
    """Who signed in, when (auth_time), and the refresh-token family of that sign-in."""

    username: str
    origin_jti: str
    auth_time: int


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scopes: tuple[str, ...]
    minted: Minted
    refresh_token: str
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.scopes)


@dataclass(frozen=True)
class RefreshGrant:
    """A refresh token the OAuth flows issued: its client, scopes and sign-in."""

    client_id: str
    scopes: tuple[str, ...]
    sign_in: SignIn
    token: str = ""

    def check_client(self, client: PoolClient) -> bool:
        return client.client.id == self.client_id

    def get_scope(self) -> str:
        return " ".join(self.scopes)


@dataclass
class OAuthState:
    """Outstanding codes, the OAuth refresh families (by origin_jti) and the hosted UI's
    sign-in sessions, kept on the pool."""

    codes: dict[str, CodeGrant] = field(default_factory=dict)
    families: dict[str, RefreshGrant] = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)  # authorize.Session by handle


def oauth_state(pool: CognitoIdpUserPool) -> OAuthState:
    """The pool's OAuth state, made on first use (kept with the pool in the snapshot)."""
    with _lock:
        state = vars(pool).setdefault(_STATE_ATTRIBUTE, OAuthState())
    assert isinstance(state, OAuthState)
    return state


def new_code(pool: CognitoIdpUserPool, grant: CodeGrant) -> str:
    """A single-use code for `grant`; stale codes go."""
    code = secrets.token_urlsafe(32)
    state, now = oauth_state(pool), time.time()
    with _lock:
        for stale in [c for c, g in state.codes.items() if g.expires_at < now]:
            del state.codes[stale]
        state.codes[code] = grant
    return code


def remember_refresh(pool: CognitoIdpUserPool, grant: RefreshGrant) -> None:
    oauth_state(pool).families[grant.sign_in.origin_jti] = grant


class PoolClient(ClientMixin):  # type: ignore[misc]
    """A moto app client, as Authlib asks about it."""

    def __init__(self, client: CognitoIdpUserPoolClient) -> None:
        self.client = client
        config = client.extended_config
        self.flows = frozenset(config.get("AllowedOAuthFlows") or ())
        self.oauth_enabled = config.get("AllowedOAuthFlowsUserPoolClient") in (True, "true")

    def get_client_id(self) -> str:
        return str(self.client.id)

    def check_grant_type(self, grant_type: str) -> bool:
        # The code flow's own check runs after the code is consumed (CodeGrantFlow).
        return self.oauth_enabled

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return True


def basic_credentials(request: FlaskOAuth2Request) -> tuple[str, str] | None:
    if request.headers.get("Authorization") is None:
        return None
    try:
        client_id, secret = extract_basic_authorization(request.headers)
    except (ValueError, UnicodeError):
        client_id, secret = None, None
    if not client_id:
        raise errors.InvalidClientError(description="malformed Basic authorization")
    return client_id, secret or ""


def authenticate_client(
    pool: CognitoIdpUserPool, request: FlaskOAuth2Request, methods: Any = None, endpoint: Any = None
) -> PoolClient:
    """The calling client: HTTP Basic or client_id (+ client_secret) in the form, as Cognito."""
    form, basic = request.form, basic_credentials(request)
    if basic is not None:
        client_id, secret = basic
        if form.get("client_id") not in (None, client_id):
            raise errors.InvalidRequestError(
                description="client_id differs from the Basic credentials"
            )
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id:
        raise errors.InvalidClientError(description="client_id is required")
    client = pool.clients.get(client_id)
    if client is None:
        raise errors.InvalidClientError(description="unknown client")
    if not client.generate_secret:
        if secret:
            raise errors.InvalidClientError(description="this client has no secret")
    elif not hmac.compare_digest(str(secret).encode(), str(client.secret).encode()):
        raise errors.InvalidClientError(description="client authentication failed")
    found = PoolClient(client)
    if not found.oauth_enabled:
        raise errors.UnauthorizedClientError(description="the client has no OAuth flows")
    request.auth_method = "client_secret_basic" if basic else "client_secret_post"
    return found


class CognitoCodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE S256; every verifier failure is invalid_grant, as Cognito answers it."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        try:
            super().validate_code_verifier(grant, result)
        except errors.InvalidRequestError as problem:
            raise errors.InvalidGrantError(description=problem.description) from None

    def get_authorization_code_challenge(self, authorization_code: CodeGrant) -> str | None:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: CodeGrant) -> str:
        return "S256"


class CodeGrantFlow(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def query_authorization_code(self, code: str, client: PoolClient) -> CodeGrant:
        """Any attempt consumes the code, so a refused one cannot be retried."""
        pool = self.server.pool
        with _lock:
            grant = oauth_state(pool).codes.pop(code, None)
        if "code" not in client.flows:
            raise errors.UnauthorizedClientError(
                description="the client may not use the code grant"
            )
        if grant is None or grant.client_id != client.client.id:
            raise errors.InvalidGrantError(description="the code is unknown or was already used")
        if grant.expires_at < time.time():
            raise errors.InvalidGrantError(description="the code has expired")
        if self.request.form.get("redirect_uri", "") != grant.redirect_uri:
            raise errors.InvalidGrantError(
                description="redirect_uri does not match the authorize request"
            )
        return grant

    def delete_authorization_code(self, authorization_code: CodeGrant) -> None:
        """Consumed already (query_authorization_code)."""

    def authenticate_user(self, authorization_code: CodeGrant) -> CodeGrant:
        return authorization_code


class RefreshFlow(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshGrant:
        """An OAuth-issued refresh token the pool still honours (refresh.py's rules)."""
        pool = self.server.pool
        origin = pool_state(pool).refresh_index.get(refresh_token)
        grant = oauth_state(pool).families.get(origin) if origin is not None else None
        if grant is None:
            raise errors.InvalidGrantError(description="Invalid Refresh Token")
        return RefreshGrant(grant.client_id, grant.scopes, grant.sign_in, refresh_token)

    def authenticate_user(self, refresh_token: RefreshGrant) -> RefreshGrant:
        return refresh_token

    def revoke_old_credential(self, refresh_token: RefreshGrant) -> None:
        """Rotation (or not) is the pool's: refresh.py."""


class PoolAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One pool's token endpoint for the user grants."""

    def __init__(self, pool: CognitoIdpUserPool) -> None:
        super().__init__()
        self.pool = pool
        self.register_grant(CodeGrantFlow, [CognitoCodeChallenge(required=False)])
        self.register_grant(RefreshFlow)
        self.register_token_generator("default", self._tokens)

    def query_client(self, client_id: str) -> PoolClient | None:
        client = self.pool.clients.get(client_id)
        return PoolClient(client) if client is not None else None

    def authenticate_client(self, request: Any, methods: Any, endpoint: str = "token") -> Any:
        return authenticate_client(self.pool, request)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """The pool keeps its tokens (minting.py, refresh families)."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No listeners."""

    def create_oauth2_request(self, request: Any) -> FlaskOAuth2Request:
        return request if isinstance(request, FlaskOAuth2Request) else FlaskOAuth2Request(request)

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def _tokens(
        self,
        grant_type: str,
        client: PoolClient,
        user: CodeGrant | RefreshGrant | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        if isinstance(user, CodeGrant):
            return _as_json(user.minted, user.refresh_token)
        assert isinstance(user, RefreshGrant)
        return _refreshed(self.pool, client.client, user)


def _as_json(minted: Minted, refresh_token: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": minted.access_token}
    if minted.id_token is not None:
        body["id_token"] = minted.id_token
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    return body | {"expires_in": minted.expires_in, "token_type": "Bearer"}


def _refreshed(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, grant: RefreshGrant
) -> dict[str, Any]:
    """New tokens under the pool's refresh rules; with rotation a new refresh token too."""
    try:
        family = refresh.usable_family(pool, client, grant.token)
    except CognitoError as refused:
        raise errors.InvalidGrantError(description=refused.message) from None
    sign_in = grant.sign_in
    flow = OAuthFlow(scopes=grant.scopes, auth_time=sign_in.auth_time)
    minted = user_tokens(
        pool, client.id, family.username, family.origin_jti, source=REFRESH, flow=flow
    )
    new_token = refresh.rotate(pool, client, family)
    return _as_json(minted, new_token)
