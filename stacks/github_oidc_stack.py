"""GithubOidcStack: lets GitHub Actions of one repository deploy this app without stored keys.

GitHub's OIDC token is exchanged for short-lived credentials of a role here. The roles can do
almost nothing themselves: they may only assume the CDK bootstrap roles (which `cdk deploy`
uses anyway), plus the few calls the post-deploy smoke test makes. Deployed once per account
and region by an administrator: `cdk deploy <its name> -c githubRepo=owner/name`
(the name is stacks.contract.GITHUB_OIDC_STACK).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config import GithubOidcConfig
from stacks.nag import acknowledge

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
DEFAULT_BOOTSTRAP_QUALIFIER = "hnb659fds"
# The roles `cdk bootstrap` creates that the CLI assumes; the CloudFormation execution role is
# not among them (only CloudFormation itself may assume it).
DEPLOY_BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
# What the smoke test touches: the stacks' outputs and a temporary user in the user pool.
SMOKE_COGNITO_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminInitiateAuth",
    "cognito-idp:AdminDeleteUser",
)


def bootstrap_role_arn(kind: str, qualifier: str = DEFAULT_BOOTSTRAP_QUALIFIER) -> str:
    """ARN of one CDK bootstrap role of the account and region this stack is deployed to."""
    return (
        f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/"
        f"cdk-{qualifier}-{kind}-role-{Aws.ACCOUNT_ID}-{Aws.REGION}"
    )


class GithubOidcStack(Stack):
    """The GitHub OIDC provider (or an existing one), a deploy role and a read-only diff role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        github: GithubOidcConfig,
        app_stacks_pattern: str,
        bootstrap_qualifier: str = DEFAULT_BOOTSTRAP_QUALIFIER,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._app_stacks_pattern = app_stacks_pattern
        provider_arn = self._provider_arn(github)
        self.deploy_role = self._deploy_role(github, provider_arn, bootstrap_qualifier)
        self._acknowledge_smoke_wildcards()
        self.diff_role = self._diff_role(github, provider_arn, bootstrap_qualifier)

        CfnOutput(
            self,
            "DeployRoleArn",
            description="Repository variable AWS_ROLE_ARN",
            value=self.deploy_role.role_arn,
        )
        CfnOutput(
            self,
            "DiffRoleArn",
            description="Repository variable AWS_DIFF_ROLE_ARN (optional: cdk diff on PRs)",
            value=self.diff_role.role_arn,
        )

    def _provider_arn(self, github: GithubOidcConfig) -> str:
        if github.provider_arn:  # An account holds one provider per URL: reuse it.
            return github.provider_arn
        provider = iam.OidcProviderNative(
            self,
            "GithubOidcProvider",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_ids=[STS_AUDIENCE],
        )
        return provider.oidc_provider_arn

    def _deploy_role(
        self, github: GithubOidcConfig, provider_arn: str, bootstrap_qualifier: str
    ) -> iam.Role:
        # Deploy jobs run in GitHub environments: their token's sub names the environment, so
        # only jobs that passed that environment's protection rules can get this role.
        deploy_subjects = [f"repo:{github.repo}:environment:{env}" for env in github.environments]
        role = self._github_role(
            "DeployRole",
            provider_arn,
            deploy_subjects,
            description=f"GitHub Actions deploys of {github.repo}: may only assume CDK roles",
            may_assume=("AssumeCdkBootstrapRoles", DEPLOY_BOOTSTRAP_ROLES),
            bootstrap_qualifier=bootstrap_qualifier,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SmokeTestReadsStackOutputs",
                actions=["cloudformation:DescribeStacks"],
                resources=[
                    f"arn:{Aws.PARTITION}:cloudformation:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                    f"{self._app_stacks_pattern}"
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SmokeTestManagesItsTemporaryUser",
                actions=list(SMOKE_COGNITO_ACTIONS),
                resources=[
                    f"arn:{Aws.PARTITION}:cognito-idp:{Aws.REGION}:{Aws.ACCOUNT_ID}:userpool/*"
                ],
            )
        )
        return role

    def _diff_role(
        self, github: GithubOidcConfig, provider_arn: str, bootstrap_qualifier: str
    ) -> iam.Role:
        # Pull-request runs execute unreviewed code: their role can only read (cdk diff
        # --method template goes through the lookup role, which is read-only).
        return self._github_role(
            "DiffRole",
            provider_arn,
            [f"repo:{github.repo}:pull_request"],
            description=f"GitHub Actions pull requests of {github.repo}: cdk diff, read-only",
            may_assume=("AssumeCdkLookupRole", ("lookup",)),
            bootstrap_qualifier=bootstrap_qualifier,
        )

    def _github_role(
        self,
        construct_id: str,
        provider_arn: str,
        subjects: list[str],
        *,
        description: str,
        may_assume: tuple[str, Sequence[str]],
        bootstrap_qualifier: str,
    ) -> iam.Role:
        """A role these GitHub subjects assume for an hour, whose first statement (its sid,
        then the kinds of CDK bootstrap role) says which bootstrap roles it may assume."""
        role = iam.Role(
            self,
            construct_id,
            assumed_by=self._github_principal(provider_arn, subjects),
            description=description,
            max_session_duration=Duration.hours(1),
        )
        sid, kinds = may_assume
        role.add_to_policy(
            iam.PolicyStatement(
                sid=sid,
                actions=["sts:AssumeRole"],
                resources=[bootstrap_role_arn(kind, bootstrap_qualifier) for kind in kinds],
            )
        )
        return role

    def _acknowledge_smoke_wildcards(self) -> None:
        """cdk-nag IAM5: the two smoke-test wildcards are scoped as far as the names allow."""
        policy = self.deploy_role.node.find_child("DefaultPolicy").node.default_child
        assert policy is not None
        where = "arn:<AWS::Partition>:{}:<AWS::Region>:<AWS::AccountId>:{}"
        reasons = {
            where.format("cloudformation", self._app_stacks_pattern): (
                "Read-only DescribeStacks of this app's stacks (stack ids end in a random UUID)."
            ),
            where.format("cognito-idp", "userpool/*"): (
                "The user pool id is random and lives in another stack; the smoke test may only "
                "create, sign in and delete its own temporary user, in this account and region."
            ),
        }
        for resource, reason in reasons.items():
            # cdk-nag matches an acknowledgement by the finding's full id: rule + [resource].
            acknowledge(policy, f"AwsSolutions-IAM5[Resource::{resource}]", reason)

    @staticmethod
    def _github_principal(provider_arn: str, subjects: list[str]) -> iam.WebIdentityPrincipal:
        """Tokens GitHub minted for STS (aud) for exactly these subjects (repo + context)."""
        return iam.WebIdentityPrincipal(
            provider_arn,
            conditions={
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                    f"{GITHUB_OIDC_HOST}:sub": subjects,
                }
            },
        )
