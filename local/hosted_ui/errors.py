"""The two ways a hosted UI request fails, as Cognito answers them: an error page where
redirecting would be unsafe or impossible, or `error=` back to a redirect_uri already checked
(in the fragment for the implicit flow)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode


class PageError(Exception):
    """Answer with the error page: redirecting would be unsafe or impossible."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class RedirectTarget(Protocol):
    """Where a failed request's `error=` goes: a redirect_uri the client registered."""

    @property
    def redirect_uri(self) -> str: ...

    @property
    def state(self) -> str | None: ...

    @property
    def in_fragment(self) -> bool: ...


@dataclass(frozen=True)
class Target:
    redirect_uri: str
    state: str | None
    in_fragment: bool


class RedirectError(Exception):
    """Send `error=` back to the (verified) redirect_uri."""

    def __init__(self, target: RedirectTarget, error: str, description: str) -> None:
        super().__init__(description)
        self.target, self.error, self.description = target, error, description


def with_params(url: str, params: Mapping[str, str | None], *, fragment: bool) -> str:
    """`url` with the parameters that are not None, in its query or its fragment."""
    encoded = urlencode({k: v for k, v in params.items() if v is not None})
    if fragment:
        return f"{url}#{encoded}"
    return f"{url}{'&' if '?' in url else '?'}{encoded}"
