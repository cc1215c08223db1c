"""What `local up`'s real `cdk deploy` left in the emulator, read back through the AWS APIs."""

from __future__ import annotations

import pytest

from local.emulator.caller.verify import check_deployment
from local.runtime.client import LOCAL_REGION, local_client
from tests.local.conftest import LocalRun

pytestmark = pytest.mark.local


def test_every_stack_and_resource_answers_its_service_api(local_run: LocalRun) -> None:
    """GIVEN the emulator after `cdk bootstrap` and `cdk deploy --all`
    WHEN the real state is read back (not the CLI's exit code)
    THEN every stack, the bootstrap stack included, is complete and every checked resource
    answers its own service API."""
    stacks = list(local_run.state.stacks)
    assert stacks == ["JwtProfileAuthDev", "JwtProfileApiDev"]
    assert check_deployment(local_run.endpoint_url, stacks) == []
    assert check_deployment(local_run.endpoint_url, ["CDKToolkit"]) == []


def test_deployed_authorizer_trusts_the_deployed_user_pool(local_run: LocalRun) -> None:
    """GIVEN the deployed app WHEN its HTTP API's JWT authorizer is read THEN the issuer is the
    deployed pool's issuer and the audience a client of that pool (cross-stack values resolved)."""
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    apigw = local_client("apigatewayv2", local_run.endpoint_url)
    (pool,) = cognito.list_user_pools(MaxResults=10)["UserPools"]
    clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    (api,) = apigw.get_apis()["Items"]
    (authorizer,) = apigw.get_authorizers(ApiId=api["ApiId"])["Items"]
    jwt = authorizer["JwtConfiguration"]
    assert jwt["Issuer"] == f"https://cognito-idp.{LOCAL_REGION}.amazonaws.com/{pool['Id']}"
    assert set(jwt["Audience"]) <= {client["ClientId"] for client in clients}
