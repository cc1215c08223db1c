"""The scopes each route requires: Cognito's from its resource server, the others' named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacks.config.choices import AuthProvider
from stacks.config.cognito import CognitoConfig
from stacks.config.parsers import SCOPE, ConfigError, ContextReader, text_list
from stacks.contract import ADMIN_SCOPE_NAME, READ_SCOPE_NAME, WRITE_SCOPE_NAME, cognito_scope


@dataclass(frozen=True, kw_only=True)
class RouteScopes:
    """The scopes each route requires; an empty tuple means the route takes any valid token.

    `admin` non-empty means GET /profiles/{sub} exists, and it is never built without scopes:
    an unscoped back-office route would let every signed-in user read every profile.
    """

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    admin: tuple[str, ...] = ()


def _scopes(value: Any, key: str) -> tuple[str, ...]:
    scopes = text_list(value, key)
    for scope in scopes:
        if not SCOPE.match(scope):
            raise ConfigError(f"context '{key}' value '{scope}' is not a valid OAuth scope")
    return scopes


_SCOPE_KEYS = ("readScopes", "writeScopes", "adminScopes")


def route_scopes(
    auth: AuthProvider, cognito: CognitoConfig | None, require: bool | None, get: ContextReader
) -> RouteScopes:
    """Cognito's come from its resource server; auth0/okta/jwt name theirs in context."""
    if get("scopes") is not None:
        raise ConfigError(
            "context 'scopes' was replaced by per-route scopes: use -c requireScopes=true "
            "(Cognito) or readScopes/writeScopes/adminScopes (auth0/okta/jwt)"
        )
    given = {key: _scopes(get(key), key) for key in _SCOPE_KEYS}
    if cognito is not None:
        named = [key for key, scopes in given.items() if scopes]
        if named:
            raise ConfigError(
                f"context '{named[0]}' is for auth0/okta/jwt: with auth=cognito the scopes "
                "come from the resource server (-c resourceServer=...)"
            )
        server = cognito.resource_server
        admin: tuple[str, ...] = ()
        if cognito.machine_client:
            admin = (cognito_scope(server, ADMIN_SCOPE_NAME),)
        if not require:  # None (dev default) or false
            return RouteScopes(admin=admin)
        return RouteScopes(
            read=(cognito_scope(server, READ_SCOPE_NAME),),
            write=(cognito_scope(server, WRITE_SCOPE_NAME),),
            admin=admin,
        )
    read, write, admin = (given[key] for key in _SCOPE_KEYS)
    if require is None:  # dev: on once the provider's scope names are given
        require = bool(read or write)
    elif not require and (read or write):
        raise ConfigError(
            "context 'readScopes'/'writeScopes' are set but requireScopes=false: "
            "drop them or set -c requireScopes=true"
        )
    if require and not (read and write):
        missing = "readScopes" if not read else "writeScopes"
        raise ConfigError(
            f"context '{missing}' is required with requireScopes=true and auth={auth.value}: "
            f"name the provider's scopes, e.g. -c {missing}={missing[:-6]}:profile"
        )
    return RouteScopes(read=read, write=write, admin=admin)
