"""Settings of one local JWT authorizer, validated once so requests never meet a bad config.

The issuer (what the token's ``iss`` must equal) and the key location (where the JWKS is
fetched) are separate settings: moto's Cognito signs tokens with an AWS-style issuer while it
serves the keys from localhost, and Auth0/Okta users sometimes front their JWKS with a proxy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

HEADER_SOURCE_PREFIX = "$request.header."
MAX_LEEWAY_SECONDS = 300
"""Clock leeway is a local convenience (AWS documents none); more than 5 minutes hides bugs."""

# RFC 9110 token characters: what a header name may contain.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def _check_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {value!r}")


@dataclass(frozen=True)
class AuthorizerConfig:
    """What an ``AWS::ApiGatewayV2::Authorizer`` of type JWT says, plus local-only knobs.

    ``jwks_uri`` wins over ``discovery_url``; with neither, keys are discovered at
    ``{issuer}/.well-known/openid-configuration`` as AWS does. ``leeway_seconds`` is 0 by
    default because AWS applies no documented leeway.
    """

    issuer: str
    audiences: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"
    jwks_uri: str | None = None
    discovery_url: str | None = None
    leeway_seconds: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer.strip():
            raise ValueError("issuer must be a non-empty URL string")
        if self.issuer != self.issuer.strip():
            raise ValueError(f"issuer must not have surrounding whitespace: {self.issuer!r}")
        _check_url("issuer", self.issuer)

        if isinstance(self.audiences, str):
            # A bare string would silently become a tuple of characters.
            raise ValueError("audiences must be a tuple of strings, not a single string")
        audiences = tuple(self.audiences)
        if not audiences:
            raise ValueError("audiences must name at least one audience (AWS requires one)")
        for audience in audiences:
            if not isinstance(audience, str) or not audience:
                raise ValueError(f"every audience must be a non-empty string, got {audience!r}")
        object.__setattr__(self, "audiences", audiences)

        if not isinstance(self.identity_source, str) or not self.identity_source.startswith(
            HEADER_SOURCE_PREFIX
        ):
            raise ValueError(
                "identity_source must look like '$request.header.<Name>' (the local "
                f"authorizer reads headers only), got {self.identity_source!r}"
            )
        header = self.identity_source[len(HEADER_SOURCE_PREFIX) :]
        if not _HEADER_NAME.match(header):
            raise ValueError(f"identity_source names an invalid header: {header!r}")

        if self.jwks_uri is not None:
            _check_url("jwks_uri", self.jwks_uri)
        if self.discovery_url is not None:
            _check_url("discovery_url", self.discovery_url)

        if isinstance(self.leeway_seconds, bool) or not isinstance(self.leeway_seconds, int):
            raise ValueError(f"leeway_seconds must be an int, got {self.leeway_seconds!r}")
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(
                f"leeway_seconds must be between 0 and {MAX_LEEWAY_SECONDS}, "
                f"got {self.leeway_seconds}"
            )

    @property
    def header_name(self) -> str:
        """Lowercased name of the header that carries the token."""
        return self.identity_source[len(HEADER_SOURCE_PREFIX) :].lower()

    @property
    def resolved_discovery_url(self) -> str:
        """Where the OpenID configuration lives when no explicit ``jwks_uri`` is set.

        The trailing slash of the issuer is dropped first: Auth0 issuers end with '/', and
        '//.well-known' would be a different URL.
        """
        if self.discovery_url is not None:
            return self.discovery_url
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"
