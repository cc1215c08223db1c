"""The emulator add-on: CloudFormation change sets create real Cognito and API Gateway v2
resources in moto, resolve Ref/GetAtt like AWS, and record outputs and exports."""

from __future__ import annotations

import base64
import io
import json
import re
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from local.runtime.client import LocalClients
from tests.local.emulator import templates
from tests.local.emulator.conftest import AwsClient, own_emulator

CHANGE_SET = "cdk-deploy-change-set"  # the CDK CLI uses this name for every stack
AUTH_STACK = "EmuAuth"
API_STACK = "EmuApi"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def deploy(aws: AwsClient, stack: str, template: dict[str, Any], kind: str = "CREATE") -> str:
    """Create and execute a change set the way the CDK CLI does; return the stack status."""
    cfn = aws("cloudformation")
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=CHANGE_SET,
        TemplateBody=templates.body(template),
        ChangeSetType=kind,
    )
    cfn.execute_change_set(StackName=stack, ChangeSetName=CHANGE_SET)
    return str(cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])


def outputs(aws: AwsClient, stack: str) -> dict[str, str]:
    described = aws("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


# This module reads what the account holds (list_exports, list_user_pools): its own endpoint.
emulator = pytest.fixture(scope="module", name="emulator")(own_emulator)


@pytest.fixture(scope="module")
def aws(emulator: EmulatorProcess) -> AwsClient:
    return LocalClients(emulator.endpoint_url)


@pytest.fixture(scope="module")
def statuses(aws: AwsClient) -> dict[str, str]:
    """Both stacks deployed through same-named change sets; the API stack imports from auth."""
    return {
        AUTH_STACK: deploy(aws, AUTH_STACK, templates.AUTH),
        API_STACK: deploy(aws, API_STACK, templates.API),
    }


@pytest.fixture(scope="module")
def auth_out(aws: AwsClient, statuses: dict[str, str]) -> dict[str, str]:
    return outputs(aws, AUTH_STACK)


@pytest.fixture(scope="module")
def api_out(aws: AwsClient, statuses: dict[str, str]) -> dict[str, str]:
    return outputs(aws, API_STACK)


def test_both_stacks_complete_when_change_sets_share_one_name(statuses: dict[str, str]) -> None:
    """GIVEN two stacks whose change sets are both named cdk-deploy-change-set
    WHEN each is created and executed in turn
    THEN each stack, not just the first, reaches CREATE_COMPLETE."""
    assert statuses == {AUTH_STACK: "CREATE_COMPLETE", API_STACK: "CREATE_COMPLETE"}


def test_change_set_lookup_by_name_is_scoped_to_its_stack(
    aws: AwsClient, statuses: dict[str, str]
) -> None:
    """GIVEN two stacks with a change set of the same name
    WHEN each is described by name and stack
    THEN each answer belongs to the stack that was asked about."""
    cfn = aws("cloudformation")
    for stack in (AUTH_STACK, API_STACK):
        described = cfn.describe_change_set(StackName=stack, ChangeSetName=CHANGE_SET)
        assert described["StackName"] == stack
        assert described["ExecutionStatus"] == "EXECUTE_COMPLETE"


def test_unknown_change_set_answers_change_set_not_found(
    aws: AwsClient, statuses: dict[str, str]
) -> None:
    """GIVEN a stack without a change set called 'missing'
    WHEN it is described
    THEN the error is ChangeSetNotFound with HTTP 404, which the CDK CLI waits for."""
    cfn = aws("cloudformation")
    with pytest.raises(cfn.exceptions.ChangeSetNotFoundException) as caught:
        cfn.describe_change_set(StackName=AUTH_STACK, ChangeSetName="missing")
    assert caught.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_deleting_a_missing_change_set_is_not_an_error(
    aws: AwsClient, statuses: dict[str, str]
) -> None:
    """GIVEN no change set called 'missing'
    WHEN it is deleted (the CLI does this before every update)
    THEN the call succeeds."""
    aws("cloudformation").delete_change_set(StackName=AUTH_STACK, ChangeSetName="missing")


def test_user_pool_refs_and_attributes_resolve_like_aws(auth_out: dict[str, str]) -> None:
    """GIVEN the auth stack's outputs
    WHEN Ref and Fn::GetAtt on the pool, client and domain are read
    THEN they carry AWS's shapes: pool id, ARN, provider name/URL, client id, domain prefix."""
    pool_id = auth_out["PoolId"]
    assert re.fullmatch(rf"{REGION}_\w+", pool_id)
    assert auth_out["PoolIdAttr"] == pool_id
    assert auth_out["PoolArn"] == f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool_id}"
    assert auth_out["ProviderName"] == f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert auth_out["Issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert auth_out["ClientId"] == auth_out["ClientIdAttr"] != ""
    assert auth_out["DomainRef"] == templates.DOMAIN_PREFIX


def test_api_refs_and_attributes_resolve_like_aws(api_out: dict[str, str]) -> None:
    """GIVEN the API stack's outputs
    WHEN Ref and Fn::GetAtt on the API, stage, authorizer, integration and route are read
    THEN they are real ids, the stage's name and the execute-api endpoint."""
    api_id = api_out["ApiId"]
    assert api_out["ApiIdAttr"] == api_id
    assert api_out["ApiEndpoint"] == f"https://{api_id}.execute-api.{REGION}.amazonaws.com"
    assert api_out["StageName"] == "$default"
    for key in ("AuthorizerId", "IntegrationId", "GetRouteId"):
        assert re.fullmatch(r"[a-z0-9]+", api_out[key]), key


def test_import_value_resolves_the_other_stacks_export(
    aws: AwsClient, auth_out: dict[str, str], api_out: dict[str, str]
) -> None:
    """GIVEN the auth stack exports its issuer
    WHEN the API stack imports it with Fn::ImportValue
    THEN the imported value is the issuer, and the export is listed."""
    assert api_out["ImportedIssuer"] == auth_out["Issuer"]
    exports = {e["Name"]: e["Value"] for e in aws("cloudformation").list_exports()["Exports"]}
    assert exports[templates.ISSUER_EXPORT] == auth_out["Issuer"]
    assert exports[templates.CLIENT_EXPORT] == auth_out["ClientId"]


def test_user_pool_client_and_domain_exist_in_cognito(
    aws: AwsClient, auth_out: dict[str, str]
) -> None:
    """GIVEN the deployed auth stack
    WHEN cognito-idp is asked about the pool, client and domain
    THEN all exist, and the client keeps its explicit auth flows and OAuth settings."""
    idp = aws("cognito-idp")
    pools = {p["Id"]: p["Name"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]}
    assert pools[auth_out["PoolId"]] == "emu-test-pool"
    client = idp.describe_user_pool_client(
        UserPoolId=auth_out["PoolId"], ClientId=auth_out["ClientId"]
    )["UserPoolClient"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["AllowedOAuthScopes"] == ["openid", "email"]
    assert client["CallbackURLs"] == ["https://localhost:3000"]
    domain = idp.describe_user_pool_domain(Domain=templates.DOMAIN_PREFIX)["DomainDescription"]
    assert domain["UserPoolId"] == auth_out["PoolId"]


def test_routes_keep_authorization_and_target(aws: AwsClient, api_out: dict[str, str]) -> None:
    """GIVEN the deployed API stack
    WHEN its routes are listed
    THEN each keeps its key, JWT authorization, authorizer, scopes and integration target."""
    routes = {
        r["RouteKey"]: r for r in aws("apigatewayv2").get_routes(ApiId=api_out["ApiId"])["Items"]
    }
    assert set(routes) == {"GET /user/profile", "POST /user/profile"}
    for route in routes.values():
        assert route["AuthorizationType"] == "JWT"
        assert route["AuthorizerId"] == api_out["AuthorizerId"]
        assert route["Target"] == f"integrations/{api_out['IntegrationId']}"
    assert routes["POST /user/profile"]["AuthorizationScopes"] == ["profile/write"]
    assert "AuthorizationScopes" not in routes["GET /user/profile"]


def test_authorizer_keeps_jwt_configuration_and_identity_source(
    aws: AwsClient, auth_out: dict[str, str], api_out: dict[str, str]
) -> None:
    """GIVEN an authorizer whose issuer and audience were imported from the auth stack
    WHEN get_authorizers is called
    THEN it returns the JWT configuration with the real issuer and client id."""
    (authorizer,) = aws("apigatewayv2").get_authorizers(ApiId=api_out["ApiId"])["Items"]
    assert authorizer["AuthorizerId"] == api_out["AuthorizerId"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {
        "Audience": [auth_out["ClientId"]],
        "Issuer": auth_out["Issuer"],
    }


def test_integration_points_at_the_lambda_with_payload_v2(
    aws: AwsClient, api_out: dict[str, str]
) -> None:
    """GIVEN the deployed API stack
    WHEN its integrations are listed
    THEN the one integration proxies to the function's ARN with payload format 2.0."""
    (integration,) = aws("apigatewayv2").get_integrations(ApiId=api_out["ApiId"])["Items"]
    assert integration["IntegrationId"] == api_out["IntegrationId"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == api_out["FunctionArn"]
    assert integration["PayloadFormatVersion"] == "2.0"
    stages = aws("apigatewayv2").get_stages(ApiId=api_out["ApiId"])["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]


def test_user_password_auth_returns_tokens_for_the_deployed_client(
    aws: AwsClient, auth_out: dict[str, str]
) -> None:
    """GIVEN the deployed pool and client
    WHEN a user signs up, is confirmed by an admin and signs in with USER_PASSWORD_AUTH
    THEN Cognito returns tokens whose issuer and audience are the stack's outputs."""
    idp = aws("cognito-idp")
    email, password = "reader@example.com", "Passw0rdX"
    idp.sign_up(
        ClientId=auth_out["ClientId"],
        Username=email,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.admin_confirm_sign_up(UserPoolId=auth_out["PoolId"], Username=email)
    result = idp.initiate_auth(
        ClientId=auth_out["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    id_claims = jwt_claims(result["IdToken"])
    assert id_claims["iss"] == auth_out["Issuer"]
    assert id_claims["aud"] == auth_out["ClientId"]
    assert jwt_claims(result["AccessToken"])["client_id"] == auth_out["ClientId"]


def test_update_change_set_changes_a_route_in_place(
    aws: AwsClient, statuses: dict[str, str], auth_out: dict[str, str]
) -> None:
    """GIVEN a deployed API stack
    WHEN an UPDATE change set (same name again) changes one route's key
    THEN the stack is UPDATE_COMPLETE and the route keeps its id with the new key."""
    stack, api = "EmuApiUpdate", dict(templates.API, Outputs={})
    assert deploy(aws, stack, api) == "CREATE_COMPLETE"
    api_id = aws("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="Api"
    )["StackResourceDetail"]["PhysicalResourceId"]
    before = {
        r["RouteKey"]: r["RouteId"] for r in aws("apigatewayv2").get_routes(ApiId=api_id)["Items"]
    }

    status = deploy(aws, stack, templates.with_route_key(api, "GetRoute", "GET /me"), "UPDATE")

    after = {
        r["RouteKey"]: r["RouteId"] for r in aws("apigatewayv2").get_routes(ApiId=api_id)["Items"]
    }
    assert status == "UPDATE_COMPLETE"
    assert after == {
        "GET /me": before["GET /user/profile"],
        "POST /user/profile": before["POST /user/profile"],
    }


def test_a_route_taken_out_and_put_back_exists_again(
    aws: AwsClient, statuses: dict[str, str]
) -> None:
    """GIVEN a deployed API stack WHEN one update removes a route and a later one adds the same
    logical id back (a route taken out and put back while `make local` reloads) THEN the route
    exists again, as on AWS (moto alone would report UPDATE_COMPLETE and create nothing)."""
    stack, api = "EmuApiReAdd", dict(templates.API, Outputs={})
    assert deploy(aws, stack, api) == "CREATE_COMPLETE"
    api_id = aws("cloudformation").describe_stack_resource(
        StackName=stack, LogicalResourceId="Api"
    )["StackResourceDetail"]["PhysicalResourceId"]
    without = dict(api, Resources={k: v for k, v in api["Resources"].items() if k != "GetRoute"})

    def route_keys() -> set[str]:
        return {r["RouteKey"] for r in aws("apigatewayv2").get_routes(ApiId=api_id)["Items"]}

    assert deploy(aws, stack, without, "UPDATE") == "UPDATE_COMPLETE"
    assert route_keys() == {"POST /user/profile"}
    assert deploy(aws, stack, api, "UPDATE") == "UPDATE_COMPLETE"
    assert route_keys() == {"GET /user/profile", "POST /user/profile"}
    assert deploy(aws, stack, without, "UPDATE") == "UPDATE_COMPLETE"
    assert route_keys() == {"POST /user/profile"}


def test_failing_resource_fails_the_stack_with_a_reason(aws: AwsClient) -> None:
    """GIVEN a template whose app client points at a user pool that does not exist
    WHEN its change set is executed
    THEN the stack is CREATE_FAILED and its latest event says why (no HTTP 500)."""
    broken = {
        "Resources": {
            "Client": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {"UserPoolId": "us-east-1_doesnotexist", "ClientName": "x"},
            }
        }
    }
    assert deploy(aws, "EmuBroken", broken) == "CREATE_FAILED"
    latest = aws("cloudformation").describe_stack_events(StackName="EmuBroken")["StackEvents"][0]
    assert "us-east-1_doesnotexist" in latest["ResourceStatusReason"]


def test_create_change_set_for_a_live_stack_is_refused(
    aws: AwsClient, statuses: dict[str, str]
) -> None:
    """GIVEN a stack that is CREATE_COMPLETE
    WHEN a CREATE change set is made for the same stack name
    THEN CloudFormation refuses it instead of creating a second stack of that name."""
    with pytest.raises(ClientError, match="already exists"):
        aws("cloudformation").create_change_set(
            StackName=AUTH_STACK,
            ChangeSetName="again",
            TemplateBody=templates.body(templates.AUTH),
            ChangeSetType="CREATE",
        )


def test_deleted_stack_resources_stay_deleted_when_the_stack_is_read(aws: AwsClient) -> None:
    """GIVEN a deployed stack with a user pool, client and domain
    WHEN the stack is deleted and then described (the CLI polls it during `cdk destroy`)
    THEN it is DELETE_COMPLETE, shows no outputs, and its Cognito resources are gone."""
    cfn, idp = aws("cloudformation"), aws("cognito-idp")
    template = templates.standalone_auth("emu-delete-me", "emu-delete-me")
    assert deploy(aws, "EmuDeleteMe", template) == "CREATE_COMPLETE"
    stack_id = cfn.describe_stacks(StackName="EmuDeleteMe")["Stacks"][0]["StackId"]

    cfn.delete_stack(StackName="EmuDeleteMe")

    (deleted,) = cfn.describe_stacks(StackName=stack_id)["Stacks"]
    assert deleted["StackStatus"] == "DELETE_COMPLETE"
    assert "Outputs" not in deleted
    pool_names = [p["Name"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    assert "emu-delete-me" not in pool_names
    assert idp.describe_user_pool_domain(Domain="emu-delete-me")["DomainDescription"] == {}


def test_custom_resource_fails_the_stack_instead_of_faking_success(aws: AwsClient) -> None:
    """GIVEN a custom resource backed by a Lambda function (moto would need Docker to run it)
    WHEN the change set is executed
    THEN the stack is CREATE_FAILED and the reason names the custom resource."""
    api = templates.API["Resources"]
    custom = {
        "Resources": {
            "Role": api["Role"],
            "Handler": api["Handler"],
            "Thing": {
                "Type": "Custom::Thing",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}},
            },
        }
    }
    assert deploy(aws, "EmuCustom", custom) == "CREATE_FAILED"
    latest = aws("cloudformation").describe_stack_events(StackName="EmuCustom")["StackEvents"][0]
    assert "custom resources Thing got no response" in latest["ResourceStatusReason"]


def test_stack_resources_are_listed_like_aws_lists_them(aws: AwsClient) -> None:
    """GIVEN a stack with a Lambda permission, a type moto cannot model (AWS::CDK::Metadata)
    and a resource whose condition is false
    WHEN its resources are described
    THEN the permission has a physical id, the unmodelled resource is listed by logical id
    and type without one, and the conditional resource is not listed."""
    api = templates.API["Resources"]
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Role": api["Role"],
            "Handler": api["Handler"],
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "Handler"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                },
            },
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2"}},
            "Skipped": {"Type": "AWS::SQS::Queue", "Condition": "Never"},
        },
    }
    assert deploy(aws, "EmuListing", template) == "CREATE_COMPLETE"

    listed = aws("cloudformation").describe_stack_resources(StackName="EmuListing")
    by_id = {r["LogicalResourceId"]: r for r in listed["StackResources"]}

    assert set(by_id) == {"Role", "Handler", "Permission", "CDKMetadata"}
    assert by_id["Permission"]["PhysicalResourceId"].startswith("EmuListing-Permission-")
    assert by_id["CDKMetadata"]["ResourceType"] == "AWS::CDK::Metadata"
    assert "PhysicalResourceId" not in by_id["CDKMetadata"]


def test_function_code_location_downloads_the_deployed_package(aws: AwsClient) -> None:
    """GIVEN a function deployed from a zip in S3 (how the CDK CLI ships Lambda assets)
    WHEN GetFunction is called
    THEN Code.Location is a URL on the emulator that downloads exactly that zip."""
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'hi'\n")
    aws("s3").create_bucket(Bucket="emu-assets")
    aws("s3").put_object(Bucket="emu-assets", Key="code/app.zip", Body=package.getvalue())
    function = dict(templates.API["Resources"]["Handler"])
    function["Properties"] = dict(
        function["Properties"], Code={"S3Bucket": "emu-assets", "S3Key": "code/app.zip"}
    )
    template = {"Resources": {"Role": templates.API["Resources"]["Role"], "Fn": function}}
    assert deploy(aws, "EmuCode", template) == "CREATE_COMPLETE"
    name = aws("cloudformation").describe_stack_resource(
        StackName="EmuCode", LogicalResourceId="Fn"
    )["StackResourceDetail"]["PhysicalResourceId"]

    location = aws("lambda").get_function(FunctionName=name)["Code"]["Location"]

    assert location.startswith("http://localhost:")
    with urllib.request.urlopen(location, timeout=5) as response:  # noqa: S310 - local http
        assert response.read() == package.getvalue()
