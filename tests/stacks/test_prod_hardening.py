"""The prod stage's hardening, one assertion each, and the dev stage's cheap, easy teardown.

Prod: user pool and table retained with deletion protection, point-in-time recovery, optional
TOTP MFA, JSON access logs with request id and caller sub, log retention on every log group,
route throttling, password auth off unless asked for. Dev: everything deletes with the stack,
short log retention, on-demand billing, no MFA.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.config import config_from_mapping
from stacks.contract import PROD_CONTEXT
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import only_resource, resources_of_type

ISSUERS = ("cognito", "auth0", "okta", "jwt")
PROD_LOG_RETENTION_DAYS = 90
DEV_LOG_RETENTION_DAYS = 7


def _api(every: dict[str, Synthesized], issuer: str, stage: str) -> dict[str, Any]:
    return every[f"{issuer}-{stage}"].api_json


def _auth(every: dict[str, Synthesized], stage: str) -> dict[str, Any]:
    auth = every[f"cognito-{stage}"].auth_json
    assert auth is not None
    return auth


def _retained(resource: dict[str, Any]) -> bool:
    return resource.get("DeletionPolicy") == resource.get("UpdateReplacePolicy") == "Retain"


def _deleted(resource: dict[str, Any]) -> bool:
    return resource.get("DeletionPolicy") == resource.get("UpdateReplacePolicy") == "Delete"


# --- prod -----------------------------------------------------------------------------------


def test_prod_user_pool_is_retained_with_deletion_protection(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the user pool outlives its stack and cannot be
    deleted by accident."""
    pool = only_resource(_auth(every_issuer_and_stage, "prod"), "AWS::Cognito::UserPool")
    assert _retained(pool)
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_prod_user_pool_offers_optional_totp_mfa_without_sms(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN users may enrol an authenticator app (TOTP);
    no SMS factor (cost and SIM-swap risk)."""
    pool = only_resource(_auth(every_issuer_and_stage, "prod"), "AWS::Cognito::UserPool")
    assert pool["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_prod_client_has_no_password_auth_flow(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN stage=prod without passwordAuth WHEN synthesized THEN USER_PASSWORD_AUTH is off."""
    client = only_resource(_auth(every_issuer_and_stage, "prod"), "AWS::Cognito::UserPoolClient")
    flows = client["Properties"]["ExplicitAuthFlows"]
    assert "ALLOW_USER_SRP_AUTH" in flows
    assert "ALLOW_USER_PASSWORD_AUTH" not in flows


def test_prod_password_auth_is_on_only_when_asked_for() -> None:
    """GIVEN stage=prod WHEN passwordAuth is absent or true THEN it is off, or on as asked."""
    asked = config_from_mapping({"stage": "prod", **PROD_CONTEXT, "passwordAuth": "true"}).cognito
    default = config_from_mapping({"stage": "prod", **PROD_CONTEXT}).cognito
    assert asked is not None
    assert default is not None
    assert (default.password_auth, asked.password_auth) == (False, True)


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_table_is_retained_protected_and_point_in_time_recoverable(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod with any issuer WHEN synthesized THEN the profile table is retained,
    deletion-protected and has point-in-time recovery."""
    table = only_resource(_api(every_issuer_and_stage, issuer, "prod"), "AWS::DynamoDB::Table")
    assert _retained(table)
    properties = table["Properties"]
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_access_logs_are_json_with_request_id_and_caller_sub(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the stage writes one JSON object per request to
    its own log group, carrying the request id and the caller's sub."""
    api = _api(every_issuer_and_stage, issuer, "prod")
    settings = only_resource(api, "AWS::ApiGatewayV2::Stage")["Properties"]["AccessLogSettings"]
    log_format = json.loads(settings["Format"])
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["sub"] == "$context.authorizer.claims.sub"
    destination = settings["DestinationArn"]["Fn::GetAtt"][0]
    assert destination in resources_of_type(api, "AWS::Logs::LogGroup")


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_log_groups_keep_ninety_days_and_outlive_the_stack(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN every log group (access logs, one per function) has
    a retention period and is retained: logs are evidence after an incident."""
    api = _api(every_issuer_and_stage, issuer, "prod")
    groups = resources_of_type(api, "AWS::Logs::LogGroup")
    assert len(groups) == 1 + len(resources_of_type(api, "AWS::Lambda::Function"))
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == PROD_LOG_RETENTION_DAYS
        assert _retained(group)


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_routes_are_throttled(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN every route inherits a rate and burst limit."""
    stage = only_resource(_api(every_issuer_and_stage, issuer, "prod"), "AWS::ApiGatewayV2::Stage")
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 100,
        "ThrottlingRateLimit": 50,
    }


# --- dev ------------------------------------------------------------------------------------


def test_dev_user_pool_deletes_with_its_stack_and_has_no_mfa(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN stage=dev WHEN synthesized THEN `cdk destroy` removes the pool: no retention, no
    deletion protection, no MFA to set up."""
    pool = only_resource(_auth(every_issuer_and_stage, "dev"), "AWS::Cognito::UserPool")
    assert _deleted(pool)
    assert pool["Properties"]["DeletionProtection"] == "INACTIVE"
    assert pool["Properties"]["MfaConfiguration"] == "OFF"


@pytest.mark.parametrize("issuer", ISSUERS)
def test_dev_table_and_logs_delete_with_the_stack_and_cost_little(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=dev WHEN synthesized THEN the table (on demand, unprotected) and every log
    group (one week) are deleted with the stack: nothing lingers or bills after teardown."""
    api = _api(every_issuer_and_stage, issuer, "dev")
    table = only_resource(api, "AWS::DynamoDB::Table")
    assert _deleted(table)
    assert table["Properties"]["DeletionProtectionEnabled"] is False
    assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    groups = resources_of_type(api, "AWS::Logs::LogGroup").values()
    assert [group["Properties"]["RetentionInDays"] for group in groups] == [
        DEV_LOG_RETENTION_DAYS
    ] * (1 + len(resources_of_type(api, "AWS::Lambda::Function")))
    assert all(_deleted(group) for group in groups)
