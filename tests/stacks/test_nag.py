"""cdk-nag's AwsSolutions pack over every configuration in both stages: no unacknowledged finding.

Findings are fixed where the fix is cheap and right (each function has its own role instead of
AWSLambdaBasicExecutionRole); the rest are acknowledged in stacks/nag.py, one rule on one
resource each, with the reason. These tests also prove the gate can fail.
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from stacks.builder import build_app
from stacks.config import ConfigError, config_from_mapping
from stacks.contract import PROD_CONTEXT
from stacks.nag import add_nag_checks, nag_checks, nag_requested
from tests.stacks.configurations import GATED_CONFIGURATIONS
from tests.stacks.conftest import Synthesized, cdk_json_context

ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
# Every acknowledgement the app may carry: adding one is a reviewed change to this list.
EXPECTED_ACKNOWLEDGEMENTS = {"AwsSolutions-COG2", "AwsSolutions-COG8"}


def findings(app: IConstruct) -> list[str]:
    """Unacknowledged findings as 'rule at path' lines (empty when the app is clean)."""
    report = nag_checks(app).validate_scope(app)
    return [
        f"{violation.rule_name} at {resource.construct_path}: {violation.description[:160]}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def acknowledgements(root: IConstruct) -> list[tuple[IConstruct, str, str]]:
    """(construct, rule id, reason) for every acknowledgement in the tree."""
    found: list[tuple[IConstruct, str, str]] = []
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED and isinstance(entry.data, dict):
                found.extend((construct, rule, str(reason)) for rule, reason in entry.data.items())
    return found


@pytest.mark.parametrize("name", sorted(GATED_CONFIGURATIONS))
def test_configuration_has_no_unacknowledged_nag_finding(
    every_issuer_and_stage: dict[str, Synthesized], name: str
) -> None:
    """GIVEN one issuer configuration in one stage WHEN the AwsSolutions pack checks its
    construct tree THEN nothing is reported."""
    assert findings(every_issuer_and_stage[name].app) == []


def test_each_acknowledgement_names_one_rule_on_one_resource_with_a_reason(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN every configuration WHEN its acknowledgements are collected THEN each sits on a
    single CloudFormation resource (not a stack or the app), names one known rule, and gives a
    reason of substance."""
    seen: set[str] = set()
    for synthesized in every_issuer_and_stage.values():
        for construct, rule, reason in acknowledgements(synthesized.app):
            rule_id = re.sub(r"^annotation::", "", rule, flags=re.IGNORECASE)  # as cdk-nag reads it
            seen.add(rule_id)
            assert cdk.CfnResource.is_cfn_resource(construct), construct.node.path
            assert rule_id in EXPECTED_ACKNOWLEDGEMENTS, rule
            assert len(reason) > 80, reason
    assert seen == EXPECTED_ACKNOWLEDGEMENTS


def test_functions_use_their_own_roles_instead_of_the_managed_basic_execution_role(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN the prod API WHEN its roles are read THEN none carries an AWS managed policy, and
    each may only write log streams of its own function's log group (the IAM4 fix)."""
    api = every_issuer_and_stage["cognito-prod"].api_json
    resources: dict[str, Any] = api["Resources"]
    roles = {key: r for key, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    log_groups = {key for key, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert len(roles) == 2
    for role in roles.values():
        properties = role["Properties"]
        assert "ManagedPolicyArns" not in properties
        (policy,) = properties["Policies"]
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert statement["Resource"]["Fn::GetAtt"][0] in log_groups


def test_the_pack_reports_a_finding_on_a_construct_that_breaks_a_rule() -> None:
    """GIVEN a stack with a role holding AdministratorAccess WHEN the pack checks it THEN it
    reports IAM4 for that role (the gate is live, not vacuously green)."""
    app = cdk.App()
    stack = Stack(app, "Broken")
    iam.Role(
        stack,
        "TooPowerful",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
    )
    reported = findings(app)
    assert len(reported) == 1
    assert reported[0].startswith("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy")
    assert "Broken/TooPowerful/Resource" in reported[0]


def test_opt_in_synth_passes_a_clean_app_and_fails_on_a_finding() -> None:
    """GIVEN `-c nag=true` (add_nag_checks) WHEN the prod app synthesizes THEN synth succeeds;
    WHEN a finding is added THEN synth itself fails with CDK's validation error."""
    context = cdk_json_context() | {"stage": "prod", **PROD_CONTEXT}
    clean = cdk.App(context=context)
    build_app(clean, config_from_mapping(context))
    add_nag_checks(clean)
    clean.synth()

    broken = cdk.App(context=context)
    built = build_app(broken, config_from_mapping(context))
    iam.Role(
        built.api,
        "TooPowerful",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess")],
    )
    add_nag_checks(broken)
    with pytest.raises(RuntimeError) as failure:
        broken.synth()
    assert str(failure.value).startswith("ValidationFailed")
    assert "JwtProfileApiProd/TooPowerful/Resource" in str(failure.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("false", False), ("", False), ("true", True), (True, True), ("1", True)],
)
def test_nag_context_is_read_as_a_flag(value: object, expected: bool) -> None:
    """GIVEN context nag WHEN read THEN absent/false mean off and true means on."""
    assert nag_requested(value) is expected


def test_nag_context_typo_is_a_configuration_error() -> None:
    """GIVEN -c nag=ture WHEN read THEN a one-line ConfigError instead of silently skipping."""
    with pytest.raises(ConfigError, match="context 'nag' must be true or false"):
        nag_requested("ture")
