"""cfn-lint over every synthesized template (each configuration, both stages): no error, no warning.

Informational rules (I...) are not run. The rules ignored below are listed with their reasons,
and a test proves each is still needed, so an ignore cannot outlive its cause.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from cfnlint.config import ConfigMixIn
from cfnlint.decode.decode import decode_str
from cfnlint.runner.cli import Runner

from tests.stacks.configurations import GATED_CONFIGURATIONS
from tests.stacks.conftest import Synthesized

REGIONS = ["us-east-1"]
IGNORED_RULES = {
    # W3005 "dependency already enforced by a GetAtt": CDK itself adds DependsOn from each
    # function to its role, which the function's Role GetAtt already implies. Generated and
    # harmless; the template is CDK's output, not hand-written.
    "W3005": "CDK adds a redundant DependsOn from each Lambda function to its role",
    # W6001 "output value is an import from another output": ApiStack deliberately echoes the
    # issuer and client id it imports from AuthStack, so operators and `make local` read what
    # the API trusts from the API stack alone (auth=cognito only).
    "W6001": "ApiStack re-exports the issuer and audience it imports from AuthStack on purpose",
}


def templates(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """Every stack of the app (whatever stacks the configuration builds), by stack name."""
    assembly = synthesized.app.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


@cache
def runner(ignored: tuple[str, ...]) -> Runner:
    """Loading the rules is most of a lint's cost: load them once per set of ignores."""
    return Runner(ConfigMixIn(regions=REGIONS, ignore_checks=list(ignored)))


def problems(template: dict[str, Any], ignored: tuple[str, ...]) -> list[str]:
    decoded, errors = decode_str(json.dumps(template))
    assert decoded is not None, errors
    matches = [*errors, *runner(ignored).validate_template(decoded)]
    return [f"{match.rule.id} {match.message} ({match.path_string})" for match in matches]


@pytest.mark.parametrize("name", sorted(GATED_CONFIGURATIONS))
def test_every_template_of_the_configuration_lints_clean(
    every_issuer_and_stage: dict[str, Synthesized], name: str
) -> None:
    """GIVEN one configuration in one stage WHEN cfn-lint checks each of its templates THEN
    there is no error and no warning beyond the listed ignores."""
    found = {
        stack: problems(template, tuple(IGNORED_RULES))
        for stack, template in templates(every_issuer_and_stage[name]).items()
    }
    assert found == {stack: [] for stack in found}


def test_each_ignored_rule_is_still_needed(every_issuer_and_stage: dict[str, Synthesized]) -> None:
    """GIVEN the Cognito API template WHEN linted without ignores THEN exactly the ignored rules
    fire (an ignore whose cause is gone must be removed)."""
    api = every_issuer_and_stage["cognito-dev"].api_json
    fired = {line.split(" ", 1)[0] for line in problems(api, ())}
    assert fired == set(IGNORED_RULES)


def test_lint_reports_an_error_in_a_broken_template(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN the API template with an unknown Lambda runtime WHEN linted THEN an error is
    reported (the gate is live)."""
    broken = json.loads(json.dumps(every_issuer_and_stage["jwt-dev"].api_json))
    function = next(r for r in broken["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    function["Properties"]["Runtime"] = "python2.0"
    assert any(line.startswith("E") for line in problems(broken, tuple(IGNORED_RULES)))
