"""HTTP API route selection, as API Gateway does it for route keys like `GET /user/{id}`.

Precedence follows the HTTP API docs: an exact path wins over one with path variables, which
wins over a greedy `{proxy+}`; at equal specificity a route for the request's method wins over
`ANY`; and `$default` catches everything else. No match means 404 `{"message":"Not Found"}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

_VARIABLE = re.compile(r"^\{([A-Za-z0-9._-]+)(\+?)\}$")


@dataclass(frozen=True, kw_only=True)
class Route:
    """One deployed route with what the data plane needs to serve it."""

    route_key: str
    function_arn: str | None
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    payload_format_version: str = "2.0"
    segments: tuple[str, ...] = field(init=False, default=())
    method: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.route_key == "$default":
            object.__setattr__(self, "method", "$default")
            return
        method, _, path = self.route_key.partition(" ")
        object.__setattr__(self, "method", method.upper())
        object.__setattr__(self, "segments", tuple(path.strip("/").split("/")) if path else ())

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key: fewer greedy/variable segments first, then more literal segments."""
        greedy = sum(1 for s in self.segments if s.endswith("+}"))
        variables = sum(1 for s in self.segments if _VARIABLE.match(s))
        return (greedy, variables, -len(self.segments))


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def _match_segments(pattern: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, segment in enumerate(pattern):
        variable = _VARIABLE.match(segment)
        if variable and variable.group(2) == "+":
            rest = parts[index:]
            if not rest or rest == [""]:
                return None
            parameters[variable.group(1)] = unquote("/".join(rest))
            return parameters
        if index >= len(parts):
            return None
        if variable:
            if parts[index] == "":
                return None
            parameters[variable.group(1)] = unquote(parts[index])
        elif segment != parts[index]:
            return None
    return parameters if len(parts) == len(pattern) else None


class RouteTable:
    """Picks the route for a request; built once from the deployed API's routes."""

    def __init__(self, routes: list[Route]) -> None:
        self._routes = sorted(
            (r for r in routes if r.method != "$default"), key=lambda r: r.specificity
        )
        self._default = next((r for r in routes if r.method == "$default"), None)

    @property
    def routes(self) -> list[Route]:
        return [*self._routes, *([self._default] if self._default else [])]

    def match(self, method: str, path: str) -> RouteMatch | None:
        parts = path.strip("/").split("/") if path.strip("/") else []
        if path.endswith("/") and path != "/":
            parts.append("")  # AWS treats /a/ and /a as different paths
        method = method.upper()
        best: RouteMatch | None = None
        best_key: tuple[tuple[int, int, int], bool] | None = None
        for route in self._routes:
            if route.method not in (method, "ANY"):
                continue
            parameters = _match_segments(route.segments, parts)
            if parameters is None:
                continue
            key = (route.specificity, route.method == "ANY")
            if best_key is None or key < best_key:
                best, best_key = RouteMatch(route, parameters), key
        if best is not None:
            return best
        if self._default is not None:
            return RouteMatch(self._default, {})
        return None
