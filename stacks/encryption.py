"""The stage's customer-managed KMS key: profile table, log groups and the alarm topic.

Why a customer-managed key: the table holds personal data (profiles keyed by `sub`) and the
logs hold the caller's `sub` and IP address. With our own key, access is governed by its key
policy and every use is recorded in CloudTrail; deleting or disabling it makes the data
unreadable. One key per stage (not one per resource): each key costs a monthly fee.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# Everything a service principal needs to encrypt and decrypt with the key, and nothing else
# (no kms:CreateGrant, kms:PutKeyPolicy, kms:ScheduleKeyDeletion, ...).
_ENCRYPT_DECRYPT = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"]


def stage_key(
    scope: Construct,
    construct_id: str,
    *,
    for_logs: bool,
    for_alarms: bool,
    removal: RemovalPolicy,
) -> kms.Key:
    """A symmetric key with yearly rotation, usable by CloudWatch Logs and/or CloudWatch alarms.

    The key policy keeps CDK's default (the account's IAM policies decide for principals of
    this account) and adds only the service principals that cannot use IAM: CloudWatch Logs,
    restricted by the encryption context to this account's log groups in this region, and
    CloudWatch, which encrypts the alarm notifications it publishes to the encrypted topic.
    """
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        construct_id,
        description=f"{stack.stack_name}: profile table, log groups and alarm topic",
        enable_key_rotation=True,
        # A retained table or log group needs its key: the key lives as long as they do.
        removal_policy=removal,
        pending_window=Duration.days(7) if removal is RemovalPolicy.DESTROY else None,
    )
    if for_logs:
        log_groups = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[*_ENCRYPT_DECRYPT, "kms:Describe*"],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )
    if for_alarms:
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToTheTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
    return key


def grant_table_use(key: kms.IKey, role: iam.IGrantable, *, write: bool, region: str) -> None:
    """What a function needs to read (or write) items of a table encrypted with the key:
    only through DynamoDB (kms:ViaService), only the data-key operations."""
    actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] if write else ["kms:Decrypt"]
    role.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=actions,
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}},
        )
    )
