"""The named context sets the suite synthesizes (from the stack contract, plus `extras`: every
optional part at once), and the gated ones (each in dev and prod)."""

from __future__ import annotations

from typing import Any

from stacks.contract import JWT_ISSUER, PROD_CONTEXT, SYNTH_CONFIGURATIONS

API_DOMAIN = "api.example.com"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)
# Custom domain with a Route 53 alias, and alarms with an e-mail (in dev too).
EXTRAS = {
    "apiDomain": API_DOMAIN,
    "certificateArn": CERTIFICATE_ARN,
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "hostedZoneName": "example.com",
    "alarms": "true",
    "alarmEmail": "ops@example.com",
}

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    name: dict(context) for name, context in SYNTH_CONFIGURATIONS.items()
} | {
    "extras": {
        "auth": "jwt",
        "issuer": JWT_ISSUER,
        "audience": "profile-api",
        "readScopes": "api.read",
        "writeScopes": "api.write",
    }
    | EXTRAS
}


def in_both_stages(configurations: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every configuration in dev and in prod: what the security gates (cdk-nag, cfn-lint,
    checkov) check. Prod gets PROD_CONTEXT (prod refuses localhost callback URLs)."""
    both: dict[str, dict[str, Any]] = {}
    for name, context in configurations.items():
        for stage in ("dev", "prod"):
            prod = dict(PROD_CONTEXT) if stage == "prod" else {}
            both[f"{name.removesuffix('-prod')}-{stage}"] = context | prod | {"stage": stage}
    return both


GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)
