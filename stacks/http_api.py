"""ProfileHttpApi: the HTTP API, its logged `$default` stage and its JWT authorizer.

Grouped without moving a resource: `HttpApi`, `AccessLogs` and `DefaultStage` keep the logical
ids they had when ApiStack built them itself (stacks/stable_ids.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from stacks.stable_ids import Grouping

# One JSON object per request, with the caller's `sub` so abuse can be traced to an identity.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latency": "$context.responseLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "sub": "$context.authorizer.claims.sub",
    },
    separators=(",", ":"),
)


class ProfileHttpApi(Grouping):
    """Every route added here sits behind the one JWT authorizer (issuer + audiences)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        issuer: str,
        audiences: Sequence[str],
        cors_origins: Sequence[str],
        throttle_rate: float,
        throttle_burst: int,
        log_retention: logs.RetentionDays,
        removal: RemovalPolicy,
        encryption_key: kms.IKey | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            description="User profile API behind a JWT authorizer",
            create_default_stage=False,
            cors_preflight=_cors(cors_origins),
        )
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention,
            removal_policy=removal,
            encryption_key=encryption_key,
        )
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=throttle_rate, burst_limit=throttle_burst),
        )
        # Access logs on the L1 stage: the same template as the L2's access_log_settings, which
        # needs a Python-implemented jsii interface and aws_apigateway (v1) imported only for
        # AccessLogFormat: ~70 ms of every synth.
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=ACCESS_LOG_FORMAT
        )
        self.authorizer = HttpJwtAuthorizer(
            "JwtAuthorizer",
            jwt_issuer=issuer,
            jwt_audience=list(audiences),
            identity_source=["$request.header.Authorization"],
        )

    def add_route(
        self,
        path: str,
        method: apigw.HttpMethod,
        function: lambda_.IFunction,
        *,
        integration_id: str,
        scopes: Sequence[str],
    ) -> None:
        """`method path` invokes `function` (payload 2.0); with scopes, a token needs one."""
        self.http_api.add_routes(
            path=path,
            methods=[method],
            integration=HttpLambdaIntegration(integration_id, function),
            authorizer=self.authorizer,
            authorization_scopes=list(scopes) or None,
        )


def _cors(origins: Sequence[str]) -> apigw.CorsPreflightOptions | None:
    """Browser preflights answered for the configured origins only; none configured, none."""
    if not origins:
        return None
    return apigw.CorsPreflightOptions(
        allow_origins=list(origins),
        allow_methods=[
            apigw.CorsHttpMethod.GET,
            apigw.CorsHttpMethod.POST,
            apigw.CorsHttpMethod.OPTIONS,
        ],
        allow_headers=["authorization", "content-type"],
        max_age=Duration.hours(1),
    )
