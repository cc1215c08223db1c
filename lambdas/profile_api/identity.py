"""The caller's identity as the JWT authorizer passed it: the owner of every stored profile."""

from __future__ import annotations

from typing import Any


def jwt_claims(event: dict[str, Any]) -> dict[str, str]:
    """Claims from requestContext.authorizer.jwt; empty when the route has no JWT authorizer."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    jwt = authorizer.get("jwt") or {}
    claims = jwt.get("claims") or {}
    return claims if isinstance(claims, dict) else {}


def caller_sub(claims: dict[str, str]) -> str | None:
    """The token's `sub`; nothing in the body or path can choose another owner."""
    sub = claims.get("sub")
    return sub if isinstance(sub, str) and sub else None
