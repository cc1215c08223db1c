"""The two ways a hosted UI request fails, as Cognito answers them: an error page where
redirecting would be unsafe or impossible, or `error=` back to a redirect_uri already checked
(in the fragment for the implicit flow). Which one, and the redirect itself, is the pool's
decision (pool_oauth.py); `follow` turns that decision into the exception that answers it."""

from __future__ import annotations

from local.hosted_ui.pool_oauth import Decision


class PageError(Exception):
    """Answer with the error page: redirecting would be unsafe or impossible."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class RedirectError(Exception):
    """Send the pool's `error=` redirect back to the (verified) redirect_uri."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def follow(decision: Decision) -> None:
    """Raise the pool's error answer (a page, or a redirect to the trusted redirect_uri)."""
    if decision.kind == "page_error":
        raise PageError(decision.message, decision.status)
    if decision.kind == "error_redirect":
        raise RedirectError(decision.location)
