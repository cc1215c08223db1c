"""A request's headers, decoded once into one case-insensitive type with API Gateway's view.

Routing, the authorizer, CORS and the payload event all read the same object: starlette's
`Headers` for case-insensitive lookups, plus the view API Gateway gives functions (names
lowercased, repeated headers joined with ",", the cookie header split into `cookies`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from starlette.datastructures import Headers


def api_gateway_view(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """(headers, cookies) as payload format 2.0 has them: the one comma-join rule."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        elif lower in joined:
            joined[lower] = f"{joined[lower]},{value}"
        else:
            joined[lower] = value
    return joined, cookies


class RequestHeaders:
    """Decoded once per request from the ASGI scope's raw (bytes) header list."""

    __slots__ = ("cookies", "headers", "joined")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.headers = Headers(raw=raw)
        self.joined, self.cookies = api_gateway_view(self.headers.items())

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> RequestHeaders:
        return cls([(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in pairs])

    def get(self, name: str, default: str = "") -> str:
        """The first value of a header (case-insensitive), or `default`."""
        return self.headers.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.headers

    @property
    def for_authorizer(self) -> Mapping[str, str]:
        """Lowercased names, repeated values joined: what an identity source reads."""
        return self.joined
