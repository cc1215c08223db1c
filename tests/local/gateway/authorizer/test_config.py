"""AuthorizerConfig: one place that refuses bad settings with a message naming the fix."""

from __future__ import annotations

from typing import Any

import pytest

from local.gateway.authorizer import AuthorizerConfig

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"


def make(**overrides: Any) -> AuthorizerConfig:
    settings: dict[str, Any] = {"issuer": ISSUER, "audiences": ("client",), **overrides}
    return AuthorizerConfig(**settings)


def test_discovery_url_defaults_to_the_issuer_well_known_path() -> None:
    """GIVEN only an issuer WHEN resolved THEN '{issuer}/.well-known/openid-configuration'."""
    assert make().resolved_discovery_url == f"{ISSUER}/.well-known/openid-configuration"


def test_trailing_slash_of_an_auth0_issuer_is_not_doubled() -> None:
    """GIVEN 'https://tenant.auth0.com/' WHEN resolved THEN no '//' before .well-known."""
    config = make(issuer="https://tenant.auth0.com/")

    assert config.resolved_discovery_url == (
        "https://tenant.auth0.com/.well-known/openid-configuration"
    )


def test_explicit_discovery_url_wins_over_the_issuer() -> None:
    """GIVEN a discovery_url WHEN resolved THEN it is used as is."""
    url = "http://localhost:5000/pool/.well-known/openid-configuration"

    assert make(discovery_url=url).resolved_discovery_url == url


def test_header_name_is_lowercased_from_the_identity_source() -> None:
    """GIVEN '$request.header.X-Api-Token' WHEN read THEN 'x-api-token'."""
    assert make(identity_source="$request.header.X-Api-Token").header_name == "x-api-token"


def test_audiences_given_as_a_list_are_stored_as_a_tuple() -> None:
    """GIVEN a list of audiences WHEN built THEN the frozen config holds a tuple."""
    assert make(audiences=["a", "b"]).audiences == ("a", "b")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"issuer": ""}, "issuer must be a non-empty"),
        ({"issuer": " https://x.example.com"}, "whitespace"),
        ({"issuer": "cognito-idp.amazonaws.com/pool"}, "issuer must be an absolute"),
        ({"audiences": ()}, "at least one audience"),
        ({"audiences": "client"}, "not a single string"),
        ({"audiences": ("ok", "")}, "non-empty string"),
        ({"identity_source": "$request.querystring.token"}, "request.header"),
        ({"identity_source": "$request.header.Bad Name"}, "invalid header"),
        ({"jwks_uri": "file:///etc/jwks.json"}, "jwks_uri must be an absolute"),
        ({"discovery_url": "localhost:5000"}, "discovery_url must be an absolute"),
        ({"leeway_seconds": -1}, "between 0 and 300"),
        ({"leeway_seconds": 3600}, "between 0 and 300"),
        ({"leeway_seconds": 1.5}, "must be an int"),
        ({"leeway_seconds": True}, "must be an int"),
    ],
)
def test_bad_setting_is_refused_with_a_clear_message(
    overrides: dict[str, Any], message: str
) -> None:
    """GIVEN a bad setting WHEN the config is built THEN ValueError naming the setting."""
    with pytest.raises(ValueError, match=message):
        make(**overrides)
