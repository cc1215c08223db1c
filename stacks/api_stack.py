"""ApiStack: the HTTP API, its JWT authorizer, the profile functions and their table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from stacks.config import AlarmsConfig, CustomDomainConfig
from stacks.contract import PROFILE_PATH, PROFILES_PATH, ApiOutput
from stacks.encryption import grant_table_use, stage_key

LAMBDA_ROOT = Path(__file__).resolve().parent.parent / "lambdas"
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]

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


class ApiStack(Stack):
    """Takes the issuer and audiences as props: from AuthStack (cross-stack) or from config."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        issuer: str,
        audiences: Sequence[str],
        read_scopes: Sequence[str] = (),
        write_scopes: Sequence[str] = (),
        admin_scopes: Sequence[str] = (),
        cors_origins: Sequence[str] = (),
        retain_data: bool = False,
        throttle_rate: float = 50,
        throttle_burst: int = 100,
        alarms: AlarmsConfig | None = None,
        custom_domain: CustomDomainConfig | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
        log_retention = (
            logs.RetentionDays.THREE_MONTHS if retain_data else logs.RetentionDays.ONE_WEEK
        )
        # Prod encrypts its personal data (table, logs) with its own key; the alarm topic uses
        # it too. Dev holds test data only and skips the key's monthly fee unless alarms are on.
        self.key = (
            stage_key(
                self,
                "StageKey",
                for_logs=retain_data,
                for_alarms=alarms is not None,
                removal=removal,
            )
            if retain_data or alarms is not None
            else None
        )
        self.data_key = self.key if retain_data else None

        self.table = dynamodb.Table(
            self,
            "ProfileTable",
            partition_key=dynamodb.Attribute(name="sub", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=retain_data,
            removal_policy=removal,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED if self.data_key else None,
            encryption_key=self.data_key,
        )

        code = lambda_.Code.from_asset(str(LAMBDA_ROOT), exclude=ASSET_EXCLUDES)
        self.get_function = self._profile_function(
            "GetProfileInfo", "profile_api.get_profile.handler", code, log_retention, removal
        )
        self.create_function = self._profile_function(
            "CreateProfileInfo",
            "profile_api.create_profile.handler",
            code,
            log_retention,
            removal,
        )
        # Least privilege: GET only reads one item, POST only writes one.
        self.table.grant(self.get_function, "dynamodb:GetItem")
        self.table.grant(self.create_function, "dynamodb:PutItem")
        if self.data_key is not None:
            grant_table_use(self.data_key, self.get_function, write=False, region=self.region)
            grant_table_use(self.data_key, self.create_function, write=True, region=self.region)

        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            description="User profile API behind a JWT authorizer",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(cors_origins),
                allow_methods=[
                    apigw.CorsHttpMethod.GET,
                    apigw.CorsHttpMethod.POST,
                    apigw.CorsHttpMethod.OPTIONS,
                ],
                allow_headers=["authorization", "content-type"],
                max_age=Duration.hours(1),
            )
            if cors_origins
            else None,
        )
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention,
            removal_policy=removal,
            encryption_key=self.data_key,
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
        self.http_api.add_routes(
            path=PROFILE_PATH,
            methods=[apigw.HttpMethod.GET],
            integration=HttpLambdaIntegration("GetProfileIntegration", self.get_function),
            authorizer=self.authorizer,
            authorization_scopes=list(read_scopes) or None,
        )
        self.http_api.add_routes(
            path=PROFILE_PATH,
            methods=[apigw.HttpMethod.POST],
            integration=HttpLambdaIntegration("CreateProfileIntegration", self.create_function),
            authorizer=self.authorizer,
            authorization_scopes=list(write_scopes) or None,
        )
        self.profiles_function: lambda_.Function | None = None
        if admin_scopes:  # never unscoped: it would let any signed-in user read every profile
            self.profiles_function = self._profile_function(
                "GetProfileBySub",
                "profile_api.get_profile_by_sub.handler",
                code,
                log_retention,
                removal,
            )
            self.table.grant(self.profiles_function, "dynamodb:GetItem")
            if self.data_key is not None:
                grant_table_use(
                    self.data_key, self.profiles_function, write=False, region=self.region
                )
            self.http_api.add_routes(
                path=PROFILES_PATH,
                methods=[apigw.HttpMethod.GET],
                integration=HttpLambdaIntegration(
                    "GetProfileBySubIntegration", self.profiles_function
                ),
                authorizer=self.authorizer,
                authorization_scopes=list(admin_scopes),
            )

        api_url = self.stage.url  # ends with '/'
        if custom_domain is not None:
            from stacks.custom_domain import CustomDomain

            domain = CustomDomain(
                self, "CustomDomain", config=custom_domain, http_api=self.http_api, stage=self.stage
            )
            api_url = domain.url
            CfnOutput(self, ApiOutput.EXECUTE_API_URL, value=self.stage.url)
        if alarms is not None and self.key is not None:
            from stacks.monitoring import Monitoring

            monitoring = Monitoring(
                self,
                "Monitoring",
                stage=self.stage,
                functions=[
                    function
                    for function in (
                        self.get_function,
                        self.create_function,
                        self.profiles_function,
                    )
                    if function is not None
                ],
                table=self.table,
                key=self.key,
                email=alarms.email,
            )
            CfnOutput(self, ApiOutput.ALARM_TOPIC_ARN, value=monitoring.topic.topic_arn)
            CfnOutput(self, ApiOutput.DASHBOARD_NAME, value=monitoring.dashboard.dashboard_name)
        profile_url = f"{api_url}{PROFILE_PATH.lstrip('/')}"
        CfnOutput(self, ApiOutput.GET_ENDPOINT, value=f"GET - {profile_url}")
        CfnOutput(self, ApiOutput.POST_ENDPOINT, value=f"POST - {profile_url}")
        CfnOutput(self, ApiOutput.API_URL, value=api_url)
        # The id itself, so no reader parses it back out of the URL.
        CfnOutput(self, ApiOutput.API_ID, value=self.http_api.api_id)
        CfnOutput(self, ApiOutput.ISSUER, value=issuer)
        CfnOutput(self, ApiOutput.AUDIENCE, value=",".join(audiences))
        CfnOutput(self, ApiOutput.TABLE_NAME, value=self.table.table_name)

    def _profile_function(
        self,
        name: str,
        handler: str,
        code: lambda_.Code,
        log_retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            retention=log_retention,
            removal_policy=removal,
            encryption_key=self.data_key,
        )
        # Its own role rather than AWSLambdaBasicExecutionRole (may write any log group in the
        # account, cdk-nag IAM4): the function may only write streams of its own log group.
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            inline_policies={
                "WriteOwnLogs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[log_group.log_group_arn],
                        )
                    ]
                )
            },
        )
        return lambda_.Function(
            self,
            name,
            role=role,
            runtime=HANDLER_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            memory_size=256,
            timeout=Duration.seconds(5),
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={"TABLE_NAME": self.table.table_name},
        )
