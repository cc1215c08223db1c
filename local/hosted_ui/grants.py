"""Authorization codes, refresh tokens and the token endpoint's grants, keyed by grant_type.

A code is single use, lives five minutes (as on Cognito) and is bound to the client, the exact
redirect_uri and, when the authorize request carried one, the PKCE S256 challenge. Any attempt
to redeem a code consumes it, so a wrong verifier cannot be retried against the same code.
Other grants (client_credentials) plug into the same table.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import errors
from authlib.oauth2.rfc7636.challenge import CODE_VERIFIER_PATTERN, compare_s256_code_challenge

from local.hosted_ui.pool import AppClient, Pool
from local.hosted_ui.tokens import IssuedTokens, RefreshRefusedError, SignedIn, TokenMinter

CODE_LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scopes: tuple[str, ...]
    tokens: IssuedTokens
    expires_at: float
    signed_in: SignedIn


@dataclass(frozen=True)
class RefreshGrant:
    client_id: str
    scopes: tuple[str, ...]
    signed_in: SignedIn  # since when (auth_time survives every refresh)


@dataclass(frozen=True)
class TokenRequest:
    """A token request whose client is known and authenticated."""

    form: Mapping[str, str]
    client: AppClient
    pool: Pool
    minter: TokenMinter


GrantHandler = Callable[[TokenRequest], dict[str, Any]]


@dataclass
class GrantStore:
    """Outstanding codes and the refresh tokens this server handed out (in memory, per run)."""

    codes: dict[str, CodeGrant] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_code(
        self,
        client_id: str,
        redirect_uri: str,
        code_challenge: str | None,
        scopes: tuple[str, ...],
        tokens: IssuedTokens,
        signed_in: SignedIn,
    ) -> str:
        code = str(generate_token(43))
        now = time.monotonic()
        with self.lock:
            for stale in [c for c, g in self.codes.items() if g.expires_at < now]:
                del self.codes[stale]
            self.codes[code] = CodeGrant(
                client_id,
                redirect_uri,
                code_challenge,
                scopes,
                tokens,
                now + CODE_LIFETIME_SECONDS,
                signed_in,
            )
        return code

    def take_code(self, code: str) -> CodeGrant | None:
        with self.lock:
            return self.codes.pop(code, None)

    def remember_refresh(
        self, tokens: IssuedTokens, client_id: str, scopes: tuple[str, ...], signed_in: SignedIn
    ) -> None:
        if tokens.refresh_token is not None:
            with self.lock:
                grant = RefreshGrant(client_id, scopes, signed_in)
                self.refresh_tokens[tokens.refresh_token] = grant

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self.lock:
            return self.refresh_tokens.get(token)


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise errors.InvalidRequestError(description=f"{name} is required")
    return value


class Grants:
    """The token endpoint's grants: authorization_code and refresh_token, plus any plugged in."""

    def __init__(self, store: GrantStore, extra: Mapping[str, GrantHandler] | None = None) -> None:
        self.store = store
        self.table: dict[str, GrantHandler] = {
            "authorization_code": self.authorization_code,
            "refresh_token": self.refresh_token,
        }
        self.table.update(extra or {})

    def authorization_code(self, request: TokenRequest) -> dict[str, Any]:
        code = _required(request.form, "code")
        # Consumed by any attempt, good or bad, even by a client that may not redeem codes:
        # a refused attempt must not leave the code for a second try.
        grant = self.store.take_code(code)
        if "code" not in request.client.flows:
            raise errors.UnauthorizedClientError(
                description="the client may not use the code grant"
            )
        if grant is None or grant.client_id != request.client.client_id:
            raise errors.InvalidGrantError(description="the code is unknown or was already used")
        if grant.expires_at < time.monotonic():
            raise errors.InvalidGrantError(description="the code has expired")
        if request.form.get("redirect_uri", "") != grant.redirect_uri:
            raise errors.InvalidGrantError(
                description="redirect_uri does not match the authorize request"
            )
        verifier = request.form.get("code_verifier")
        if grant.code_challenge is not None:
            if not verifier or not CODE_VERIFIER_PATTERN.match(verifier):
                raise errors.InvalidGrantError(description="code_verifier is missing or malformed")
            if not compare_s256_code_challenge(verifier, grant.code_challenge):
                raise errors.InvalidGrantError(description="code_verifier does not match")
        elif verifier is not None:
            raise errors.InvalidGrantError(
                description="the authorize request had no code_challenge"
            )
        self.store.remember_refresh(grant.tokens, grant.client_id, grant.scopes, grant.signed_in)
        return grant.tokens.as_json()

    def refresh_token(self, request: TokenRequest) -> dict[str, Any]:
        """New tokens through the pool's refresh API: a token the pool revoked or rotated out is
        `invalid_grant` with the pool's message. With rotation the answer has the new refresh
        token, remembered with the same scopes and sign-in."""
        token = _required(request.form, "refresh_token")
        grant = self.store.refresh_grant(token)
        if grant is None or grant.client_id != request.client.client_id:
            raise errors.InvalidGrantError(description="Invalid Refresh Token")
        try:
            result = request.minter.refresh(request.client, token)
        except RefreshRefusedError as refused:
            raise errors.InvalidGrantError(description=str(refused)) from None
        tokens = request.minter.for_flow(
            result,
            grant.scopes,
            refresh_token=result.get("RefreshToken"),
            auth_time=grant.signed_in.auth_time,
        )
        self.store.remember_refresh(tokens, grant.client_id, grant.scopes, grant.signed_in)
        return tokens.as_json()


def authenticate_client(
    pool: Pool, form: Mapping[str, str], basic: tuple[str, str] | None
) -> AppClient:
    """The calling client: HTTP Basic or client_id (+ client_secret) in the body, as Cognito."""
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
    client = pool.client(client_id)
    if client is None:
        raise errors.InvalidClientError(description="unknown client")
    if client.secret is None:
        if secret:
            raise errors.InvalidClientError(description="this client has no secret")
    elif not hmac.compare_digest(secret.encode(), client.secret.encode()):
        raise errors.InvalidClientError(description="client authentication failed")
    if not client.oauth_enabled:
        raise errors.UnauthorizedClientError(description="the client has no OAuth flows")
    return client
