"""Per-route scopes from context: Cognito's from its resource server, others' by name."""

from __future__ import annotations

from stacks.config import RouteScopes, config_from_mapping
from stacks.contract import PROD_CONTEXT

AUTH0 = {"auth": "auth0", "auth0Domain": "dev-abc.us.auth0.com", "audience": "https://api"}


def test_dev_cognito_routes_take_any_token_by_default() -> None:
    """GIVEN dev without requireScopes WHEN loaded THEN no route scopes: the tutorial's
    'either token works' holds, and there is no back-office route."""
    config = config_from_mapping({})
    assert config.route_scopes == RouteScopes()
    assert config.require_scopes is False


def test_prod_cognito_routes_require_the_resource_server_scopes() -> None:
    """GIVEN stage=prod WHEN loaded THEN GET needs profile.read and POST profile.write of the
    default resource server."""
    config = config_from_mapping({"stage": "prod", **PROD_CONTEXT})
    assert config.route_scopes == RouteScopes(
        read=("profile-api/profile.read",), write=("profile-api/profile.write",)
    )


def test_resource_server_identifier_names_the_scopes() -> None:
    """GIVEN resourceServer=https://api.example.com WHEN scopes are on THEN scope strings are
    '<identifier>/<name>', as Cognito writes them into tokens."""
    config = config_from_mapping(
        {"requireScopes": "true", "resourceServer": "https://api.example.com"}
    )
    assert config.route_scopes.read == ("https://api.example.com/profile.read",)


def test_machine_client_adds_a_scoped_admin_route_even_when_user_routes_are_open() -> None:
    """GIVEN machineClient=true in dev without requireScopes WHEN loaded THEN the admin route
    still needs profiles.read: unscoped, any user could read every profile."""
    config = config_from_mapping({"machineClient": "true"})
    assert config.route_scopes == RouteScopes(admin=("profile-api/profiles.read",))
    assert config.cognito is not None
    assert config.cognito.machine_client is True


def test_prod_can_turn_scopes_off_explicitly() -> None:
    """GIVEN stage=prod and requireScopes=false WHEN loaded THEN routes take any token."""
    assert config_from_mapping(
        {"stage": "prod", **PROD_CONTEXT, "requireScopes": "false"}
    ).route_scopes == (RouteScopes())


def test_external_provider_scopes_are_the_providers_names() -> None:
    """GIVEN auth0 with readScopes/writeScopes/adminScopes as comma lists WHEN loaded THEN each
    route requires exactly those (any one of a list suffices at the gateway)."""
    config = config_from_mapping(
        AUTH0
        | {
            "readScopes": "read:profile, profile:admin",
            "writeScopes": "write:profile",
            "adminScopes": "read:profiles",
        }
    )
    assert config.route_scopes == RouteScopes(
        read=("read:profile", "profile:admin"),
        write=("write:profile",),
        admin=("read:profiles",),
    )
    assert config.require_scopes is True


def test_external_provider_without_scope_names_stays_open_in_dev() -> None:
    """GIVEN auth0 in dev with no scope keys WHEN loaded THEN routes take any valid token."""
    assert config_from_mapping(AUTH0).route_scopes == RouteScopes()
