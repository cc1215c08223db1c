"""Small lookups over synthesized template JSON that several infra tests share."""

from __future__ import annotations

from typing import Any


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def only_resource(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = list(resources_of_type(template, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def policy_actions_for_role(template: dict[str, Any], role_logical_id: str) -> set[str]:
    """Every IAM action granted by AWS::IAM::Policy resources attached to one role."""
    actions: set[str] = set()
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        roles = policy["Properties"]["Roles"]
        if {"Ref": role_logical_id} not in roles:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            granted = statement["Action"]
            actions.update([granted] if isinstance(granted, str) else granted)
    return actions


def function_by_handler(template: dict[str, Any], handler: str) -> dict[str, Any]:
    for function in resources_of_type(template, "AWS::Lambda::Function").values():
        if function["Properties"]["Handler"] == handler:
            return function
    raise AssertionError(f"no function with handler {handler}")
