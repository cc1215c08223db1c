"""The constructs the stacks are composed of, each in a bare stack of its own.

Grouping resources into constructs must not move them: CloudFormation replaces a resource whose
logical id changes. So the id scheme of `stacks/stable_ids.py` is checked against CDK's own on
paths CDK allocates itself, and each construct's resources against the ids they had at stack level.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from stacks.http_api import ProfileHttpApi
from stacks.logged_function import LoggedFunction, lambda_code
from stacks.stable_ids import Grouping, StableIdStack, unique_id
from tests.stacks.helpers import only_resource, resources_of_type

# Paths that exercise every rule of CDK's scheme: one component (no hash), a hidden `Resource`,
# a hidden `Default`, a repeated component (also as the end of the one before), and a readable
# part longer than 240 characters.
PATHS = (
    ("Topic",),
    ("Outer", "Inner"),
    ("Outer", "Default"),
    ("Outer", "Outer", "Topic"),
    ("Outer", "OuterTopic"),
    ("OuterInner", "Inner"),
    ("x" * 150, "y" * 150),
    ("with-dash_and.dot", "Inner"),
)


def _template(stack: cdk.Stack) -> dict[str, Any]:
    return dict(Template.from_stack(stack).to_json())


@pytest.fixture(scope="module")
def cdk_allocated() -> dict[tuple[str, ...], str]:
    """CDK's own logical id for a topic at each path (a plain Stack, nothing overridden)."""
    app = cdk.App()
    stack = cdk.Stack(app, "Plain")
    ids: dict[tuple[str, ...], str] = {}
    for index, path in enumerate(PATHS):
        scope: Construct = Construct(stack, f"Root{index}")
        for component in path[:-1]:
            scope = Construct(scope, component)
        topic = sns.CfnTopic(scope, path[-1])
        ids[(f"Root{index}", *path)] = stack.resolve(stack.get_logical_id(topic))
    return ids


def test_the_id_scheme_is_cdks_own_on_paths_cdk_allocates(
    cdk_allocated: dict[tuple[str, ...], str],
) -> None:
    """GIVEN resources at paths covering every rule of CDK's logical-id scheme WHEN CDK allocates
    their ids THEN stable_ids.unique_id computes the same id from the same path."""
    for path, allocated in cdk_allocated.items():
        assert unique_id(list(path)) == allocated, path


def test_a_grouping_leaves_its_childrens_logical_ids_where_they_were() -> None:
    """GIVEN a topic at stack level in one stack and the same topic inside a Grouping in another
    WHEN both are synthesized THEN its logical id is the same, while a plain construct moves it."""
    app = cdk.App()
    flat, grouped, nested = (StableIdStack(app, name) for name in ("Flat", "Grouped", "Nested"))
    sns.Topic(flat, "AlarmTopic")
    sns.Topic(Grouping(grouped, "Monitoring"), "AlarmTopic")
    sns.Topic(Construct(nested, "Monitoring"), "AlarmTopic")
    for stack in (flat, grouped, nested):
        stack.pin_grouped_logical_ids()

    flat_ids = set(_template(flat)["Resources"])
    assert set(_template(grouped)["Resources"]) == flat_ids
    assert set(_template(nested)["Resources"]).isdisjoint(flat_ids)


@pytest.fixture(scope="module")
def logged_function() -> dict[str, Any]:
    app = cdk.App()
    stack = StableIdStack(app, "Bare")
    LoggedFunction(
        stack,
        "Echo",
        handler="profile_api.get_profile.handler",
        code=lambda_code(),
        environment={"TABLE_NAME": "profiles"},
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
        removal=cdk.RemovalPolicy.DESTROY,
        policy_name="WriteOwnLogsReadParameter",
        extra_statements=[iam.PolicyStatement(actions=["ssm:GetParameter"], resources=["*"])],
    )
    stack.pin_grouped_logical_ids()
    return _template(stack)


def test_a_logged_function_keeps_the_ids_it_had_at_stack_level(
    logged_function: dict[str, Any],
) -> None:
    """GIVEN a LoggedFunction `Echo` in a bare stack WHEN synthesized THEN its function, log
    group and role have the ids of `Echo`, `EchoLogs` and `EchoRole` built at stack level."""
    ids = {
        resource["Type"]: logical_id
        for logical_id, resource in logged_function["Resources"].items()
    }
    assert ids == {
        "AWS::Lambda::Function": unique_id(["Echo", "Resource"]),
        "AWS::Logs::LogGroup": unique_id(["EchoLogs", "Resource"]),
        "AWS::IAM::Role": unique_id(["EchoRole", "Resource"]),
    }


def test_a_logged_function_may_write_only_its_own_log_group(
    logged_function: dict[str, Any],
) -> None:
    """GIVEN a LoggedFunction with one extra statement WHEN synthesized THEN its role's only
    policy lets it write streams of its own log group plus that statement, nothing managed,
    and the function logs JSON there on arm64."""
    role = only_resource(logged_function, "AWS::IAM::Role")["Properties"]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    assert policy["PolicyName"] == "WriteOwnLogsReadParameter"
    logs_statement, extra = policy["PolicyDocument"]["Statement"]
    (log_group_id,) = resources_of_type(logged_function, "AWS::Logs::LogGroup")
    assert logs_statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs_statement["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    assert extra["Action"] == "ssm:GetParameter"

    function = only_resource(logged_function, "AWS::Lambda::Function")["Properties"]
    assert function["Architectures"] == ["arm64"]
    assert function["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": {"Ref": log_group_id}}
    assert function["Environment"] == {"Variables": {"TABLE_NAME": "profiles"}}


def test_a_profile_http_api_puts_every_route_behind_its_jwt_authorizer() -> None:
    """GIVEN a ProfileHttpApi in a bare stack with one scoped route WHEN synthesized THEN the
    route uses the JWT authorizer with that scope, the stage logs to its own group, and no
    CORS is answered when no origin is configured."""
    app = cdk.App()
    stack = StableIdStack(app, "Bare")
    api = ProfileHttpApi(
        stack,
        "Http",
        issuer="https://issuer.example.com/",
        audiences=["client-a"],
        cors_origins=(),
        throttle_rate=5,
        throttle_burst=10,
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
        removal=cdk.RemovalPolicy.DESTROY,
        encryption_key=None,
    )
    function = LoggedFunction(
        stack,
        "Echo",
        handler="profile_api.get_profile.handler",
        code=lambda_code(),
        environment={},
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
        removal=cdk.RemovalPolicy.DESTROY,
    ).function
    api.add_route(
        "/echo", cdk.aws_apigatewayv2.HttpMethod.GET, function, integration_id="Echo", scopes=["r"]
    )
    stack.pin_grouped_logical_ids()
    template = _template(stack)

    route = only_resource(template, "AWS::ApiGatewayV2::Route")["Properties"]
    assert route["RouteKey"] == "GET /echo"
    assert route["AuthorizationType"] == "JWT"
    assert route["AuthorizationScopes"] == ["r"]
    authorizer = only_resource(template, "AWS::ApiGatewayV2::Authorizer")["Properties"]
    assert authorizer["JwtConfiguration"] == {
        "Audience": ["client-a"],
        "Issuer": "https://issuer.example.com/",
    }
    stage = only_resource(template, "AWS::ApiGatewayV2::Stage")["Properties"]
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5}
    assert (
        "CorsConfiguration" not in only_resource(template, "AWS::ApiGatewayV2::Api")["Properties"]
    )
    assert set(resources_of_type(template, "AWS::ApiGatewayV2::Api")) == {
        unique_id(["HttpApi", "Resource"])
    }
