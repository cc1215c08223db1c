"""The stack contract: every name that crosses a boundary, in one place, without aws_cdk.

Stacks write these names (stack names, output keys, route paths); the tools, the local run, the
benchmarks and the tests read them. Importing this module costs nothing (no jsii), so runtime
tools that never synthesize can depend on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

STACK_PREFIX = "JwtProfile"
# Tag values put on every stack of this app.
PROJECT_TAG = "jwt-profile-api"
STAGES = ("dev", "prod")

# Routes of ApiStack, as API Gateway route keys and as paths.
PROFILE_PATH = "/user/profile"
GET_PROFILE_ROUTE = f"GET {PROFILE_PATH}"
POST_PROFILE_ROUTE = f"POST {PROFILE_PATH}"
# The back-office route (machineClient / adminScopes): any user's stored profile by `sub`.
PROFILES_PATH = "/profiles/{sub}"
GET_PROFILES_ROUTE = f"GET {PROFILES_PATH}"

# The Cognito resource server and its scopes; a scope string is "<identifier>/<name>".
DEFAULT_RESOURCE_SERVER = "profile-api"
READ_SCOPE_NAME = "profile.read"  # GET /user/profile
WRITE_SCOPE_NAME = "profile.write"  # POST /user/profile
ADMIN_SCOPE_NAME = "profiles.read"  # GET /profiles/{sub}, machine client only


def cognito_scope(resource_server: str, name: str) -> str:
    """The scope string Cognito puts in tokens for a resource server's scope."""
    return f"{resource_server}/{name}"


# The browser demo page (tools/demo): served on this port by `make local` and `make demo`, and
# registered by default as a callback and sign-out URL of the app client.
DEMO_PORT = 3002
DEMO_PAGE_URL = f"http://localhost:{DEMO_PORT}/"
# The tutorial's original callback URL, kept for compatibility.
TUTORIAL_CALLBACK_URL = "https://localhost:3000"


class AuthOutput(StrEnum):
    """CloudFormation output keys of AuthStack."""

    USER_POOL_ID = "UserPoolId"
    CLIENT_ID = "ClientId"
    ISSUER = "Issuer"
    # {Issuer}/.well-known/openid-configuration: follows issuerFormat, as the issuer does.
    DISCOVERY_URL = "DiscoveryUrl"
    HOSTED_UI_SIGN_UP_URL = "HostedUiSignUpUrl"
    HOSTED_UI_LOGIN_URL = "HostedUiLoginUrl"
    HOSTED_UI_URL = "HostedUiUrl"  # the Cognito domain's base URL (OAuth endpoints, hosted UI)
    # The pool's OAuth token endpoint (client_credentials, code exchange, refresh).
    TOKEN_ENDPOINT = "TokenEndpoint"  # noqa: S105 - an output key
    # Only with machineClient=true; its secret is never an output (describe-user-pool-client).
    MACHINE_CLIENT_ID = "MachineClientId"


class ApiOutput(StrEnum):
    """CloudFormation output keys of ApiStack."""

    API_ID = "ApiId"
    API_URL = "ApiUrl"
    GET_ENDPOINT = "GetEndpoint"
    POST_ENDPOINT = "PostEndpoint"
    ISSUER = "Issuer"
    AUDIENCE = "Audience"
    TABLE_NAME = "TableName"
    EXECUTE_API_URL = "ExecuteApiUrl"  # with a custom domain: the default endpoint's URL
    ALARM_TOPIC_ARN = "AlarmTopicArn"  # with alarms (prod default)
    DASHBOARD_NAME = "DashboardName"  # with alarms


@dataclass(frozen=True)
class StackNames:
    """The stack names of one stage: dev and prod coexist in one account."""

    auth: str
    api: str

    @classmethod
    def for_stage(cls, stage: str) -> StackNames:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, got '{stage}'")
        suffix = stage.capitalize()
        return cls(auth=f"{STACK_PREFIX}Auth{suffix}", api=f"{STACK_PREFIX}Api{suffix}")


# Account-wide (not per stage): GitHub Actions' OIDC roles, built only with -c githubRepo=...
GITHUB_OIDC_STACK = f"{STACK_PREFIX}GithubOidc"
# IAM resource pattern matching every stack of this app (stack ids end in a random UUID).
STACK_ARN_PATTERN = f"stack/{STACK_PREFIX}*/*"


# Named context sets: what `make synth` synthesizes and the suite snapshots. The external
# issuers use example values; real deployments pass their own with -c.
AUTH0_DOMAIN = "dev-abc123.us.auth0.com"
AUTH0_AUDIENCE = "https://profile-api.example.com"
OKTA_DOMAIN = "dev-123456.okta.com"
JWT_ISSUER = "https://idp.example.com/realms/main"
SES_FROM_EMAIL = "no-reply@example.com"  # an address SES has verified (e-mail MFA needs SES)

# Prod refuses localhost callback URLs and CORS origins: every prod synth passes these.
PROD_CONTEXT: Mapping[str, str] = {"callbackUrls": "https://app.example.com/callback"}

SYNTH_CONFIGURATIONS: Mapping[str, Mapping[str, Any]] = {
    "cognito": {},
    "cognito-prod": {"stage": "prod", **PROD_CONTEXT},
    "cognito-scoped": {"requireScopes": "true", "machineClient": "true"},
    # Sign-in choices (issue 31): SMS codes (an SMS role), e-mail MFA through SES, the classic
    # hosted UI; and passkeys alone on a custom relying party with the updated issuer format.
    "cognito-sms-email-mfa": {
        "signInFactors": "password,email_otp,sms_otp",
        "mfa": "true",
        "mfaEmail": "true",
        "sesFromEmail": SES_FROM_EMAIL,
        "managedLogin": "classic",
    },
    "cognito-passkeys-updated-issuer": {
        "signInFactors": "password,passkey",
        "passkeyRelyingPartyId": "auth.example.com",
        "passkeyUserVerification": "required",
        "issuerFormat": "updated",
    },
    "auth0": {
        "auth": "auth0",
        "auth0Domain": AUTH0_DOMAIN,
        "audience": AUTH0_AUDIENCE,
        "readScopes": "read:profile",
        "writeScopes": "write:profile",
    },
    "okta": {
        "auth": "okta",
        "oktaDomain": OKTA_DOMAIN,
        "audience": "api://default",
        "readScopes": "profile.read",
        "writeScopes": "profile.write",
        "adminScopes": "profiles.read",
    },
    "jwt": {
        "auth": "jwt",
        "issuer": JWT_ISSUER,
        "audience": "profile-api,profile-cli",
        "readScopes": "api.read",
        "writeScopes": "api.write",
    },
}


# Every optional part at once: a custom domain with a Route 53 alias, alarms with an e-mail.
EXTRAS_DOMAIN = "api.example.com"
EXTRAS_CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)
EXTRAS: Mapping[str, str] = {
    "apiDomain": EXTRAS_DOMAIN,
    "certificateArn": EXTRAS_CERTIFICATE_ARN,
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "hostedZoneName": "example.com",
    "alarms": "true",
    "alarmEmail": "ops@example.com",
}
# What the security gates check (cdk-nag, cfn-lint, checkov in the tests and `make checkov`).
CONFIGURATIONS: Mapping[str, Mapping[str, Any]] = {
    **SYNTH_CONFIGURATIONS,
    "extras": {
        "auth": "jwt",
        "issuer": JWT_ISSUER,
        "audience": "profile-api",
        "readScopes": "api.read",
        "writeScopes": "api.write",
        **EXTRAS,
    },
}


def in_both_stages(configurations: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every configuration in dev and in prod (PROD_CONTEXT in prod: it refuses localhost
    callback URLs), named `<configuration>-<stage>`."""
    both: dict[str, dict[str, Any]] = {}
    for name, context in configurations.items():
        for stage in ("dev", "prod"):
            prod = dict(PROD_CONTEXT) if stage == "prod" else {}
            both[f"{name.removesuffix('-prod')}-{stage}"] = dict(context) | prod | {"stage": stage}
    return both


GATED_CONFIGURATIONS = in_both_stages(CONFIGURATIONS)


def context_args(context: Mapping[str, Any]) -> list[str]:
    """A context set as CDK CLI arguments: ["-c", "key=value", ...]."""
    return [arg for key, value in context.items() for arg in ("-c", f"{key}={value}")]
