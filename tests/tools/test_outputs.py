"""tools.outputs: one reader of a stage's outputs, one rule for a stage without AuthStack."""

from __future__ import annotations

import pytest

from stacks.contract import ApiOutput, AuthOutput, StackNames
from tools.outputs import OutputsError, StageOutputs

API = {ApiOutput.API_URL.value: "https://x/", ApiOutput.API_ID.value: "x"}
AUTH = {AuthOutput.USER_POOL_ID.value: "pool", AuthOutput.CLIENT_ID.value: "client"}
DEV = StackNames.for_stage("dev")


def test_a_cognito_stage_has_both_stacks_outputs() -> None:
    """GIVEN ApiStack and AuthStack outputs WHEN read THEN URL, id, pool and client."""
    outputs = StageOutputs.from_stacks({DEV.api: API, DEV.auth: AUTH}, "dev")
    assert (outputs.api_url, outputs.api_id) == ("https://x/", "x")
    assert (outputs.user_pool_id, outputs.client_id) == ("pool", "client")


def test_a_stage_without_auth_stack_has_no_pool() -> None:
    """GIVEN only ApiStack (auth0/okta/jwt) WHEN read THEN no pool and no client, no error."""
    outputs = StageOutputs.from_stacks({DEV.api: API}, "dev")
    assert outputs.auth is None
    assert outputs.user_pool_id is None


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        ({}, "stack JwtProfileApiDev is not deployed"),
        ({DEV.api: {ApiOutput.API_URL.value: "https://x/"}}, "has no ApiId output"),
        ({DEV.api: API, DEV.auth: {}}, "stack JwtProfileAuthDev has no UserPoolId output"),
    ],
)
def test_missing_stacks_or_outputs_name_the_stack_and_the_output(
    stacks: dict[str, dict[str, str]], message: str
) -> None:
    """GIVEN a stage missing a stack or an output WHEN read THEN one error naming both."""
    with pytest.raises(OutputsError, match=message):
        StageOutputs.from_stacks(stacks, "dev")


def test_prod_reads_prod_stacks_only() -> None:
    """GIVEN dev stacks only WHEN prod is read THEN prod's ApiStack is reported missing."""
    with pytest.raises(OutputsError, match="JwtProfileApiProd"):
        StageOutputs.from_stacks({DEV.api: API, DEV.auth: AUTH}, "prod")


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="stage must be one of dev, prod"):
        StackNames.for_stage("qa")
