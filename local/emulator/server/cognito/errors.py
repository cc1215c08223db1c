"""Kept for the files being rewritten on branch 29-b (tokens, refresh, ...): use exceptions.py."""

from .exceptions import REFRESH_REVOKED, CognitoError, NotAuthorizedError

__all__ = ["REFRESH_REVOKED", "CognitoError", "not_authorized"]


def not_authorized(message: str) -> CognitoError:
    """Kept for the files being rewritten on branch 29-b: raise NotAuthorizedError instead."""
    return NotAuthorizedError(message)
