"""Context validation: every bad value fails with one line naming the key and the fix."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from stacks.config import (
    AlarmsConfig,
    AuthProvider,
    ConfigError,
    Stage,
    check_region,
    config_from_mapping,
)
from stacks.contract import PROD_CONTEXT
from tests.stacks.configurations import CERTIFICATE_ARN

AUTH0 = {"auth": "auth0", "auth0Domain": "dev-abc.us.auth0.com", "audience": "https://api"}
JWT = {"auth": "jwt", "issuer": "https://idp.example.com", "audience": "api"}
PASSWORD_ONLY = {"signInFactors": "password"}
NEEDS_PASSKEY = "needs passkey in signInFactors"


def test_defaults_build_a_dev_cognito_app() -> None:
    """GIVEN no context WHEN loaded THEN dev + Cognito with password auth and the demo prefix."""
    config = config_from_mapping({})
    assert config.stage is Stage.DEV
    assert config.auth is AuthProvider.COGNITO
    assert config.cognito is not None
    assert config.cognito.password_auth is True
    assert config.cognito.callback_urls == ("https://localhost:3000", "http://localhost:3002/")
    assert config.cors_origins == ("https://localhost:3000", "http://localhost:3002")
    assert config.external_issuer is None


def test_refresh_token_rotation_is_off_unless_asked_with_a_10_s_grace_period() -> None:
    """GIVEN no context, refreshTokenRotation=true, and a grace period WHEN loaded THEN None,
    10 s, and the given seconds."""
    for context, expected in (
        ({}, None),
        ({"refreshTokenRotation": "true"}, 10),
        ({"refreshTokenRotation": "true", "refreshTokenGracePeriod": "60"}, 60),
    ):
        cognito = config_from_mapping(context).cognito
        assert cognito is not None
        assert cognito.refresh_token_rotation == expected


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
    ({"scopes": "profile-api/profile.read"}, "context 'scopes' was replaced by per-route scopes"),
    (AUTH0 | {"readScopes": 'read"x', "writeScopes": "w"}, "context 'readScopes' value 'read\"x'"),
    (AUTH0 | {"requireScopes": "true"}, "context 'readScopes' is required with requireScopes"),
    (AUTH0 | {"requireScopes": "true", "readScopes": "r"}, "context 'writeScopes' is required"),
    (
        AUTH0 | {"stage": "prod", **PROD_CONTEXT},
        "context 'readScopes' is required with requireScopes=true",
    ),
    (AUTH0 | {"requireScopes": "false", "readScopes": "r"}, "but requireScopes=false"),
    ({"readScopes": "read:profile"}, "context 'readScopes' is for auth0/okta/jwt"),
    ({"requireScopes": "sometimes"}, "context 'requireScopes' must be true or false"),
    ({"resourceServer": "profile api"}, "context 'resourceServer' is 'profile api'"),
    (AUTH0 | {"machineClient": "true"}, "context 'machineClient' creates a Cognito app client"),
    ({"machineClient": "2"}, "context 'machineClient' must be true or false"),
    ({"refreshTokenRotation": "often"}, "context 'refreshTokenRotation' must be true or false"),
    ({"refreshTokenGracePeriod": "5"}, "'refreshTokenGracePeriod' needs -c refreshTokenRotation"),
    (
        {"refreshTokenRotation": "true", "refreshTokenGracePeriod": "61"},
        "context 'refreshTokenGracePeriod' is '61': use whole seconds 0-60",
    ),
    (AUTH0 | {"refreshTokenRotation": "true"}, "'refreshTokenRotation' configures the Cognito"),
    (
        {"refreshTokenRotation": "true", "refreshTokenGracePeriod": "-1"},
        "use whole seconds 0-60",
    ),
    ({"stage": ["dev"]}, "context 'stage' must be a string, got list"),
    # prod refuses a developer's machine as redirect target or browser origin
    ({"stage": "prod"}, "context 'callbackUrls' is 'https://localhost:3000' in prod"),
    (
        {"stage": "prod", "callbackUrls": "http://localhost:8080/cb"},
        "context 'callbackUrls' is 'http://localhost:8080/cb' in prod: set your app's real",
    ),
    (
        {
            "stage": "prod",
            **PROD_CONTEXT,
            "corsOrigins": "https://app.example.com,http://localhost",
        },
        "context 'corsOrigins' is 'http://localhost' in prod: set your app's origin",
    ),
    (
        {"stage": "prod", **AUTH0},
        "context 'corsOrigins' is 'https://localhost:3000' in prod (it defaults to the origins",
    ),
    # alarms
    ({"alarms": "sometimes"}, "context 'alarms' must be true or false"),
    ({"alarms": "true", "alarmEmail": "not-an-address"}, "context 'alarmEmail' is 'not-an-"),
    ({"alarms": "true", "alarmEmail": "a@b.com,c@d.com"}, "use one address"),
    ({"alarmEmail": "ops@example.com"}, "context 'alarmEmail' is set but alarms are off"),
    # custom domain
    ({"certificateArn": CERTIFICATE_ARN}, "context 'certificateArn' needs apiDomain"),
    ({"hostedZoneId": "Z123"}, "context 'hostedZoneId' needs apiDomain"),
    ({"apiDomain": "api.example.com"}, "context 'certificateArn' is required with apiDomain"),
    ({"apiDomain": "https://api.example.com", "certificateArn": CERTIFICATE_ARN}, "without scheme"),
    ({"apiDomain": "api", "certificateArn": CERTIFICATE_ARN}, "'apiDomain' is not a valid host"),
    (
        {"apiDomain": "api.example.com", "certificateArn": "arn:aws:iam::123456789012:role/x"},
        "use an ACM certificate ARN",
    ),
    (
        {"apiDomain": "api.example.com", "certificateArn": CERTIFICATE_ARN, "hostedZoneId": "Z1"},
        "'hostedZoneId' and 'hostedZoneName' go together",
    ),
    (
        {
            "apiDomain": "api.example.com",
            "certificateArn": CERTIFICATE_ARN,
            "hostedZoneId": "zone-1",
            "hostedZoneName": "example.com",
        },
        "context 'hostedZoneId' is 'zone-1'",
    ),
    (
        {
            "apiDomain": "api.example.org",
            "certificateArn": CERTIFICATE_ARN,
            "hostedZoneId": "Z0123456789",
            "hostedZoneName": "example.com",
        },
        "'api.example.org' is not inside hostedZoneName 'example.com'",
    ),
    # signInFactors, passkeys, managedLogin, issuerFormat, e-mail MFA and SES (sign_in.py)
    ({"signInFactors": " , "}, "context 'signInFactors' is empty"),
    ({"signInFactors": "password,magic_link"}, "names 'magic_link': use a comma list of"),
    ({"signInFactors": "password,passkey,passkey"}, "names 'passkey' twice"),
    (PASSWORD_ONLY | {"passkeyUserVerification": "required"}, NEEDS_PASSKEY),
    ({"signInFactors": "email_otp,passkey"}, "lacks password: Cognito requires it"),
    ({"passkeyRelyingPartyId": "https://a.example.com"}, "is a host name without scheme or path"),
    ({"passkeyRelyingPartyId": "no_underscores.example.com"}, "is not a valid host name"),
    (PASSWORD_ONLY | {"passkeyRelyingPartyId": "auth.example.com"}, NEEDS_PASSKEY),
    ({"passkeyUserVerification": "always"}, "use one of preferred, required"),
    ({"managedLogin": "v3"}, "context 'managedLogin' is 'v3': use one of v2, classic"),
    ({"issuerFormat": "new"}, "context 'issuerFormat' is 'new': use one of original, updated"),
    ({"mfa": "true", "mfaEmail": "true"}, "'mfaEmail' needs the pool to send e-mail through SES"),
    ({"mfaEmail": "true"}, "context 'mfaEmail' is a second factor: it needs -c mfa=true"),
    ({"mfaEmail": "maybe"}, "context 'mfaEmail' must be true or false"),
    ({"sesFromEmail": "no-reply"}, "context 'sesFromEmail' is 'no-reply': use an address"),
    ({"sesFromEmail": "a@example.com", "sesRegion": "Virginia"}, "'Virginia': use a region name"),
    ({"sesRegion": "us-east-1"}, "context 'sesRegion' needs -c sesFromEmail="),
    (JWT | {"signInFactors": "password"}, "context 'signInFactors' configures the Cognito"),
    (JWT | {"issuerFormat": "updated"}, "context 'issuerFormat' configures the Cognito"),
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


def test_dev_keeps_localhost_callbacks_and_cors() -> None:
    """GIVEN stage=dev with the defaults WHEN loaded THEN localhost stays allowed (tutorial)."""
    config = config_from_mapping({})
    assert config.cors_origins
    assert {urlsplit(origin).hostname for origin in config.cors_origins} == {"localhost"}


def test_alarms_are_on_in_prod_and_off_in_dev_unless_asked() -> None:
    """GIVEN each stage WHEN alarms is absent or set THEN prod defaults on, dev off; the e-mail
    is kept when given."""
    assert config_from_mapping({"stage": "prod", **PROD_CONTEXT}).alarms == AlarmsConfig(email=None)
    assert config_from_mapping({}).alarms is None
    asked = config_from_mapping({"alarms": "true", "alarmEmail": "ops@example.com"})
    assert asked.alarms == AlarmsConfig(email="ops@example.com")
    off = config_from_mapping({"stage": "prod", **PROD_CONTEXT, "alarms": "false"})
    assert off.alarms is None


def test_custom_domain_reads_region_and_optional_zone() -> None:
    """GIVEN apiDomain + certificateArn (+ zone) WHEN loaded THEN the certificate's region is
    known, the zone name loses a trailing dot, and the URL is https://<domain>/."""
    domain = config_from_mapping(
        {
            "apiDomain": "API.example.com",
            "certificateArn": CERTIFICATE_ARN,
            "hostedZoneId": "Z0123456789",
            "hostedZoneName": "example.com.",
        }
    ).custom_domain
    assert domain is not None
    assert (domain.domain_name, domain.certificate_region) == ("api.example.com", "us-east-1")
    assert (domain.hosted_zone_id, domain.hosted_zone_name) == ("Z0123456789", "example.com")
    assert domain.url == "https://api.example.com/"


def test_certificate_in_another_region_than_the_stacks_is_refused() -> None:
    """GIVEN a us-east-1 certificate WHEN the stacks deploy to eu-west-1 THEN one line says
    where the certificate must be; the same region (or an unknown one) passes."""
    config = config_from_mapping(
        {"apiDomain": "api.example.com", "certificateArn": CERTIFICATE_ARN}
    )
    with pytest.raises(ConfigError, match=r"certificateArn' is in us-east-1 but the stacks"):
        check_region(config, "eu-west-1")
    check_region(config, "us-east-1")
    check_region(config, None)
