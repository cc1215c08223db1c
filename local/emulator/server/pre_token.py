"""Run the pool's deployed pre token generation trigger on every token moto issues.

Cognito calls the trigger before it signs a user's tokens (InitiateAuth, refresh, OAuth
endpoints) and, with event version 3, before a client_credentials token. moto ignores the
pool's LambdaConfig and cannot invoke Lambda (no Docker), so this module does what Cognito does:
it builds the event (version 1, 2 or 3, as the pool is configured), runs the deployed function
(`functions.DeployedFunctions`: its own code package in a worker process) and applies the
response's claim and scope overrides to the tokens before they are signed.

Installed by the add-on inside the moto process; patches two CognitoIdpUserPool methods.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.core.exceptions import JsonRESTError

from local.emulator.server import pool_keys
from local.emulator.server.functions import DeployedFunctions, FunctionError

log = logging.getLogger("local.emulator.server.pre_token")

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


class UserLambdaValidationException(JsonRESTError):  # noqa: N818 - Cognito's error code
    """What Cognito answers when a trigger fails: the sign-in fails, no token is issued."""

    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


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
        raise UserLambdaValidationException(
            "PreTokenGeneration failed with error Unrecognizable lambda output."
        )
    response = event["response"]
    overrides = Overrides()
    if version == 1:
        details = response.get("claimsOverrideDetails") or {}
        id_gen = details
        access_gen: dict[str, Any] = {}
    else:
        details = response.get("claimsAndScopeOverrideDetails") or {}
        id_gen = details.get("idTokenGeneration") or {}
        access_gen = details.get("accessTokenGeneration") or {}
    try:
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
        raise UserLambdaValidationException(
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
    user = pool._get_user(username)
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


RUNNER = DeployedFunctions()
atexit.register(RUNNER.close)


def _invoke(arn: str, event: dict[str, Any]) -> Any:
    """Run the trigger; any failure fails the sign-in, as Cognito answers it."""
    try:
        return RUNNER.invoke(arn, event)
    except FunctionError as error:
        log.warning("pre token trigger %s failed: %s", arn, error.detail)
        raise UserLambdaValidationException(
            f"PreTokenGeneration failed with error {error}."
        ) from None


# The overrides for the tokens being built on this thread (moto signs them in create_jwt).
_pending = threading.local()


@contextlib.contextmanager
def _overriding(overrides: Overrides | None) -> Iterator[None]:
    _pending.overrides = overrides
    try:
        yield
    finally:
        _pending.overrides = None


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


def sign(pool: CognitoIdpUserPool, claims: dict[str, Any]) -> str:
    """Sign claims with the pool's own key and kid (pool_keys), as its other tokens."""
    return pool_keys.encode(pool, claims)


_original_create_jwt = pool_keys.create_jwt  # moto's claims, the pool's own key
_original_access = CognitoIdpUserPool.create_access_token
_original_id = CognitoIdpUserPool.create_id_token
_original_from_refresh = CognitoIdpUserPool.create_tokens_from_refresh_token
_original_log_user_in = CognitoIdpBackend._log_user_in


def _create_jwt(
    self: CognitoIdpUserPool,
    client_id: str,
    username: str,
    token_use: str,
    expires_in: int = 60 * 60,
    extra_data: dict[str, Any] | None = None,
) -> tuple[str, int]:
    token, expires = _original_create_jwt(
        self, client_id, username, token_use, expires_in, extra_data
    )
    overrides: Overrides | None = getattr(_pending, "overrides", None)
    if overrides is None:
        return token, expires
    claims = dict(jwt.decode(token, pool_keys.own_key(self)[0]).claims)
    return sign(self, overrides.apply(claims, token_use)), expires


def _create_access_token(
    self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> tuple[str, int]:
    """Every moto sign-in and refresh signs the access token first: run the trigger here,
    once, and keep its answer for the ID token of the same sign-in (same origin_jti)."""
    refreshing = getattr(_pending, "refreshing", False)
    source = "TokenGeneration_RefreshTokens" if refreshing else "TokenGeneration_Authentication"
    overrides = run_for_user(self, client_id, username, source)
    _pending.for_id_token = (origin_jti, overrides)
    with _overriding(overrides):
        return _original_access(self, client_id, username, origin_jti)


def _create_id_token(
    self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
) -> tuple[str, int]:
    pending = getattr(_pending, "for_id_token", None)
    _pending.for_id_token = None
    if pending is not None and pending[0] == origin_jti:
        overrides = pending[1]
    else:  # an ID token on its own: the trigger has not run for it yet
        overrides = run_for_user(self, client_id, username, "TokenGeneration_Authentication")
    with _overriding(overrides):
        return _original_id(self, client_id, username, origin_jti)


def _create_tokens_from_refresh_token(
    self: CognitoIdpUserPool, refresh_token: str
) -> tuple[str, str, int]:
    """moto's password sign-ins go through here too (_log_user_in): only others refresh."""
    _pending.refreshing = not getattr(_pending, "signing_in", False)
    try:
        return _original_from_refresh(self, refresh_token)
    finally:
        _pending.refreshing = False


@contextlib.contextmanager
def refreshing() -> Iterator[None]:
    """Tokens built in this block come from a refresh: the trigger's source says so."""
    _pending.refreshing = True
    try:
        yield
    finally:
        _pending.refreshing = False


def _log_user_in(self: CognitoIdpBackend, user_pool: Any, client: Any, username: str) -> Any:
    _pending.signing_in = True
    try:
        return _original_log_user_in(self, user_pool, client, username)
    finally:
        _pending.signing_in = False


def apply() -> None:
    """Install the patches (idempotent)."""
    if CognitoIdpUserPool.create_jwt is _create_jwt:
        return
    pool = CognitoIdpUserPool
    pool.create_jwt = _create_jwt  # type: ignore[method-assign]
    pool.create_access_token = _create_access_token  # type: ignore[method-assign]
    pool.create_id_token = _create_id_token  # type: ignore[method-assign]
    pool.create_tokens_from_refresh_token = _create_tokens_from_refresh_token  # type: ignore[method-assign]
    CognitoIdpBackend._log_user_in = _log_user_in  # type: ignore[method-assign]
