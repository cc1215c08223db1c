"""CORS as an HTTP API with a CORS configuration answers it, computed once at start-up.

API Gateway answers a preflight (OPTIONS with Origin and Access-Control-Request-Method) itself,
before routes and authorizers, and adds the allow-origin header to other responses when the
origin is allowed. Only the echoed origin varies per request; everything else is fixed here.
"""

from __future__ import annotations

from local.gateway.discovery import CorsSpec
from local.gateway.headers import RequestHeaders
from local.gateway.payload import HttpResponse

# The answer echoes the request's Origin: a cache must not serve it to another origin.
VARY = ("vary", "Origin")


class CorsPolicy:
    """One API's CORS answers; `None` specs (no CORS configuration) change nothing."""

    def __init__(self, spec: CorsSpec | None) -> None:
        self._spec = spec
        self._any_origin = spec is not None and "*" in spec.allow_origins
        self._origins = frozenset(spec.allow_origins) if spec else frozenset()
        preflight: list[tuple[str, str]] = []
        simple: list[tuple[str, str]] = []
        if spec is not None:
            preflight = [
                ("access-control-allow-methods", ",".join(spec.allow_methods)),
                ("access-control-allow-headers", ",".join(spec.allow_headers)),
            ]
            if spec.max_age is not None:
                preflight.append(("access-control-max-age", str(spec.max_age)))
            if spec.allow_credentials:
                preflight.append(("access-control-allow-credentials", "true"))
            if spec.expose_headers:
                simple.append(("access-control-expose-headers", ",".join(spec.expose_headers)))
        self._preflight_headers = tuple(preflight)
        self._simple_headers = tuple(simple)

    def allows(self, origin: str) -> bool:
        return bool(origin) and (self._any_origin or origin in self._origins)

    def preflight(self, method: str, headers: RequestHeaders) -> HttpResponse | None:
        """The 204 answer to a preflight, or None when the request is not one."""
        if self._spec is None or method != "OPTIONS":
            return None
        if "origin" not in headers or "access-control-request-method" not in headers:
            return None
        origin = headers.get("origin")
        if not self.allows(origin):
            return HttpResponse(status_code=204, headers=[])
        allow = ("access-control-allow-origin", origin)
        return HttpResponse(status_code=204, headers=[allow, VARY, *self._preflight_headers])

    def decorate(self, headers: RequestHeaders, response: HttpResponse) -> HttpResponse:
        """Add the allow-origin header to a non-preflight answer for an allowed origin."""
        if self._spec is None or response.status_code == 204:
            return response
        origin = headers.get("origin")
        if not self.allows(origin):
            return response
        extra = [("access-control-allow-origin", origin), VARY, *self._simple_headers]
        return HttpResponse(
            status_code=response.status_code,
            headers=[*response.headers, *extra],
            body=response.body,
        )
