"""auth=cognito: the app's own user pool (domain prefix, clients, resource server, rotation)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stacks.config.parsers import SCOPE, ConfigError, ContextReader, flag, optional_text
from stacks.config.sign_in import SignInConfig
from stacks.contract import DEFAULT_RESOURCE_SERVER

DEFAULT_DOMAIN_PREFIX = "jwt-profile-api-demo"

_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

_RESERVED_PREFIX_WORDS = ("aws", "amazon", "cognito")


@dataclass(frozen=True, kw_only=True)
class CognitoConfig:
    """Settings of the app's own Cognito user pool (auth=cognito)."""

    domain_prefix: str
    callback_urls: tuple[str, ...]
    password_auth: bool
    resource_server: str = DEFAULT_RESOURCE_SERVER
    machine_client: bool = False
    # Refresh-token rotation on the user client: the old token's grace period in seconds, or
    # None when rotation is off (each refresh then keeps the same refresh token).
    refresh_token_rotation: int | None = None
    # The implicit grant puts tokens in the URL fragment (RFC 9700 says not to): dev keeps it
    # for the tutorial's hosted-UI redirect, prod's app client allows the code grant only.
    implicit_grant: bool = True
    # First factors, passkeys, managed login, issuer format, e-mail MFA (sign_in.py).
    sign_in: SignInConfig = field(default_factory=SignInConfig)


DEFAULT_ROTATION_GRACE_SECONDS = 10


def refresh_token_rotation(get: ContextReader) -> int | None:
    """`refreshTokenRotation=true` turns rotation on; `refreshTokenGracePeriod` (0-60 s, as
    Cognito allows) is how long a replaced refresh token still works, for concurrent refreshes."""
    rotation = flag(get("refreshTokenRotation"), "refreshTokenRotation", default=False)
    grace = get("refreshTokenGracePeriod")
    if grace is None:
        return DEFAULT_ROTATION_GRACE_SECONDS if rotation else None
    if not rotation:
        raise ConfigError("context 'refreshTokenGracePeriod' needs -c refreshTokenRotation=true")
    text = str(grace).strip()
    if not text.isdigit() or not 0 <= int(text) <= 60:
        raise ConfigError(f"context 'refreshTokenGracePeriod' is '{grace}': use whole seconds 0-60")
    return int(text)


def domain_prefix(value: Any) -> str:
    prefix = optional_text(value, "domainPrefix") or DEFAULT_DOMAIN_PREFIX
    if not _DOMAIN_PREFIX.match(prefix):
        raise ConfigError(
            f"context 'domainPrefix' is '{prefix}': use 1-63 lowercase letters, digits and "
            "hyphens, not starting or ending with a hyphen"
        )
    for word in _RESERVED_PREFIX_WORDS:
        if word in prefix:
            raise ConfigError(
                f"context 'domainPrefix' is '{prefix}': Cognito rejects prefixes "
                f"containing '{word}'"
            )
    return prefix


def resource_server(value: Any) -> str:
    identifier = optional_text(value, "resourceServer") or DEFAULT_RESOURCE_SERVER
    if not SCOPE.match(identifier) or len(identifier) > 256:
        raise ConfigError(
            f"context 'resourceServer' is '{identifier}': use 1-256 printable characters "
            "without spaces, quotes or backslashes, e.g. profile-api"
        )
    return identifier
