"""GithubOidcStack: who may assume its roles (trust) and what the roles may do (permissions)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.builder import build_app
from stacks.config import ConfigError, config_from_mapping
from tests.stacks.conftest import cdk_json_context
from tests.stacks.helpers import only_resource, resources_of_type
from tests.stacks.test_cfn_lint import IGNORED_RULES, problems
from tests.stacks.test_nag import acknowledgements, findings

REPO = "octo-org/profile-api"
EXISTING_PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
BOOTSTRAP_ROLE = (
    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
    "cdk-hnb659fds-%s-role-${AWS::AccountId}-${AWS::Region}"
)


def _build_oidc(extra: dict[str, Any]) -> tuple[cdk.App, dict[str, Any]]:
    context = cdk_json_context() | {"githubRepo": REPO} | extra
    app = cdk.App(context=context)
    built = build_app(app, config_from_mapping(context))
    assert built.github_oidc is not None
    return app, dict(Template.from_stack(built.github_oidc).to_json())


def _synth_oidc(extra: dict[str, Any]) -> dict[str, Any]:
    return _build_oidc(extra)[1]


@pytest.fixture(scope="module")
def oidc_app() -> tuple[cdk.App, dict[str, Any]]:
    return _build_oidc({})


@pytest.fixture(scope="module")
def oidc(oidc_app: tuple[cdk.App, dict[str, Any]]) -> dict[str, Any]:
    return oidc_app[1]


def test_oidc_stack_passes_the_security_gates(oidc_app: tuple[cdk.App, dict[str, Any]]) -> None:
    """GIVEN the app with the OIDC stack WHEN cdk-nag and cfn-lint check it THEN nothing is
    reported, and its only acknowledgements are the two reviewed smoke-test wildcards (IAM5)."""
    app, template = oidc_app
    assert findings(app) == []
    assert problems(template, tuple(IGNORED_RULES)) == []
    oidc_acknowledgements = {
        rule.removeprefix("Annotation::")  # how the metadata stores it; cdk-nag reads it bare
        for construct, rule, _ in acknowledgements(app)
        if "GithubOidc" in construct.node.path
    }
    assert oidc_acknowledgements == {
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:"
        "<AWS::Region>:<AWS::AccountId>:stack/JwtProfile*/*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cognito-idp:"
        "<AWS::Region>:<AWS::AccountId>:userpool/*]",
    }


def _text(value: Any) -> Any:
    """Fn::Join / Ref / GetAtt as one readable string, so ARNs compare as text."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_text(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value


def _role_id(template: dict[str, Any], name: str) -> str:
    return next(key for key in resources_of_type(template, "AWS::IAM::Role") if name in key)


def _trust(template: dict[str, Any], name: str) -> dict[str, Any]:
    role = template["Resources"][_role_id(template, name)]["Properties"]
    statements = role["AssumeRolePolicyDocument"]["Statement"]
    assert len(statements) == 1, statements
    statement: dict[str, Any] = statements[0]
    return statement


def _permissions(template: dict[str, Any], name: str) -> list[tuple[str, list[str], list[str]]]:
    """(sid, actions, resources) of every statement of every policy attached to one role."""
    role_ref = {"Ref": _role_id(template, name)}
    found = []
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        if role_ref not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            assert "Condition" not in statement
            assert "NotAction" not in statement
            actions, resources = statement["Action"], _text(statement["Resource"])
            found.append(
                (
                    statement["Sid"],
                    [actions] if isinstance(actions, str) else actions,
                    [resources] if isinstance(resources, str) else resources,
                )
            )
    return found


def test_provider_is_githubs_issuer_with_the_sts_audience(oidc: dict[str, Any]) -> None:
    """GIVEN githubRepo only WHEN synthesized THEN one OIDC provider for GitHub's token issuer
    that accepts only tokens minted for sts.amazonaws.com."""
    provider = only_resource(oidc, "AWS::IAM::OIDCProvider")["Properties"]
    assert provider["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["ClientIdList"] == ["sts.amazonaws.com"]


def test_deploy_role_trusts_only_this_repos_deploy_environments(oidc: dict[str, Any]) -> None:
    """GIVEN githubRepo WHEN the deploy role's trust policy is read THEN only web-identity tokens
    of the provider, with aud sts.amazonaws.com and a sub of this repo's dev/prod environment."""
    trust = _trust(oidc, "DeployRole")
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    provider_id = next(iter(resources_of_type(oidc, "AWS::IAM::OIDCProvider")))
    assert trust["Principal"] == {"Federated": {"Ref": provider_id}}
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                f"repo:{REPO}:environment:dev",
                f"repo:{REPO}:environment:prod",
            ],
        }
    }


def test_diff_role_trusts_only_this_repos_pull_requests(oidc: dict[str, Any]) -> None:
    """GIVEN githubRepo WHEN the diff role's trust policy is read THEN only this repo's
    pull_request tokens (no wildcard that another repo or a branch could match)."""
    condition = _trust(oidc, "DiffRole")["Condition"]
    assert condition == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [f"repo:{REPO}:pull_request"],
        }
    }


def test_deploy_role_may_only_assume_cdk_roles_and_run_the_smoke_test(
    oidc: dict[str, Any],
) -> None:
    """GIVEN the deploy role WHEN its policies are read THEN sts:AssumeRole on exactly the four
    CDK bootstrap roles of this account/region (not the CloudFormation execution role), and the
    smoke test's reads and temporary-user calls scoped to this account and region."""
    assert _permissions(oidc, "DeployRole") == [
        (
            "AssumeCdkBootstrapRoles",
            ["sts:AssumeRole"],
            [
                BOOTSTRAP_ROLE % kind
                for kind in ("deploy", "file-publishing", "image-publishing", "lookup")
            ],
        ),
        (
            "SmokeTestReadsStackOutputs",
            ["cloudformation:DescribeStacks"],
            [
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                "stack/JwtProfile*/*"
            ],
        ),
        (
            "SmokeTestManagesItsTemporaryUser",
            [
                "cognito-idp:AdminCreateUser",
                "cognito-idp:AdminDeleteUser",
                "cognito-idp:AdminInitiateAuth",
                "cognito-idp:AdminSetUserPassword",
            ],
            ["arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"],
        ),
    ]


def test_diff_role_may_only_assume_the_read_only_lookup_role(oidc: dict[str, Any]) -> None:
    """GIVEN the diff role WHEN its policies are read THEN sts:AssumeRole on the lookup role
    only: pull-request code can read the deployed templates, never deploy."""
    assert _permissions(oidc, "DiffRole") == [
        ("AssumeCdkLookupRole", ["sts:AssumeRole"], [BOOTSTRAP_ROLE % "lookup"])
    ]


def test_outputs_name_the_repository_variables(oidc: dict[str, Any]) -> None:
    """GIVEN the stack WHEN deployed THEN its outputs are the two role ARNs the workflows use."""
    assert set(oidc["Outputs"]) == {"DeployRoleArn", "DiffRoleArn"}
    assert "AWS_ROLE_ARN" in oidc["Outputs"]["DeployRoleArn"]["Description"]


def test_existing_provider_is_reused_not_created() -> None:
    """GIVEN githubOidcProviderArn WHEN synthesized THEN no provider resource (an account has
    only one per URL) and both roles trust the given provider."""
    template = _synth_oidc({"githubOidcProviderArn": EXISTING_PROVIDER})
    assert not resources_of_type(template, "AWS::IAM::OIDCProvider")
    for role in ("DeployRole", "DiffRole"):
        assert _trust(template, role)["Principal"] == {"Federated": EXISTING_PROVIDER}


def test_chosen_environments_replace_the_default_subjects() -> None:
    """GIVEN githubEnvironments=staging WHEN synthesized THEN only that environment may deploy."""
    template = _synth_oidc({"githubEnvironments": "staging"})
    subjects = _trust(template, "DeployRole")["Condition"]["StringEquals"]
    assert subjects["token.actions.githubusercontent.com:sub"] == [
        f"repo:{REPO}:environment:staging"
    ]


def test_without_github_repo_no_oidc_stack_is_built() -> None:
    """GIVEN the default context WHEN the app is built THEN no OIDC stack: existing
    configurations synthesize exactly what they did before."""
    app = cdk.App(context=cdk_json_context())
    built = build_app(app, config_from_mapping(cdk_json_context()))
    assert built.github_oidc is None
    assert [child.node.id for child in app.node.children] == [
        "JwtProfileAuthDev",
        "JwtProfileApiDev",
    ]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"githubRepo": "profile-api"}, "context 'githubRepo' is 'profile-api': use owner/name"),
        ({"githubRepo": "octo-org/*"}, "context 'githubRepo' is 'octo-org/*': use owner/name"),
        ({"githubRepo": "a/b/c"}, "context 'githubRepo' is 'a/b/c': use owner/name"),
        (
            {"githubRepo": REPO, "githubEnvironments": "prod,*"},
            "context 'githubEnvironments' value '*' is not valid",
        ),
        (
            {"githubRepo": REPO, "githubOidcProviderArn": "arn:aws:iam::1:oidc-provider/x"},
            "context 'githubOidcProviderArn' must be arn:aws:iam::<account>:oidc-provider/",
        ),
    ],
)
def test_bad_github_context_fails_with_one_line(context: dict[str, str], message: str) -> None:
    """GIVEN a malformed GitHub setting (a wildcard would widen the trust policy) WHEN loaded
    THEN one ConfigError line naming the key."""
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(context)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
