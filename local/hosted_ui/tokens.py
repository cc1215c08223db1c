"""Tokens for OAuth flows: moto's tokens for the user, with the scopes the flow granted.

The user signs in through moto's AdminInitiateAuth (the password is checked by the pool, and the
ID token carries the pool's claims). moto always writes `scope: aws.cognito.signin.user.admin`
into access tokens, as InitiateAuth does on AWS; tokens from Cognito's OAuth endpoints carry the
scopes the client asked for and may have instead. So the access token's `scope` claim is set to
the granted scopes and the token is signed again with the pool's key (the emulator's key, same
`kid`), which is what the API's authorizer and any verifier fetch from the pool's JWKS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from botocore.exceptions import ClientError

from local.emulator.keys import emulator_signing_key
from local.hosted_ui.pool import Pool

# What InitiateAuth tokens carry; never part of an OAuth flow's scopes.
ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
TOKEN_LIFETIME_SECONDS = 3600


class SignInError(Exception):
    """The pool refused the sign-in; the message is what the login page shows."""


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


_SIGN_IN_ERRORS = {
    "NotAuthorizedException": "Incorrect username or password.",
    "UserNotFoundException": "Incorrect username or password.",
    "UserNotConfirmedException": "User is not confirmed.",
    "PasswordResetRequiredException": "Password reset required for the user.",
}


class TokenMinter:
    """Signs users in against the pool and shapes their tokens for an OAuth flow."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._kid, self._key = emulator_signing_key()
        self.public_key = self._key.public_key()

    def sign_in(self, client_id: str, username: str, password: str) -> dict[str, Any]:
        """moto's AuthenticationResult for a correct password, else SignInError."""
        try:
            answer = self.pool.cognito.admin_initiate_auth(
                UserPoolId=self.pool.pool_id,
                ClientId=client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
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

    def refresh(self, client_id: str, refresh_token: str) -> dict[str, Any]:
        """New ID and access tokens from moto for a refresh token this server issued."""
        answer = self.pool.cognito.admin_initiate_auth(
            UserPoolId=self.pool.pool_id,
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        result: dict[str, Any] = answer["AuthenticationResult"]
        return result

    def for_flow(
        self, result: dict[str, Any], scopes: Sequence[str], *, refresh_token: str | None
    ) -> IssuedTokens:
        """The flow's tokens: the access token carries the granted scopes, plus any the pool's
        pre token trigger added (Cognito applies the trigger to OAuth flows too)."""
        claims = self.verify(result["AccessToken"])
        added = [
            scope
            for scope in str(claims.get("scope", "")).split()
            if scope != ADMIN_API_SCOPE and scope not in scopes
        ]
        claims["scope"] = " ".join([*scopes, *added])
        access_token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})
        return IssuedTokens(
            id_token=result["IdToken"] if "openid" in scopes else None,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_in=int(result.get("ExpiresIn", TOKEN_LIFETIME_SECONDS)),
        )

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
