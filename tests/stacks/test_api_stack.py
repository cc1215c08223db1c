"""ApiStack: HTTP API, JWT authorizer, routes, functions, table, stage, least privilege."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import (
    function_by_handler,
    only_resource,
    policy_actions_for_role,
    resources_of_type,
)

GET_HANDLER = "profile_api.get_profile.handler"
POST_HANDLER = "profile_api.create_profile.handler"


def test_authorizer_takes_issuer_and_audience_from_auth_stack(cognito: Synthesized) -> None:
    """GIVEN the Cognito configuration WHEN synthesized THEN the JWT authorizer imports the
    user pool's issuer URL and app client id from AuthStack's exports."""
    authorizer = only_resource(cognito.api_json, "AWS::ApiGatewayV2::Authorizer")["Properties"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    issuer_import = authorizer["JwtConfiguration"]["Issuer"]["Fn::ImportValue"]
    audience_import = authorizer["JwtConfiguration"]["Audience"][0]["Fn::ImportValue"]

    auth_outputs = cognito.auth_json["Outputs"] if cognito.auth_json else {}
    exports = {
        output["Export"]["Name"]: output["Value"]
        for output in auth_outputs.values()
        if "Export" in output
    }
    user_pool_id = next(iter(resources_of_type(cognito.auth_json or {}, "AWS::Cognito::UserPool")))
    client_id = next(
        iter(resources_of_type(cognito.auth_json or {}, "AWS::Cognito::UserPoolClient"))
    )
    assert exports[issuer_import] == {"Fn::GetAtt": [user_pool_id, "ProviderURL"]}
    assert exports[audience_import] == {"Ref": client_id}


def test_both_profile_routes_require_the_jwt_authorizer(cognito: Synthesized) -> None:
    """GIVEN the API WHEN its routes are listed THEN exactly GET and POST /user/profile exist and
    both use the JWT authorizer with no scopes by default."""
    authorizer_id = next(iter(resources_of_type(cognito.api_json, "AWS::ApiGatewayV2::Authorizer")))
    routes = resources_of_type(cognito.api_json, "AWS::ApiGatewayV2::Route").values()
    by_key = {route["Properties"]["RouteKey"]: route["Properties"] for route in routes}
    assert set(by_key) == {"GET /user/profile", "POST /user/profile"}
    for properties in by_key.values():
        assert properties["AuthorizationType"] == "JWT"
        assert properties["AuthorizerId"] == {"Ref": authorizer_id}
        assert "AuthorizationScopes" not in properties


def test_each_route_invokes_its_own_function_with_payload_v2(cognito: Synthesized) -> None:
    """GIVEN the routes WHEN their integrations are followed THEN GET reaches getProfileInfo and
    POST reaches createProfileInfo, both as Lambda proxy integrations with payload 2.0."""
    integrations = resources_of_type(cognito.api_json, "AWS::ApiGatewayV2::Integration")
    functions = resources_of_type(cognito.api_json, "AWS::Lambda::Function")
    handler_of = {logical_id: fn["Properties"]["Handler"] for logical_id, fn in functions.items()}
    routes = resources_of_type(cognito.api_json, "AWS::ApiGatewayV2::Route").values()
    reached: dict[str, str] = {}
    for route in routes:
        target = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[target]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        function_id = integration["IntegrationUri"]["Fn::GetAtt"][0]
        reached[route["Properties"]["RouteKey"]] = handler_of[function_id]
    assert reached == {"GET /user/profile": GET_HANDLER, "POST /user/profile": POST_HANDLER}


def test_functions_run_latest_python_on_arm64_with_the_table_name(cognito: Synthesized) -> None:
    """GIVEN both functions WHEN inspected THEN they use arm64, the newest Python runtime in
    aws-cdk-lib, a short timeout and the table name in their environment."""
    table_id = next(iter(resources_of_type(cognito.api_json, "AWS::DynamoDB::Table")))
    for handler in (GET_HANDLER, POST_HANDLER):
        properties = function_by_handler(cognito.api_json, handler)["Properties"]
        assert properties["Architectures"] == ["arm64"]
        assert properties["Runtime"] == "python3.14"
        assert properties["Timeout"] == 5
        assert properties["Environment"]["Variables"] == {"TABLE_NAME": {"Ref": table_id}}


def test_table_is_keyed_by_sub_on_demand_with_point_in_time_recovery(cognito: Synthesized) -> None:
    """GIVEN the dev stage WHEN the table is synthesized THEN it is keyed by `sub`, on demand,
    with PITR, and deleted with the stack (dev is cheap to tear down)."""
    cognito.api.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like(
                {
                    "KeySchema": [{"AttributeName": "sub", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "sub", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_prod_table_is_retained_with_deletion_protection(cognito_prod: Synthesized) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the table survives stack deletion."""
    cognito_prod.api.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": Match.object_like({"DeletionProtectionEnabled": True}),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_get_function_may_only_read_and_post_function_may_only_write(cognito: Synthesized) -> None:
    """GIVEN the two function roles WHEN their policies are collected THEN GET holds only
    dynamodb:GetItem and POST only dynamodb:PutItem, each on the profile table alone."""
    for handler, expected in (
        (GET_HANDLER, {"dynamodb:GetItem"}),
        (POST_HANDLER, {"dynamodb:PutItem"}),
    ):
        role = function_by_handler(cognito.api_json, handler)["Properties"]["Role"]
        role_id = role["Fn::GetAtt"][0]
        assert policy_actions_for_role(cognito.api_json, role_id) == expected
    table_id = next(iter(resources_of_type(cognito.api_json, "AWS::DynamoDB::Table")))
    for policy in resources_of_type(cognito.api_json, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Resource"] == {"Fn::GetAtt": [table_id, "Arn"]}


def test_stage_is_explicit_with_json_access_logs_and_throttling(cognito: Synthesized) -> None:
    """GIVEN the API WHEN its stage is synthesized THEN it is an explicit $default stage with
    JSON access logs carrying the request id and caller sub, and route throttling."""
    stage = only_resource(cognito.api_json, "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["sub"] == "$context.authorizer.claims.sub"


def test_cors_allows_only_the_configured_origins(cognito: Synthesized) -> None:
    """GIVEN the default callback URLs (the tutorial's and the demo page's) WHEN CORS is
    synthesized THEN only their origins may call."""
    api = only_resource(cognito.api_json, "AWS::ApiGatewayV2::Api")["Properties"]
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://localhost:3000", "http://localhost:3002"]
    assert set(cors["AllowMethods"]) == {"GET", "POST", "OPTIONS"}
    assert set(cors["AllowHeaders"]) == {"authorization", "content-type"}


def test_outputs_print_the_endpoints_like_the_tutorial(cognito: Synthesized) -> None:
    """GIVEN the API WHEN deployed THEN its outputs read 'GET - <url>/user/profile' etc."""
    outputs = cognito.api_json["Outputs"]
    assert {"GetEndpoint", "PostEndpoint", "ApiUrl", "Issuer", "Audience"} <= set(outputs)
    get_parts = outputs["GetEndpoint"]["Value"]["Fn::Join"][1]
    assert get_parts[0] == "GET - https://"
    assert get_parts[-1] == "/user/profile"
    assert outputs["PostEndpoint"]["Value"]["Fn::Join"][1][0] == "POST - https://"
