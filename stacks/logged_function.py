"""LoggedFunction: one of this app's Lambda functions with its own log group and role.

Every function here (the profile handlers, the pre token trigger) is built the same way, so the
same least-privilege rules hold for all of them: a role that may write only the function's own
log group (not AWSLambdaBasicExecutionRole, which may write any group: cdk-nag IAM4), JSON logs,
the current Python runtime on arm64.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.stable_ids import Grouping

LAMBDA_ROOT = Path(__file__).resolve().parent.parent / "lambdas"
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]


def lambda_code() -> lambda_.Code:
    """The one asset every function runs: the `lambdas/` folder (runtime code only)."""
    return lambda_.Code.from_asset(str(LAMBDA_ROOT), exclude=ASSET_EXCLUDES)


class LoggedFunction(Grouping):
    """`<id>` (the function), `<id>Logs` and `<id>Role`, with the ids they had at stack level."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        code: lambda_.Code,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
        removal: RemovalPolicy,
        encryption_key: kms.IKey | None = None,
        policy_name: str = "WriteOwnLogs",
        extra_statements: Sequence[iam.PolicyStatement] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=log_retention,
            removal_policy=removal,
            encryption_key=encryption_key,
        )
        write_own_logs = iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[self.log_group.log_group_arn],
        )
        self.role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            inline_policies={
                policy_name: iam.PolicyDocument(statements=[write_own_logs, *extra_statements])
            },
        )
        self.function = lambda_.Function(
            self,
            construct_id,
            role=self.role,
            runtime=HANDLER_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            memory_size=256,
            timeout=Duration.seconds(5),
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment=dict(environment),
        )
