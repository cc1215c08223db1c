"""The one post-deploy verifier: what a local `cdk deploy` really created, not the CLI's word.

    python -m local.emulator.caller.verify --endpoint-url http://localhost:4566 [STACK ...]

Every stack (default: all but CDKToolkit) must be CREATE_COMPLETE or UPDATE_COMPLETE, every
resource its template declares must exist, each resource of a checked type must answer its
service's describe/get call, and every output must be resolved (REFERENCE.md: moto once left a
stack in REVIEW_IN_PROGRESS while the CLI printed success). Exit code 1 and one line per
problem otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]
from botocore.exceptions import ClientError

from local.runtime.client import LocalClients as _Clients

_DONE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
# Types moto's CloudFormation accepts without creating anything, that nothing local depends on:
# the bootstrap stack's staging-bucket policy (the local S3 enforces no bucket policy anyway).
_KNOWN_UNMODELLED = frozenset({"AWS::S3::BucketPolicy"})


@dataclass(frozen=True)
class DeployedStack:
    name: str
    outputs: dict[str, str]
    resources: dict[str, str]  # logical id -> physical id
    status: str = ""  # CREATE_COMPLETE or UPDATE_COMPLETE


def _pool_of_client(aws: _Clients, client_id: str) -> None:
    idp = aws("cognito-idp")
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        clients = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)
        if any(c["ClientId"] == client_id for c in clients["UserPoolClients"]):
            return
    raise LookupError("no user pool has this client")


def _api_child(kind: str) -> Callable[[_Clients, str], None]:
    """A checker for an API Gateway v2 child resource (route, integration, ...)."""
    list_call, id_key = {
        "route": ("get_routes", "RouteId"),
        "integration": ("get_integrations", "IntegrationId"),
        "authorizer": ("get_authorizers", "AuthorizerId"),
        "stage": ("get_stages", "StageName"),
    }[kind]

    def check(aws: _Clients, physical_id: str) -> None:
        apigw = aws("apigatewayv2")
        for api in apigw.get_apis()["Items"]:
            items = getattr(apigw, list_call)(ApiId=api["ApiId"])["Items"]
            if any(item[id_key] == physical_id for item in items):
                return
        raise LookupError(f"no API has this {kind}")

    return check


def _domain(aws: _Clients, domain: str) -> None:
    if not aws("cognito-idp").describe_user_pool_domain(Domain=domain)["DomainDescription"]:
        raise LookupError("domain not found")


def _api_mapping(aws: _Clients, mapping_id: str) -> None:
    apigw = aws("apigatewayv2")
    for domain in apigw.get_domain_names()["Items"]:
        mappings = apigw.get_api_mappings(DomainName=domain["DomainName"])["Items"]
        if any(m["ApiMappingId"] == mapping_id for m in mappings):
            return
    raise LookupError("no domain name has this API mapping")


CHECKERS: dict[str, Callable[[_Clients, str], Any]] = {
    "AWS::Cognito::UserPool": lambda a, i: a("cognito-idp").describe_user_pool(UserPoolId=i),
    "AWS::Cognito::UserPoolClient": _pool_of_client,
    "AWS::Cognito::UserPoolDomain": _domain,
    "AWS::ApiGatewayV2::Api": lambda a, i: a("apigatewayv2").get_api(ApiId=i),
    "AWS::ApiGatewayV2::Route": _api_child("route"),
    "AWS::ApiGatewayV2::Integration": _api_child("integration"),
    "AWS::ApiGatewayV2::Authorizer": _api_child("authorizer"),
    "AWS::ApiGatewayV2::Stage": _api_child("stage"),
    "AWS::ApiGatewayV2::DomainName": lambda a, i: a("apigatewayv2").get_domain_name(DomainName=i),
    "AWS::ApiGatewayV2::ApiMapping": _api_mapping,
    "AWS::Lambda::Function": lambda a, i: a("lambda").get_function(FunctionName=i),
    "AWS::DynamoDB::Table": lambda a, i: a("dynamodb").describe_table(TableName=i),
    "AWS::IAM::Role": lambda a, i: a("iam").get_role(RoleName=i),
    "AWS::S3::Bucket": lambda a, i: a("s3").head_bucket(Bucket=i),
    "AWS::SSM::Parameter": lambda a, i: a("ssm").get_parameter(Name=i),
}


def inspect_deployment(
    endpoint_url: str, stack_names: Iterable[str] = ()
) -> tuple[list[DeployedStack], list[str]]:
    """(the stacks as deployed, problems found): no problems means all is really there."""
    aws = _Clients(endpoint_url)
    cfn = aws("cloudformation")
    stacks = cfn.describe_stacks()["Stacks"]
    wanted = list(stack_names) or [s["StackName"] for s in stacks if s["StackName"] != "CDKToolkit"]
    by_name = {s["StackName"]: s for s in stacks}
    problems: list[str] = []
    deployed: list[DeployedStack] = []
    if not wanted:
        problems.append("no stacks deployed")
    for name in wanted:
        stack = by_name.get(name)
        if stack is None:
            problems.append(f"{name}: stack does not exist")
            continue
        if stack["StackStatus"] not in _DONE:
            problems.append(f"{name}: status {stack['StackStatus']}, not CREATE_COMPLETE")
            continue
        resources, resource_problems = _check_resources(aws, name)
        problems.extend(resource_problems)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        unresolved = sorted(key for key, value in outputs.items() if not value or value == "None")
        if unresolved:
            problems.append(f"{name}: unresolved outputs: {', '.join(unresolved)}")
        deployed.append(
            DeployedStack(
                name=name, outputs=outputs, resources=resources, status=stack["StackStatus"]
            )
        )
    return deployed, problems


def check_deployment(endpoint_url: str, stack_names: Iterable[str] = ()) -> list[str]:
    """Problems found (empty when every stack and resource is really there)."""
    return inspect_deployment(endpoint_url, stack_names)[1]


class _TagTolerantLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML templates use short-form intrinsics (!Ref, !Sub); their values do not matter here."""


_TagTolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _parse_template(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError:
        parsed = yaml.load(body, Loader=_TagTolerantLoader)  # noqa: S506 - safe loader subclass
    return parsed if isinstance(parsed, dict) else {}


def _declared_resources(aws: _Clients, stack_name: str) -> dict[str, str]:
    """Logical id -> type for the deployed template's unconditional resources."""
    body = aws("cloudformation").get_template(StackName=stack_name)["TemplateBody"]
    template = _parse_template(body) if isinstance(body, str) else body
    return {
        logical_id: spec["Type"]
        for logical_id, spec in (template.get("Resources") or {}).items()
        if spec.get("Type") not in {"AWS::CDK::Metadata", *_KNOWN_UNMODELLED}
        and "Condition" not in spec
    }


def _check_resources(aws: _Clients, stack_name: str) -> tuple[dict[str, str], list[str]]:
    """(logical id -> physical id, problems). Judged by the template: moto lists a resource
    type it silently skipped with no type at all."""
    listed = aws("cloudformation").describe_stack_resources(StackName=stack_name)
    physical_ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in listed["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    problems = []
    for logical_id, resource_type in _declared_resources(aws, stack_name).items():
        label = f"{stack_name}/{logical_id} ({resource_type})"
        physical_id = physical_ids.get(logical_id)
        if not physical_id:
            problems.append(f"{label}: not created by the emulator")
            continue
        checker = CHECKERS.get(resource_type)
        if checker is None:
            continue
        try:
            checker(aws, physical_id)
        except (ClientError, LookupError) as error:
            problems.append(f"{label} {physical_id}: {error}")
    return physical_ids, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://localhost:4566")
    parser.add_argument("stacks", nargs="*", help="stack names (default: all but CDKToolkit)")
    args = parser.parse_args(argv)
    problems = check_deployment(args.endpoint_url, args.stacks)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("all stacks complete, all checked resources present")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
