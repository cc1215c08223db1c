"""auth=auth0/okta/jwt: the external issuer and the audiences its tokens must carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stacks.config.choices import AuthProvider
from stacks.config.parsers import (
    ConfigError,
    ContextReader,
    hostname,
    https_url,
    optional_text,
    text_list,
)

_OKTA_AUTH_SERVER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")

_MAX_AUDIENCES = 50


@dataclass(frozen=True, kw_only=True)
class IssuerConfig:
    """An OIDC issuer and the audiences its tokens must carry: an external one from config, or
    the stack's own Cognito pool (builder.py) for the API's authorizer."""

    issuer: str
    audiences: tuple[str, ...]


def _audiences(value: Any) -> tuple[str, ...]:
    audiences = text_list(value, "audience")
    if not audiences:
        raise ConfigError(
            "context 'audience' is required for this provider: e.g. -c audience=https://api.example.com"
        )
    if len(audiences) > _MAX_AUDIENCES:
        raise ConfigError(f"context 'audience' lists {len(audiences)} values: at most 50")
    for audience in audiences:
        if len(audience) > 1024 or any(ch.isspace() for ch in audience):
            raise ConfigError(f"context 'audience' value '{audience[:40]}' is not a valid audience")
    return audiences


def external_issuer(auth: AuthProvider, get: ContextReader) -> IssuerConfig:
    if auth is AuthProvider.AUTH0:
        domain = hostname(get("auth0Domain"), "auth0Domain", "dev-abc123.us.auth0.com")
        issuer = f"https://{domain}/"  # Auth0 issuers end with '/', and AWS compares exactly.
    elif auth is AuthProvider.OKTA:
        domain = hostname(get("oktaDomain"), "oktaDomain", "dev-123456.okta.com")
        server = optional_text(get("oktaAuthServer"), "oktaAuthServer") or "default"
        if not _OKTA_AUTH_SERVER.match(server):
            raise ConfigError(
                f"context 'oktaAuthServer' is '{server}': use an authorization server id "
                "such as 'default' or 'aus1a2b3c4'"
            )
        issuer = f"https://{domain}/oauth2/{server}"
    else:
        text = optional_text(get("issuer"), "issuer")
        if text is None:
            raise ConfigError(
                "context 'issuer' is required with auth=jwt: e.g. -c issuer=https://idp.example.com"
            )
        issuer = https_url(text, "issuer")
    return IssuerConfig(issuer=issuer, audiences=_audiences(get("audience")))
