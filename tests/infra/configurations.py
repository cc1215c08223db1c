"""The named context sets the suite synthesizes: the four issuers, plus Cognito in prod."""

from __future__ import annotations

from typing import Any

AUTH0_DOMAIN = "dev-abc123.us.auth0.com"
AUTH0_AUDIENCE = "https://profile-api.example.com"
OKTA_DOMAIN = "dev-123456.okta.com"
JWT_ISSUER = "https://idp.example.com/realms/main"

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "cognito": {},
    "cognito-prod": {"stage": "prod"},
    "auth0": {"auth": "auth0", "auth0Domain": AUTH0_DOMAIN, "audience": AUTH0_AUDIENCE},
    "okta": {"auth": "okta", "oktaDomain": OKTA_DOMAIN, "audience": "api://default"},
    "jwt": {"auth": "jwt", "issuer": JWT_ISSUER, "audience": "profile-api,profile-cli"},
}


def in_both_stages(configurations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every configuration in dev and in prod: what the security gates (cdk-nag, cfn-lint) check."""
    both: dict[str, dict[str, Any]] = {}
    for name, context in configurations.items():
        for stage in ("dev", "prod"):
            both[f"{name.removesuffix('-prod')}-{stage}"] = context | {"stage": stage}
    return both


GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)
