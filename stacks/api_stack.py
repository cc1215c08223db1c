"""ApiStack: the HTTP API, its JWT authorizer, the profile functions and their table.

Composed of constructs (ProfileHttpApi, LoggedFunction, CustomDomain, Monitoring) that keep
every resource's logical id where it was when this stack built them itself (stable_ids.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import AlarmsConfig, CustomDomainConfig, IssuerConfig
from stacks.contract import PROFILE_PATH, PROFILES_PATH, ApiOutput
from stacks.encryption import grant_table_use, stage_key
from stacks.http_api import ProfileHttpApi
from stacks.logged_function import LoggedFunction, lambda_code
from stacks.stable_ids import StableIdStack


class ApiStack(StableIdStack):
    """Takes the issuer and audiences its authorizer trusts as one prop: from AuthStack
    (cross-stack) or from config."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trusted_issuer: IssuerConfig,
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
        self.removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
        self.log_retention = (
            logs.RetentionDays.THREE_MONTHS if retain_data else logs.RetentionDays.ONE_WEEK
        )
        self.key = self._stage_key(retain_data=retain_data, alarms=alarms is not None)
        self.data_key = self.key if retain_data else None
        self.table = self._profile_table(retain_data)
        self._code = lambda_code()
        self.api = ProfileHttpApi(
            self,
            "Http",
            issuer=trusted_issuer.issuer,
            audiences=trusted_issuer.audiences,
            cors_origins=cors_origins,
            throttle_rate=throttle_rate,
            throttle_burst=throttle_burst,
            log_retention=self.log_retention,
            removal=self.removal,
            encryption_key=self.data_key,
        )
        self.http_api, self.stage = self.api.http_api, self.api.stage
        self.authorizer = self.api.authorizer

        # Least privilege: GET only reads one item, POST only writes one.
        self.get_function = self._route(
            apigw.HttpMethod.GET, PROFILE_PATH, "GetProfileInfo", "get_profile", read_scopes
        )
        self.create_function = self._route(
            apigw.HttpMethod.POST,
            PROFILE_PATH,
            "CreateProfileInfo",
            "create_profile",
            write_scopes,
            write=True,
        )
        self.profiles_function: lambda_.Function | None = None
        if admin_scopes:  # never unscoped: it would let any signed-in user read every profile
            self.profiles_function = self._route(
                apigw.HttpMethod.GET,
                PROFILES_PATH,
                "GetProfileBySub",
                "get_profile_by_sub",
                admin_scopes,
                integration_id="GetProfileBySubIntegration",
            )

        api_url = self._api_url(custom_domain)
        if alarms is not None and self.key is not None:
            self._monitor(alarms)
        self._outputs(api_url, trusted_issuer)
        self.pin_grouped_logical_ids()

    def _stage_key(self, *, retain_data: bool, alarms: bool) -> kms.Key | None:
        """Prod encrypts its personal data (table, logs) with its own key; the alarm topic uses
        it too. Dev holds test data only and skips the key's monthly fee unless alarms are on."""
        if not retain_data and not alarms:
            return None
        return stage_key(
            self, "StageKey", for_logs=retain_data, for_alarms=alarms, removal=self.removal
        )

    def _profile_table(self, retain_data: bool) -> dynamodb.Table:
        """Profiles by the token's `sub`: on demand, point-in-time recovery, prod retained."""
        return dynamodb.Table(
            self,
            "ProfileTable",
            partition_key=dynamodb.Attribute(name="sub", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=retain_data,
            removal_policy=self.removal,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED if self.data_key else None,
            encryption_key=self.data_key,
        )

    def _route(
        self,
        method: apigw.HttpMethod,
        path: str,
        name: str,
        module: str,
        scopes: Sequence[str],
        *,
        write: bool = False,
        integration_id: str | None = None,
    ) -> lambda_.Function:
        """A profile function allowed one table action (PutItem or GetItem), behind a route."""
        function = LoggedFunction(
            self,
            name,
            handler=f"profile_api.{module}.handler",
            code=self._code,
            environment={"TABLE_NAME": self.table.table_name},
            log_retention=self.log_retention,
            removal=self.removal,
            encryption_key=self.data_key,
        ).function
        self.table.grant(function, "dynamodb:PutItem" if write else "dynamodb:GetItem")
        if self.data_key is not None:
            grant_table_use(self.data_key, function, write=write, region=self.region)
        default_integration = f"{'Create' if write else 'Get'}ProfileIntegration"
        self.api.add_route(
            path,
            method,
            function,
            integration_id=integration_id or default_integration,
            scopes=scopes,
        )
        return function

    def _api_url(self, custom_domain: CustomDomainConfig | None) -> str:
        """The URL callers use: the custom domain's when there is one, else the stage's."""
        if custom_domain is None:
            return self.stage.url  # ends with '/'
        from stacks.custom_domain import CustomDomain

        domain = CustomDomain(
            self, "CustomDomain", config=custom_domain, http_api=self.http_api, stage=self.stage
        )
        CfnOutput(self, ApiOutput.EXECUTE_API_URL, value=self.stage.url)
        return domain.url

    def _monitor(self, alarms: AlarmsConfig) -> None:
        from stacks.monitoring import Monitoring

        assert self.key is not None
        functions = [self.get_function, self.create_function, self.profiles_function]
        monitoring = Monitoring(
            self,
            "Monitoring",
            stage=self.stage,
            functions=[function for function in functions if function is not None],
            table=self.table,
            key=self.key,
            email=alarms.email,
        )
        CfnOutput(self, ApiOutput.ALARM_TOPIC_ARN, value=monitoring.topic.topic_arn)
        CfnOutput(self, ApiOutput.DASHBOARD_NAME, value=monitoring.dashboard.dashboard_name)

    def _outputs(self, api_url: str, trusted_issuer: IssuerConfig) -> None:
        profile_url = f"{api_url}{PROFILE_PATH.lstrip('/')}"
        CfnOutput(self, ApiOutput.GET_ENDPOINT, value=f"GET - {profile_url}")
        CfnOutput(self, ApiOutput.POST_ENDPOINT, value=f"POST - {profile_url}")
        CfnOutput(self, ApiOutput.API_URL, value=api_url)
        # The id itself, so no reader parses it back out of the URL.
        CfnOutput(self, ApiOutput.API_ID, value=self.http_api.api_id)
        CfnOutput(self, ApiOutput.ISSUER, value=trusted_issuer.issuer)
        CfnOutput(self, ApiOutput.AUDIENCE, value=",".join(trusted_issuer.audiences))
        CfnOutput(self, ApiOutput.TABLE_NAME, value=self.table.table_name)
