"""Route selection as API Gateway documents it for HTTP APIs ("Working with routes")."""

from __future__ import annotations

import pytest

from local.gateway.routes import Route, RouteTable


def _table(*route_keys: str) -> RouteTable:
    return RouteTable([Route(route_key=key, function_arn=f"fn:{key}") for key in route_keys])


def _selected(table: RouteTable, method: str, path: str) -> str | None:
    match = table.match(method, path)
    return None if match is None else match.route.route_key


def test_exact_path_wins_over_a_path_variable_and_a_greedy_variable() -> None:
    """GIVEN `/pets/dog`, `/pets/{id}` and `/pets/{proxy+}` WHEN GET /pets/dog THEN the exact
    route; /pets/cat THEN the variable; /pets/cat/toys THEN the greedy one."""
    table = _table("GET /pets/{proxy+}", "GET /pets/{id}", "GET /pets/dog")
    assert _selected(table, "GET", "/pets/dog") == "GET /pets/dog"
    assert _selected(table, "GET", "/pets/cat") == "GET /pets/{id}"
    assert _selected(table, "GET", "/pets/cat/toys") == "GET /pets/{proxy+}"


def test_a_route_for_the_method_wins_over_any_at_equal_specificity() -> None:
    """GIVEN `ANY /pets` and `GET /pets` WHEN GET THEN the GET route; WHEN DELETE THEN ANY."""
    table = _table("ANY /pets", "GET /pets")
    assert _selected(table, "GET", "/pets") == "GET /pets"
    assert _selected(table, "DELETE", "/pets") == "ANY /pets"


def test_a_more_specific_any_route_wins_over_a_less_specific_method_route() -> None:
    """GIVEN `ANY /pets/dog` and `GET /pets/{id}` WHEN GET /pets/dog THEN the exact path wins,
    though its method is ANY: path specificity comes first."""
    table = _table("GET /pets/{id}", "ANY /pets/dog")
    assert _selected(table, "GET", "/pets/dog") == "ANY /pets/dog"


def test_default_route_catches_what_nothing_else_matches_and_no_default_means_404() -> None:
    """GIVEN `$default` WHEN nothing matches THEN `$default`; without it THEN no route (404)."""
    with_default = _table("GET /pets", "$default")
    assert _selected(with_default, "POST", "/pets") == "$default"
    assert _selected(with_default, "GET", "/other") == "$default"
    assert _selected(_table("GET /pets"), "GET", "/other") is None


def test_path_parameters_are_percent_decoded_and_greedy_ones_keep_slashes() -> None:
    """GIVEN `/profiles/{sub}` and `/files/{path+}` WHEN matched THEN the variables are decoded
    and a greedy variable holds the rest of the path with its slashes."""
    table = _table("GET /profiles/{sub}", "GET /files/{path+}")
    profile = table.match("GET", "/profiles/a%20b")
    files = table.match("GET", "/files/x/y%2Fz")
    assert profile is not None
    assert profile.path_parameters == {"sub": "a b"}
    assert files is not None
    assert files.path_parameters == {"path": "x/y/z"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/user/profile/"),  # a trailing slash is another path at AWS
        ("GET", "/user"),
        ("GET", "/profiles/"),  # an empty variable matches nothing
        ("GET", "/files"),  # a greedy variable needs at least one segment
    ],
)
def test_near_misses_select_no_route(method: str, path: str) -> None:
    """GIVEN the app's kind of routes WHEN a near-miss path is asked for THEN no route."""
    table = _table("GET /user/profile", "GET /profiles/{sub}", "GET /files/{path+}")
    assert _selected(table, method, path) is None


def test_methods_match_case_insensitively() -> None:
    """GIVEN `GET /pets` WHEN the method arrives as `get` THEN it matches."""
    assert _selected(_table("GET /pets"), "get", "/pets") == "GET /pets"
