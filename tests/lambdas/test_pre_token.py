"""The pre token generation trigger with Cognito's event version 2, against SSM in moto."""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from pre_token import handler as pre_token

from tests.lambdas.conftest import REGION

USER_CLIENT = "4user0client0id0example"
USER_SCOPES = "profile-api/profile.read profile-api/profile.write"


@pytest.fixture
def trigger_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The function's environment as AuthStack sets it, with the client id stored in SSM."""
    name = f"/JwtProfileAuthTest{uuid.uuid4().hex[:6]}/user-client-id"
    ssm = boto3.client("ssm", endpoint_url=moto_endpoint, region_name=REGION)
    ssm.put_parameter(Name=name, Value=USER_CLIENT, Type="String")
    monkeypatch.setenv("USER_CLIENT_ID_PARAMETER", name)
    monkeypatch.setenv("USER_SCOPES", USER_SCOPES)
    pre_token._user_client_id.cache_clear()
    yield
    pre_token._user_client_id.cache_clear()


def v2_event(client_id: str = USER_CLIENT, **overrides: Any) -> dict[str, Any]:
    """An event as Cognito sends it for an InitiateAuth sign-in (version 2)."""
    event: dict[str, Any] = {
        "version": "2",
        "triggerSource": "TokenGeneration_Authentication",
        "region": REGION,
        "userPoolId": "us-east-1_EXAMPLE",
        "userName": "6d1f4e1c-0000-4000-8000-000000000001",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": {
            "userAttributes": {
                "sub": "6d1f4e1c-0000-4000-8000-000000000001",
                "email": "ada@example.com",
                "email_verified": "true",
                "cognito:user_status": "CONFIRMED",
            },
            "groupConfiguration": {
                "groupsToOverride": [],
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
            "scopes": ["aws.cognito.signin.user.admin"],
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }
    event.update(overrides)
    return event


def test_user_client_sign_in_gets_both_user_scopes_added(trigger_env: None) -> None:
    """GIVEN an InitiateAuth sign-in through the user app client WHEN the trigger runs THEN the
    access token gets profile.read and profile.write added, and nothing else changes."""
    event = v2_event()
    before = copy.deepcopy(event)
    result = pre_token.handler(event, None)
    details = result["response"]["claimsAndScopeOverrideDetails"]
    assert details == {
        "accessTokenGeneration": {
            "scopesToAdd": ["profile-api/profile.read", "profile-api/profile.write"]
        }
    }
    assert {k: v for k, v in result.items() if k != "response"} == {
        k: v for k, v in before.items() if k != "response"
    }


def test_other_client_gets_nothing_added(trigger_env: None) -> None:
    """GIVEN a sign-in through another client of the pool WHEN the trigger runs THEN the
    response stays null: only the user app client's tokens get the user scopes."""
    result = pre_token.handler(v2_event(client_id="another0client"), None)
    assert result["response"] == {"claimsAndScopeOverrideDetails": None}


def test_scopes_already_granted_by_oauth_are_not_added_twice(trigger_env: None) -> None:
    """GIVEN a hosted-UI token that already has profile.read WHEN the trigger runs THEN only
    profile.write is added."""
    event = v2_event(triggerSource="TokenGeneration_HostedAuth")
    event["request"]["scopes"] = ["openid", "profile-api/profile.read"]
    result = pre_token.handler(event, None)
    access = result["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["scopesToAdd"] == ["profile-api/profile.write"]


def test_existing_overrides_in_the_response_are_kept(trigger_env: None) -> None:
    """GIVEN a response that already overrides a claim WHEN the trigger runs THEN that override
    stays and the scopes are appended."""
    event = v2_event()
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
        "accessTokenGeneration": {"scopesToAdd": ["x/y"]},
    }
    details = pre_token.handler(event, None)["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"] == {"claimsToAddOrOverride": {"tier": "gold"}}
    assert details["accessTokenGeneration"]["scopesToAdd"] == [
        "x/y",
        "profile-api/profile.read",
        "profile-api/profile.write",
    ]


def test_version_1_event_is_returned_unchanged(trigger_env: None) -> None:
    """GIVEN a V1 event (ID token only) WHEN the trigger runs THEN it is returned unchanged:
    V1 responses cannot add scopes."""
    event = {
        "version": "1",
        "triggerSource": "TokenGeneration_Authentication",
        "callerContext": {"clientId": USER_CLIENT},
        "request": {"userAttributes": {}},
        "response": {"claimsOverrideDetails": None},
    }
    assert pre_token.handler(copy.deepcopy(event), None) == event


def test_client_id_is_read_from_ssm_once_per_environment(
    trigger_env: None, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a warm execution environment WHEN the parameter changes THEN the cached id is
    used (one SSM call per cold start), and a cold start reads the new value."""
    pre_token.handler(v2_event(), None)
    name = os.environ["USER_CLIENT_ID_PARAMETER"]
    ssm = boto3.client("ssm", endpoint_url=moto_endpoint, region_name=REGION)
    ssm.put_parameter(Name=name, Value="new0client", Type="String", Overwrite=True)
    assert pre_token.scopes_to_add(v2_event()) != []
    pre_token._user_client_id.cache_clear()
    assert pre_token.scopes_to_add(v2_event()) == []
    assert pre_token.scopes_to_add(v2_event(client_id="new0client")) != []
