"""Context validation: every bad value fails with one line naming the key and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import AuthProvider, ConfigError, Stage, config_from_mapping
from tests.infra.configurations import PROD_CONTEXT

AUTH0 = {"auth": "auth0", "auth0Domain": "dev-abc.us.auth0.com", "audience": "https://api"}


def test_defaults_build_a_dev_cognito_app() -> None:
    """GIVEN no context WHEN loaded THEN dev + Cognito with password auth and the demo prefix."""
    config = config_from_mapping({})
    assert config.stage is Stage.DEV
    assert config.auth is AuthProvider.COGNITO
    assert config.cognito is not None
    assert config.cognito.password_auth is True
    assert config.cognito.callback_urls == ("https://localhost:3000",)
    assert config.external_issuer is None


def test_auth0_issuer_gets_its_trailing_slash() -> None:
    """GIVEN an Auth0 domain WHEN loaded THEN the issuer is https://domain/ exactly."""
    config = config_from_mapping(AUTH0)
    assert config.external_issuer is not None
    assert config.external_issuer.issuer == "https://dev-abc.us.auth0.com/"


def test_okta_uses_default_server_unless_told_otherwise() -> None:
    """GIVEN an Okta domain with and without a server WHEN loaded THEN the issuer follows."""
    base = {"auth": "okta", "oktaDomain": "dev-1.okta.com", "audience": "api://default"}
    default = config_from_mapping(base).external_issuer
    custom = config_from_mapping(base | {"oktaAuthServer": "aus1abc"}).external_issuer
    assert default is not None
    assert custom is not None
    assert default.issuer == "https://dev-1.okta.com/oauth2/default"
    assert custom.issuer == "https://dev-1.okta.com/oauth2/aus1abc"


def test_audience_accepts_comma_separated_and_list_values() -> None:
    """GIVEN audiences as '-c audience=a,b' or a cdk.json list WHEN loaded THEN both parse."""
    as_text = config_from_mapping(AUTH0 | {"audience": "a, b"}).external_issuer
    as_list = config_from_mapping(AUTH0 | {"audience": ["a", "b"]}).external_issuer
    assert as_text is not None
    assert as_list is not None
    assert as_text.audiences == as_list.audiences == ("a", "b")


def test_prod_turns_password_auth_off_and_mfa_on_unless_asked() -> None:
    """GIVEN stage=prod WHEN loaded THEN password auth is off and MFA on, both switchable."""
    prod = config_from_mapping({"stage": "prod", **PROD_CONTEXT})
    assert prod.cognito is not None
    assert (prod.cognito.password_auth, prod.mfa) == (False, True)
    asked = config_from_mapping(
        {"stage": "prod", **PROD_CONTEXT, "passwordAuth": "true", "mfa": "false"}
    )
    assert asked.cognito is not None
    assert (asked.cognito.password_auth, asked.mfa) == (True, False)


BAD_CONTEXTS: list[tuple[dict[str, Any], str]] = [
    ({"stage": "qa"}, "context 'stage' is 'qa': use one of dev, prod"),
    ({"auth": "keycloak"}, "context 'auth' is 'keycloak': use one of cognito, auth0, okta, jwt"),
    ({"auth": "auth0", "audience": "x"}, "context 'auth0Domain' is required"),
    ({"auth": "auth0", "auth0Domain": "https://x.auth0.com", "audience": "x"}, "without scheme"),
    ({"auth": "auth0", "auth0Domain": "not a host", "audience": "x"}, "not a valid host name"),
    ({"auth": "auth0", "auth0Domain": "dev-abc.us.auth0.com"}, "context 'audience' is required"),
    ({"auth": "okta", "oktaDomain": "dev-1.okta.com"}, "context 'audience' is required"),
    ({"auth": "okta", "audience": "api://default"}, "context 'oktaDomain' is required"),
    (
        {"auth": "okta", "oktaDomain": "dev-1.okta.com", "oktaAuthServer": "a/b", "audience": "x"},
        "context 'oktaAuthServer' is 'a/b'",
    ),
    ({"auth": "jwt", "audience": "x"}, "context 'issuer' is required with auth=jwt"),
    ({"auth": "jwt", "issuer": "http://idp.example.com", "audience": "x"}, "must be an https://"),
    ({"auth": "jwt", "issuer": "https://", "audience": "x"}, "no valid host name"),
    ({"auth": "jwt", "issuer": "https://idp.example.com?x=1", "audience": "x"}, "query"),
    (
        {"auth": "jwt", "issuer": "https://idp.example.com", "audience": " , "},
        "'audience' is required",
    ),
    ({"domainPrefix": "My_Prefix"}, "context 'domainPrefix' is 'My_Prefix': use 1-63"),
    ({"domainPrefix": "-leading"}, "context 'domainPrefix' is '-leading'"),
    ({"domainPrefix": "a" * 64}, "use 1-63 lowercase letters"),
    ({"domainPrefix": "my-cognito-app"}, "Cognito rejects prefixes containing 'cognito'"),
    ({"domainPrefix": "amazonian"}, "containing 'amazon'"),
    ({"callbackUrls": "ftp://x.example.com"}, "context 'callbackUrls' must be an https:// URL"),
    ({"corsOrigins": "https://app.example.com/path"}, "origin without a path"),
    ({"passwordAuth": "maybe"}, "context 'passwordAuth' must be true or false"),
    ({"scopes": 'read write"x'}, "context 'scopes' value"),
    ({"stage": ["dev"]}, "context 'stage' must be a string, got list"),
]


@pytest.mark.parametrize(("context", "message"), BAD_CONTEXTS)
def test_bad_context_fails_with_one_line_naming_the_key(
    context: dict[str, Any], message: str
) -> None:
    """GIVEN a bad context value WHEN loaded THEN ConfigError's single line names key and fix."""
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(context)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text


def test_http_localhost_callback_is_allowed_for_local_development() -> None:
    """GIVEN an http://localhost callback WHEN loaded THEN it is accepted (Cognito allows it)."""
    config = config_from_mapping({"callbackUrls": "http://localhost:8080/callback"})
    assert config.cors_origins == ("http://localhost:8080",)
