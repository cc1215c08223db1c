#!/usr/bin/env python3
"""A test-only CDK app: one user pool with EVERY Cognito trigger attached, as a team's own app
would attach them, deployed into the local emulator by the real CDK CLI
(tests/local/triggers/conftest.py). Not part of the product (stacks/)."""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

STACK_NAME = "TriggersTestApp"
HANDLERS = Path(__file__).resolve().parent / "handlers"
# Each trigger's operation and its handler in handlers/triggers.py.
TRIGGERS = {
    cognito.UserPoolOperation.PRE_SIGN_UP: "pre_sign_up",
    cognito.UserPoolOperation.POST_CONFIRMATION: "post_confirmation",
    cognito.UserPoolOperation.PRE_AUTHENTICATION: "pre_authentication",
    cognito.UserPoolOperation.POST_AUTHENTICATION: "post_authentication",
    cognito.UserPoolOperation.CUSTOM_MESSAGE: "custom_message",
    cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE: "define_auth_challenge",
    cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE: "create_auth_challenge",
    cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE: "verify_auth_challenge",
    cognito.UserPoolOperation.USER_MIGRATION: "user_migration",
    cognito.UserPoolOperation.CUSTOM_EMAIL_SENDER: "custom_email_sender",
    cognito.UserPoolOperation.CUSTOM_SMS_SENDER: "custom_sms_sender",
}


class TriggersStack(cdk.Stack):
    """The pool, its app client, the table post confirmation writes, the senders' KMS key."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        table = dynamodb.Table(
            self,
            "Users",
            partition_key=dynamodb.Attribute(name="sub", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        key = kms.Key(self, "SenderKey", removal_policy=cdk.RemovalPolicy.DESTROY)
        pool = cognito.UserPool(
            self,
            "Pool",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            feature_plan=cognito.FeaturePlan.ESSENTIALS,  # the V2 pre token trigger needs it
            custom_sender_kms_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        code = lambda_.Code.from_asset(str(HANDLERS))
        environment = {"USERS_TABLE": table.table_name, "SENDER_KEY_ARN": key.key_arn}
        functions = {name: self._function(name, code, environment) for name in TRIGGERS.values()}
        for operation, name in TRIGGERS.items():
            pool.add_trigger(operation, functions[name])
        pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
            self._function("pre_token_generation", code, environment),
            cognito.LambdaVersion.V2_0,
        )
        for writer in ("post_confirmation", "post_authentication"):
            table.grant_write_data(functions[writer])
        for sender in ("custom_email_sender", "custom_sms_sender"):
            table.grant_write_data(functions[sender])
            key.grant_decrypt(functions[sender])
        client = pool.add_client(
            "Client",
            auth_flows=cognito.AuthFlow(
                user_password=True, admin_user_password=True, user_srp=True, custom=True
            ),
            prevent_user_existence_errors=True,
        )
        cdk.CfnOutput(self, "UserPoolId", value=pool.user_pool_id)
        cdk.CfnOutput(self, "ClientId", value=client.user_pool_client_id)
        cdk.CfnOutput(self, "UsersTable", value=table.table_name)
        cdk.CfnOutput(self, "SenderKeyArn", value=key.key_arn)

    def _function(
        self, name: str, code: lambda_.Code, environment: dict[str, str]
    ) -> lambda_.Function:
        return lambda_.Function(
            self,
            name,
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler=f"triggers.{name}",
            code=code,
            environment=environment,
            timeout=cdk.Duration.seconds(10),  # longer than Cognito's 5 s wait ("slow")
        )


def main() -> None:
    app = cdk.App()
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    )
    TriggersStack(app, STACK_NAME, env=env)
    app.synth()


if __name__ == "__main__":
    main()
