"""`POST /oauth2/revoke`: RFC 7009 as Cognito's revoke endpoint answers it, done by the pool.

Cognito's answers (developer guide, "The token revocation endpoint"): 200 with an empty body
when the token is revoked, and also for a token it does not know or that was revoked already
(RFC 7009 2.2: the client could not act on the difference); 400 `invalid_request` when the
token is missing or revocation is off for the app client; 400 `unsupported_token_type` for a
token that is not a refresh token (an access or ID token: Cognito revokes refresh tokens, and
with them the access tokens issued from them); 401 `invalid_client` for bad client
credentials. The client authenticates as at the token endpoint (HTTP Basic, or `client_id`
(+ `client_secret`) in the form). `token_type_hint` is only a hint (RFC 7009 2.1) and is not
needed to find a token: it is ignored, whatever its value.

The revocation itself is the pool's `RevokeToken`, so the pool's refresh APIs (and the token
endpoint's refresh grant, which goes through them) refuse the token afterwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import jwt
from authlib.oauth2.rfc6749 import errors
from botocore.exceptions import ClientError

from local.hosted_ui.grants import authenticate_client
from local.hosted_ui.pool import Pool

log = logging.getLogger("local.hosted_ui")

# RevokeToken's `Token` pattern; anything else is no token the pool could have issued.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-_=.]+")


class UnsupportedTokenTypeError(errors.OAuth2Error):  # type: ignore[misc]
    """RFC 7009 2.2.1: the server does not revoke this kind of token."""

    error = "unsupported_token_type"


def _is_jwt(token: str) -> bool:
    """An access or ID token (a signed JWT); Cognito's refresh tokens are not JWS."""
    if token.count(".") != 2:
        return False
    try:
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return True


def revoke(pool: Pool, form: Mapping[str, str], basic: tuple[str, str] | None) -> None:
    """Revoke a refresh token for its authenticated client; OAuth2Error when refused."""
    client = authenticate_client(pool, form, basic)
    token = form.get("token", "")
    if not token:
        raise errors.InvalidRequestError(description="token is required")
    if not client.token_revocation:
        raise errors.InvalidRequestError(description="token revocation is off for this client")
    if _is_jwt(token):
        raise UnsupportedTokenTypeError(description="only refresh tokens can be revoked")
    if not _TOKEN_PATTERN.fullmatch(token):
        return  # not a token the pool issued: nothing to revoke (200, as Cognito answers)
    extra = {} if client.secret is None else {"ClientSecret": client.secret}
    try:
        pool.cognito.revoke_token(Token=token, ClientId=client.client_id, **extra)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message") or code
        if code == "UnsupportedTokenTypeException":
            raise UnsupportedTokenTypeError(description=message) from None
        if code == "UnsupportedOperationException":
            raise errors.InvalidRequestError(description=message) from None
        if code == "UnauthorizedException":  # a token of another client (RFC 7009 2.1)
            raise errors.UnauthorizedClientError(description=message) from None
        if code == "NotAuthorizedException":
            raise errors.InvalidClientError(description=message) from None
        if code in ("InvalidParameterException", "ResourceNotFoundException"):
            return  # an unknown token: 200
        first_line = message.strip().splitlines()[0][:200] if message.strip() else ""
        log.error("hosted UI: the local pool's RevokeToken failed: %s %s", code, first_line)
        raise errors.OAuth2Error(
            error="server_error", description=f"the local pool could not revoke: {code}"
        ) from None
    log.info("hosted UI: revoked a refresh token of client %s", client.client_id)
