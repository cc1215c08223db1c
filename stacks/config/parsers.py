"""The one set of typed parsers every context key goes through: each raises ConfigError with a
single line that names the key and the fix."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

# A DNS host name: dot-separated labels of letters, digits and inner hyphens, with a TLD.
HOSTNAME = re.compile(
    r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)

SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,256}$")  # RFC 6749 scope-token characters


class ConfigError(ValueError):
    """A context value is missing or malformed; the message is one line with the fix."""


ContextReader = Callable[[str], Any]


def optional_text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"context '{key}' must be a string, got {type(value).__name__}")
    text = str(value).strip()
    return text or None


def text_list(value: Any, key: str) -> tuple[str, ...]:
    """Accept a JSON list (cdk.json) or a comma-separated string (`-c key=a,b`)."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, Sequence):
        items = [optional_text(item, key) or "" for item in value]
    else:
        raise ConfigError(f"context '{key}' must be a comma-separated string or a list")
    return tuple(item.strip() for item in items if item.strip())


def flag(value: Any, key: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"context '{key}' must be true or false, got '{value}'")


_E = TypeVar("_E", bound=StrEnum)


def choice(value: Any, key: str, enum: type[_E], default: _E) -> _E:
    text = optional_text(value, key)
    if text is None:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ConfigError(f"context '{key}' is '{text}': use one of {allowed}") from None


def https_url(
    value: str, key: str, *, allow_path: bool = True, allow_http_localhost: bool = False
) -> str:
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    local_http = allow_http_localhost and parts.scheme == "http" and host == "localhost"
    if parts.scheme != "https" and not local_http:
        raise ConfigError(f"context '{key}' must be an https:// URL, got '{value}'")
    if not (HOSTNAME.match(host) or host == "localhost"):
        raise ConfigError(f"context '{key}' has no valid host name: '{value}'")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(f"context '{key}' must not contain a query, fragment or user: '{value}'")
    if not allow_path and parts.path not in ("", "/"):
        raise ConfigError(f"context '{key}' must be an origin without a path: '{value}'")
    return value


def hostname(value: Any, key: str, example: str) -> str:
    text = optional_text(value, key)
    if text is None:
        raise ConfigError(f"context '{key}' is required for this provider: e.g. -c {key}={example}")
    host = text.lower()
    if "://" in host or "/" in host:
        raise ConfigError(f"context '{key}' is a host name without scheme or path, e.g. {example}")
    if not HOSTNAME.match(host):
        raise ConfigError(f"context '{key}' is not a valid host name: '{text}'")
    return host
