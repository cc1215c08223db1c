"""The named context sets the suite synthesizes: the four issuers, Cognito in prod, and one
with every optional extra (custom domain with a Route 53 alias, alarms in dev with an e-mail).

Prod refuses localhost callback URLs and CORS origins, so every prod synth passes PROD_CONTEXT.
"""

from __future__ import annotations

from typing import Any

AUTH0_DOMAIN = "dev-abc123.us.auth0.com"
AUTH0_AUDIENCE = "https://profile-api.example.com"
OKTA_DOMAIN = "dev-123456.okta.com"
JWT_ISSUER = "https://idp.example.com/realms/main"
PROD_CONTEXT = {"callbackUrls": "https://app.example.com/callback"}  # CORS: its origin
API_DOMAIN = "api.example.com"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)
EXTRAS = {
    "apiDomain": API_DOMAIN,
    "certificateArn": CERTIFICATE_ARN,
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "hostedZoneName": "example.com",
    "alarms": "true",
    "alarmEmail": "ops@example.com",
}

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "cognito": {},
    "cognito-prod": {"stage": "prod"} | PROD_CONTEXT,
    "auth0": {"auth": "auth0", "auth0Domain": AUTH0_DOMAIN, "audience": AUTH0_AUDIENCE},
    "okta": {"auth": "okta", "oktaDomain": OKTA_DOMAIN, "audience": "api://default"},
    "jwt": {"auth": "jwt", "issuer": JWT_ISSUER, "audience": "profile-api,profile-cli"},
    "extras": {"auth": "jwt", "issuer": JWT_ISSUER, "audience": "profile-api"} | EXTRAS,
}


def in_both_stages(configurations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every configuration in dev and in prod: what the security gates (cdk-nag, cfn-lint) check."""
    both: dict[str, dict[str, Any]] = {}
    for name, context in configurations.items():
        for stage in ("dev", "prod"):
            prod = PROD_CONTEXT if stage == "prod" else {}
            both[f"{name.removesuffix('-prod')}-{stage}"] = context | prod | {"stage": stage}
    return both


GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)
