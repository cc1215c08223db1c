"""Tokens for OAuth flows: the pool's tokens for the user, shaped as Cognito's OAuth endpoints
issue them.

The user signs in through the pool's AdminInitiateAuth (the password is checked by the pool, and
the ID token carries the pool's claims); refresh goes through the pool's refresh API, so a
revoked or rotated-out refresh token is refused there. The pool writes
`scope: aws.cognito.signin.user.admin` into access tokens, as InitiateAuth does on AWS; tokens
from Cognito's OAuth endpoints differ, and this module makes them so:

* the access token's `scope` is the granted scopes (plus what the pre token trigger added);
* the ID token carries the authorize request's `nonce` (code and implicit flows; not after a
  refresh, which has no authorize request), `at_hash` of the access token issued with it
  (OIDC Core 3.1.3.6; no `c_hash`: Cognito has no hybrid flow), `email_verified` as a boolean,
  and `auth_time` = when the user signed in with the password, kept across refreshes and
  signed-in-already authorizations (OIDC Core 2 and 12.2);

and both are signed again with the pool's key (the emulator's key, same `kid`), which is what
the API's authorizer and any verifier fetch from the pool's JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from authlib.oidc.core.util import create_half_hash
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

from local.hosted_ui.pool import AppClient, Pool
from tools.jwt_signing import SigningKey

# What InitiateAuth tokens carry; never part of an OAuth flow's scopes.
ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
TOKEN_LIFETIME_SECONDS = 3600


class SignInError(Exception):
    """The pool refused the sign-in; the message is what the login page shows."""


class RefreshRefusedError(Exception):
    """The pool refused a refresh token (revoked, rotated out, expired, unknown): the message is
    the pool's own (e.g. "Refresh Token has been revoked"), for `invalid_grant`."""


# What the pool answers for a refresh token it will not honour.
_REFRESH_REFUSALS = frozenset({"NotAuthorizedException", "UserNotFoundException"})


@dataclass(frozen=True)
class SignedIn:
    """One password sign-in: when it happened (its tokens' `auth_time`, kept by every refresh
    and signed-in-already authorize that follows)."""

    auth_time: int


@dataclass(frozen=True)
class IssuedTokens:
    id_token: str | None  # only with the openid scope, as on Cognito
    access_token: str
    refresh_token: str | None
    expires_in: int

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": self.access_token}
        if self.id_token is not None:
            body["id_token"] = self.id_token
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body | {"expires_in": self.expires_in, "token_type": "Bearer"}


_LOCKED_OUT = "Password attempts exceeded"  # the pool's lockout message
_SIGN_IN_ERRORS = {
    "NotAuthorizedException": "Incorrect username or password.",
    "UserNotFoundException": "Incorrect username or password.",
    "UserNotConfirmedException": "User is not confirmed.",
    "PasswordResetRequiredException": "Password reset required for the user.",
    # Cognito's own hosted UI needs no ExplicitAuthFlows; this one signs in through the pool's
    # ADMIN_USER_PASSWORD_AUTH, which the client must allow (the deployed ones do).
    "InvalidParameterException": "This app client does not allow ADMIN_USER_PASSWORD_AUTH, "
    "which the local hosted UI signs in with.",
}


class TokenMinter:
    """Signs users in against the pool and shapes their tokens for an OAuth flow."""

    def __init__(self, pool: Pool, signer: Callable[[], SigningKey]) -> None:
        """`signer` gives the pool's own signing key (read once, on first use)."""
        self.pool = pool
        self._get_signer = signer
        self._key: SigningKey | None = None

    @property
    def _signer(self) -> SigningKey:
        if self._key is None:
            self._key = self._get_signer()
        return self._key

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._signer.private_key.public_key()

    def sign_in(self, client_id: str, username: str, password: str) -> dict[str, Any]:
        """moto's AuthenticationResult for a correct password, else SignInError."""
        parameters = {"USERNAME": username, "PASSWORD": password}
        client = self.pool.client(client_id)
        if client is not None and client.secret is not None:  # the pool checks it, as Cognito
            parameters["SECRET_HASH"] = secret_hash(client, username)
        try:
            answer = self.pool.cognito.admin_initiate_auth(
                UserPoolId=self.pool.pool_id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=parameters,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if error.response.get("Error", {}).get("Message") == _LOCKED_OUT:
                raise SignInError(_LOCKED_OUT) from None  # the pool's lockout, said as such
            if code in _SIGN_IN_ERRORS:
                raise SignInError(_SIGN_IN_ERRORS[code]) from None
            raise
        if "AuthenticationResult" not in answer:
            challenge = answer.get("ChallengeName", "a challenge")
            raise SignInError(
                f"This account needs {challenge}, which the local hosted UI does not offer: "
                "use `make token` or the AWS API for it."
            )
        result: dict[str, Any] = answer["AuthenticationResult"]
        return result

    def signed_in(self, result: dict[str, Any]) -> SignedIn:
        """When a fresh password sign-in happened (the pool's auth_time, else now)."""
        auth_time = self.verify(result["AccessToken"]).get("auth_time")
        return SignedIn(auth_time=auth_time if isinstance(auth_time, int) else int(time.time()))

    def refresh(self, client: AppClient, refresh_token: str) -> dict[str, Any]:
        """New tokens from the pool's refresh API for a refresh token this server issued:
        GetTokensFromRefreshToken for a client with rotation (it also answers the new refresh
        token; Cognito refuses REFRESH_TOKEN_AUTH there) or with a secret (it takes the secret
        itself, where REFRESH_TOKEN_AUTH would need a SECRET_HASH over a user name), else
        REFRESH_TOKEN_AUTH. RefreshRefusedError when the pool refuses the token."""
        cognito = self.pool.cognito
        try:
            if client.refresh_rotation or client.secret is not None:
                extra = {} if client.secret is None else {"ClientSecret": client.secret}
                answer = cognito.get_tokens_from_refresh_token(
                    RefreshToken=refresh_token, ClientId=client.client_id, **extra
                )
            else:
                parameters = {"REFRESH_TOKEN": refresh_token}
                answer = cognito.admin_initiate_auth(
                    UserPoolId=self.pool.pool_id,
                    ClientId=client.client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters=parameters,
                )
        except ClientError as error:
            details = error.response.get("Error", {})
            if details.get("Code") in _REFRESH_REFUSALS:
                raise RefreshRefusedError(
                    details.get("Message") or "Invalid Refresh Token"
                ) from None
            raise
        result: dict[str, Any] = answer["AuthenticationResult"]
        return result

    def for_flow(
        self,
        result: dict[str, Any],
        scopes: Sequence[str],
        *,
        refresh_token: str | None,
        auth_time: int,
        nonce: str | None = None,
    ) -> IssuedTokens:
        """The flow's tokens: the access token carries the granted scopes, plus any the pool's
        pre token trigger added (Cognito applies the trigger to OAuth flows too); the ID token
        (with `openid` only) the OIDC claims of the module docstring."""
        claims = self.verify(result["AccessToken"])
        added = [
            scope
            for scope in str(claims.get("scope", "")).split()
            if scope != ADMIN_API_SCOPE and scope not in scopes
        ]
        claims["scope"] = " ".join([*scopes, *added])
        claims["auth_time"] = auth_time
        access_token = self._sign(claims)
        id_token = None
        if "openid" in scopes:
            id_token = self._id_token(result["IdToken"], access_token, auth_time, nonce)
        return IssuedTokens(
            id_token=id_token,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_in=int(result.get("ExpiresIn", TOKEN_LIFETIME_SECONDS)),
        )

    def _id_token(
        self, pool_token: str, access_token: str, auth_time: int, nonce: str | None
    ) -> str:
        claims = self.verify(pool_token, use="id")
        claims.pop("nonce", None)
        if nonce is not None:
            claims["nonce"] = nonce
        claims["at_hash"] = create_half_hash(access_token, "RS256").decode()
        claims["auth_time"] = auth_time
        if "email" in claims:
            claims["email_verified"] = self._email_verified(str(claims["cognito:username"]))
        return self._sign(claims)

    def _email_verified(self, username: str) -> bool:
        """The user's email_verified attribute as the boolean Cognito's ID tokens carry."""
        user = self.pool.cognito.admin_get_user(UserPoolId=self.pool.pool_id, Username=username)
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        return attributes.get("email_verified") == "true"

    def _sign(self, claims: dict[str, Any]) -> str:
        return self._signer.sign(claims)

    def verify(self, token: str, *, use: str = "access") -> dict[str, Any]:
        """The claims of a token this pool signed (signature, issuer, expiry, token_use)."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            issuer=self.pool.issuer,
            options={"verify_aud": False, "require": ["exp", "iat", "token_use"]},
        )
        if claims.get("token_use") != use:
            raise jwt.InvalidTokenError(f"not an {use} token")
        return claims


def secret_hash(client: AppClient, user: str) -> str:
    """Cognito's SECRET_HASH: base64 HMAC-SHA256(client secret, user name + client id)."""
    assert client.secret is not None
    digest = hmac.new(
        client.secret.encode(), (user + client.client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
