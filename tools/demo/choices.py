"""The sign-in choices the demo page offers itself (choice-based sign-in, `USER_AUTH`), read
from the deployed pool and client, never guessed: what the pool's sign-in policy allows
(`AllowedFirstAuthFactors`) and only when the app client has `ALLOW_USER_AUTH`.

The page calls the user pool API directly (`InitiateAuth`, `RespondToAuthChallenge`, the
WebAuthn registration calls: the operations Cognito serves unsigned to browsers), so it needs the
API's endpoint too: `https://cognito-idp.<region>.amazonaws.com` on AWS, the local AWS endpoint
offline. Reading the pool needs the caller's credentials (DescribeUserPool,
DescribeUserPoolClient); the page itself gets only the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What the page can answer, in the order it offers them (SMS_OTP needs a verified phone number).
OFFERED = ("WEB_AUTHN", "EMAIL_OTP", "SMS_OTP", "PASSWORD")
USER_AUTH_FLOW = "ALLOW_USER_AUTH"
COGNITO_DEFAULT_FACTORS = ["PASSWORD"]  # a pool without a sign-in policy


@dataclass(frozen=True)
class DirectSignIn:
    """Where the page signs in by itself, and with which first factors."""

    endpoint: str  # the user pool API, without a trailing slash
    factors: tuple[str, ...]

    @classmethod
    def read(cls, cognito: Any, pool_id: str, client_id: str) -> DirectSignIn | None:
        """From the pool and client as deployed (through `cognito`, a boto3 client whose
        endpoint the page will call too); None when the client has no USER_AUTH."""
        client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        if USER_AUTH_FLOW not in client["UserPoolClient"].get("ExplicitAuthFlows", []):
            return None
        pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        policy = pool.get("Policies", {}).get("SignInPolicy", {})
        allowed = policy.get("AllowedFirstAuthFactors", COGNITO_DEFAULT_FACTORS)
        factors = tuple(factor for factor in OFFERED if factor in allowed)
        if not factors:
            return None
        return cls(str(cognito.meta.endpoint_url).rstrip("/"), factors)

    def as_json(self) -> dict[str, Any]:
        return {"cognitoEndpoint": self.endpoint, "signInFactors": list(self.factors)}
