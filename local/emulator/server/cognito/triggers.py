"""The pool's pre token generation trigger: its event, its run, and what its answer changes.

Cognito calls the trigger before it signs a user's tokens (InitiateAuth, refresh, OAuth
endpoints) and, with event version 3, before a client_credentials token. moto ignores the
pool's LambdaConfig and cannot invoke Lambda (no Docker), so this module does what Cognito does:
it builds the event (version 1, 2 or 3, as the pool is configured), runs the deployed function
(`functions.DeployedFunctions`: its own code package in a worker process) and applies the
response's claim and scope overrides (`Overrides.apply`) to the claims before they are signed.
The one mint path (minting.py) calls it once per issue, for the access and ID token alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool

from .. import moto_seam
from . import lambda_triggers
from .exceptions import UserLambdaValidationError

# Claims Cognito does not let a trigger add, override or suppress (Cognito drops such changes).
PROTECTED_CLAIMS = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "c_hash",
        "client_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "scope",
        "sub",
        "token_use",
        "username",
        "version",
    }
)
_PROTECTED_PREFIXES = ("cognito:",)


@dataclass(frozen=True)
class TriggerConfig:
    arn: str
    version: int  # 1, 2 or 3


def trigger_config(pool: CognitoIdpUserPool) -> TriggerConfig | None:
    """The pool's pre token trigger, as CreateUserPool's LambdaConfig names it."""
    lambda_config = pool.extended_config.get("LambdaConfig") or {}
    config = lambda_config.get("PreTokenGenerationConfig") or {}
    if config.get("LambdaArn"):
        version = {"V1_0": 1, "V2_0": 2, "V3_0": 3}.get(str(config.get("LambdaVersion")), 1)
        return TriggerConfig(arn=str(config["LambdaArn"]), version=version)
    if lambda_config.get("PreTokenGeneration"):
        return TriggerConfig(arn=str(lambda_config["PreTokenGeneration"]), version=1)
    return None


@dataclass
class Overrides:
    """The trigger's answer, per token: claims to set, claims to drop, scopes to add/drop."""

    claims: dict[str, dict[str, Any]] = field(default_factory=dict)  # token_use -> claims
    suppress: dict[str, list[str]] = field(default_factory=dict)
    scopes_to_add: list[str] = field(default_factory=list)
    scopes_to_suppress: list[str] = field(default_factory=list)
    groups: list[str] | None = None

    def apply(self, claims: dict[str, Any], token_use: str) -> dict[str, Any]:
        """The claims of one token after the trigger: protected claims never change."""
        result = dict(claims)
        for name, value in self.claims.get(token_use, {}).items():
            if _changeable(name):
                result[name] = value
        for name in self.suppress.get(token_use, []):
            if _changeable(name):
                result.pop(name, None)
        if self.groups is not None:
            result["cognito:groups"] = self.groups
            if not self.groups:
                result.pop("cognito:groups")
        access = token_use == "access"  # noqa: S105 - a token kind, not a secret
        if access and (self.scopes_to_add or self.scopes_to_suppress):
            scopes = [s for s in str(result.get("scope", "")).split() if s]
            scopes += [s for s in self.scopes_to_add if s not in scopes]
            scopes = [s for s in scopes if s not in self.scopes_to_suppress]
            result["scope"] = " ".join(scopes)
        return result


def _changeable(name: str) -> bool:
    return name not in PROTECTED_CLAIMS and not name.startswith(_PROTECTED_PREFIXES)


def parse_response(event: Any, version: int) -> Overrides:
    """Read the overrides from the event the function returned; a wrong shape fails the
    sign-in, as Cognito fails it ("Unrecognizable lambda output")."""
    if not isinstance(event, dict) or not isinstance(event.get("response"), dict):
        raise UserLambdaValidationError(
            "PreTokenGeneration failed with error Unrecognizable lambda output."
        )
    response = event["response"]
    overrides = Overrides()
    try:  # any part of the wrong type (a list, a number, ...) is output Cognito cannot read
        if version == 1:
            details = response.get("claimsOverrideDetails") or {}
            id_gen = details
            access_gen: dict[str, Any] = {}
        else:
            details = response.get("claimsAndScopeOverrideDetails") or {}
            id_gen = details.get("idTokenGeneration") or {}
            access_gen = details.get("accessTokenGeneration") or {}
        overrides.claims["id"] = dict(id_gen.get("claimsToAddOrOverride") or {})
        overrides.suppress["id"] = [str(c) for c in id_gen.get("claimsToSuppress") or []]
        overrides.claims["access"] = dict(access_gen.get("claimsToAddOrOverride") or {})
        overrides.suppress["access"] = [str(c) for c in access_gen.get("claimsToSuppress") or []]
        overrides.scopes_to_add = [str(s) for s in access_gen.get("scopesToAdd") or []]
        overrides.scopes_to_suppress = [str(s) for s in access_gen.get("scopesToSuppress") or []]
        group_details = details.get("groupOverrideDetails") or {}
        if "groupsToOverride" in group_details:
            overrides.groups = [str(g) for g in group_details["groupsToOverride"] or []]
    except (AttributeError, TypeError, ValueError):
        raise UserLambdaValidationError(
            "PreTokenGeneration failed with error Unrecognizable lambda output."
        ) from None
    return overrides


def user_event(
    pool: CognitoIdpUserPool,
    config: TriggerConfig,
    *,
    client_id: str,
    username: str,
    trigger_source: str,
    scopes: list[str],
) -> dict[str, Any]:
    """The event Cognito sends for a user's tokens (version 1, 2 or 3)."""
    user = moto_seam.existing_user(pool, username)
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes.setdefault("sub", user.id)
    attributes["cognito:user_status"] = str(getattr(user.status, "value", user.status))
    request: dict[str, Any] = {
        "userAttributes": attributes,
        "groupConfiguration": {
            "groupsToOverride": [group.group_name for group in user.groups],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
    }
    if config.version >= 2:
        request["scopes"] = scopes
    return {
        "version": str(config.version),
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": request,
        "response": {
            "claimsOverrideDetails" if config.version == 1 else "claimsAndScopeOverrideDetails": (
                None
            )
        },
    }


def client_credentials_event(
    pool: CognitoIdpUserPool, client_id: str, scopes: list[str]
) -> dict[str, Any]:
    """The version 3 event of a machine-to-machine token request."""
    return {
        "version": "3",
        "triggerSource": "TokenGeneration_ClientCredentials",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": None,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": {"userAttributes": {}, "groupConfiguration": None, "scopes": scopes},
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def _invoke(arn: str, event: dict[str, Any]) -> Any:
    """Run the trigger as every trigger runs (Cognito's 5 s wait and errors: lambda_triggers);
    any failure fails the sign-in."""
    return lambda_triggers.call(arn, "PreTokenGeneration", event)


def run_for_user(
    pool: CognitoIdpUserPool, client_id: str, username: str, trigger_source: str
) -> Overrides | None:
    """Run the pool's trigger for a user's tokens; None when the pool has none."""
    config = trigger_config(pool)
    if config is None:
        return None
    event = user_event(
        pool,
        config,
        client_id=client_id,
        username=username,
        trigger_source=trigger_source,
        scopes=["aws.cognito.signin.user.admin"],
    )
    return parse_response(_invoke(config.arn, event), config.version)


def run_for_client(pool: CognitoIdpUserPool, client_id: str, scopes: list[str]) -> Overrides | None:
    """Version 3 triggers also run for client_credentials tokens; 1 and 2 do not."""
    config = trigger_config(pool)
    if config is None or config.version < 3:
        return None
    event = client_credentials_event(pool, client_id, scopes)
    return parse_response(_invoke(config.arn, event), config.version)
