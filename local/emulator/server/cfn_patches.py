"""Narrow patches to moto 5.2.5's CloudFormation, so the real CDK CLI's deploys come out right.

The CDK CLI deploys every stack through a change set named `cdk-deploy-change-set`
(CreateChangeSet -> DescribeChangeSet until settled -> ExecuteChangeSet -> DescribeStacks),
and it reads bootstrap and app stack outputs afterwards. moto gets these things wrong there:

1. Change sets are looked up by name alone, ignoring StackName, while the CLI gives every
   stack's change set the same name: a lookup could return another stack's change set.
2. A missing change set raises ValidationError (or a 500 on delete); the CLI waits for
   ChangeSetNotFoundException.
3. Executing a change set does not record the stack's Outputs or Exports, so DescribeStacks
   shows no outputs and Fn::ImportValue in a later stack fails.
4. A stack created through a change set gets no view of the region's exports, so its
   Fn::ImportValue has nothing to resolve against.
5. Deleted stacks re-create their resources when their outputs are read (lazy resource map).
6. UsePreviousValue reuses a parameter's resolved value instead of the value passed, which
   breaks every update of a stack with an SSM-typed parameter (CDK's BootstrapVersion).
7. Stack resources moto skipped are listed without logical id or type, and some it created
   (AWS::Lambda::Permission) have no physical id.
8. An update that removes a resource deletes it but keeps it in the stack's resource map, so
   a later update that adds the same logical id back creates nothing (a route taken out and
   put back while `make local` reloads): the update forgets what it removed, and an added id
   an older kept state still remembers is made anew.

Each patch replaces one method of CloudFormationBackend, CloudFormationResponse or Stack
(or one function of moto.cloudformation.parsing); `apply()` installs them once.
"""

from __future__ import annotations

import logging
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import (
    AlreadyExistsException,
    CloudFormationError,
)
from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult

from . import moto_seam

logger = logging.getLogger(__name__)

_PATCHED_FLAG = "_local_emulator_patched"


class ChangeSetNotFoundError(CloudFormationError):
    """Serialized as AWS does: Code `ChangeSetNotFound`, HTTP 404 (the model supplies both)."""

    code = "ChangeSetNotFoundException"


class InvalidChangeSetStatusError(CloudFormationError):
    """Executing a change set that is not AVAILABLE (already executed, or failed)."""

    code = "InvalidChangeSetStatusException"


def _matches_stack(change_set: ChangeSet, stack_name_or_id: str | None) -> bool:
    return stack_name_or_id in (None, "", change_set.stack_name, change_set.stack_id)


def find_change_set(
    backend: CloudFormationBackend, name_or_arn: str, stack_name_or_id: str | None
) -> ChangeSet:
    """The change set with this ARN, or with this name on this stack (newest first)."""
    change_set: ChangeSet | None = backend.change_sets.get(name_or_arn)
    if change_set is not None:
        if _matches_stack(change_set, stack_name_or_id):
            return change_set
    else:
        candidates = [
            cs
            for cs in backend.change_sets.values()
            if cs.change_set_name == name_or_arn and _matches_stack(cs, stack_name_or_id)
        ]
        if candidates:
            return candidates[-1]
    raise ChangeSetNotFoundError(f"ChangeSet [{name_or_arn}] does not exist")


def describe_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> ChangeSet:
    """Why: scope the lookup by stack and raise ChangeSetNotFound (patches 1 and 2)."""
    return find_change_set(self, change_set_name, stack_name)


def delete_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    """Why: moto 500s on an unknown name and may delete another stack's change set.

    A missing change set is not an error: the CLI deletes `cdk-deploy-change-set` before
    every update whether or not one exists, then waits for DescribeChangeSet to say
    ChangeSetNotFound.
    """
    try:
        change_set = find_change_set(self, change_set_name, stack_name)
    except ChangeSetNotFoundError:
        return
    del self.change_sets[change_set.change_set_id]


_original_create_change_set = CloudFormationBackend.create_change_set


def create_change_set(
    self: CloudFormationBackend,
    stack_name: str,
    change_set_name: str,
    template: str,
    parameters: dict[str, str],
    description: str,
    change_set_type: str,
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
) -> tuple[str, str]:
    """Why: a CREATE change set must reuse a REVIEW_IN_PROGRESS stack (not add a second stack
    of the same name), refuse a live one, and see the region's exports (patch 4)."""
    if change_set_type == "CREATE":
        for stack in list(self.stacks.values()):
            if stack.name != stack_name:
                continue
            if stack.status != "REVIEW_IN_PROGRESS":
                raise AlreadyExistsException(f"Stack [{stack_name}] already exists")
            del self.stacks[stack.stack_id]  # a fresh review stack replaces the stale one
            for cs_id in [i for i, cs in self.change_sets.items() if cs.stack is stack]:
                del self.change_sets[cs_id]
    change_set_id, stack_id = _original_create_change_set(
        self,
        stack_name=stack_name,
        change_set_name=change_set_name,
        template=template,
        parameters=parameters,
        description=description,
        change_set_type=change_set_type,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
    )
    stack = self.stacks[stack_id]
    stack.cross_stack_resources = self.exports  # the live dict: later exports stay visible
    stack.resource_map.cross_stack_resources = self.exports
    return change_set_id, stack_id


def _record_outputs(backend: CloudFormationBackend, stack: Stack) -> None:
    """Parse the executed template's Outputs and publish its Exports (patch 3)."""
    moto_seam.parse_stack_template(stack)
    stack.description = stack.template_dict.get("Description")
    stack.output_map = moto_seam.stack_output_map(stack)
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    moto_seam.validate_export_uniqueness(backend, stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _fail_on_unanswered_custom_resources(stack: Stack) -> None:
    """moto runs a custom resource's Lambda in Docker and waits for its callback; without
    Docker none comes, so fail now with the reason rather than report success with no data."""
    pending = sorted(r.logical_id for r in stack.custom_resources.values() if not r.is_created())
    if pending:
        raise RuntimeError(
            f"custom resources {', '.join(pending)} got no response: the local emulator "
            "cannot run their Lambda handlers (no Docker)"
        )


def execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    """Why: run the change set of *this* stack, record outputs/exports, and report a failure
    as a failed stack (with the reason in its events) instead of an HTTP 500."""
    change_set = find_change_set(self, change_set_name, stack_name)
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatusError(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
            f"status of [{change_set.status}]"
        )
    stack = self.stacks[change_set.stack_id]
    verb = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    moto_seam.add_stack_event(stack, f"{verb}_IN_PROGRESS", "User Initiated")
    try:
        change_set.apply()
        _fail_on_unanswered_custom_resources(stack)
        stack.template = change_set.template
        if change_set.parameters:
            stack.parameters = change_set.parameters
        if change_set.tags is not None:
            stack.tags = change_set.tags
        _record_outputs(self, stack)
    except Exception as error:  # any model error must surface as a failed stack, not a 500
        logger.exception("change set %s on %s failed", change_set.change_set_name, stack.name)
        reason = f"{type(error).__name__}: {error}"
        change_set.execution_status = "EXECUTE_FAILED"
        stack.status = f"{verb}_FAILED"
        moto_seam.add_stack_event(stack, f"{verb}_FAILED", reason[:1000])
        return
    change_set.execution_status = "EXECUTE_COMPLETE"
    stack.status = f"{verb}_COMPLETE"
    moto_seam.add_stack_event(stack, f"{verb}_COMPLETE")
    # AWS drops a stack's other change sets once one is executed: they no longer apply.
    for cs_id, cs in list(self.change_sets.items()):
        if cs.stack_id == stack.stack_id and cs is not change_set:
            del self.change_sets[cs_id]


_original_stack_delete = Stack.delete


def _delete_stack_for_good(self: Stack) -> None:
    """Why: moto's resource map is lazy; reading a deleted stack's outputs or resources (the CLI
    polls DescribeStacks during `cdk destroy`) re-created them: a user pool came back."""
    _original_stack_delete(self)
    moto_seam.clear_template_resources(self.resource_map)
    self.output_map = OutputMap(self.resource_map, {}, self.stack_id)


class _UnmodelledResource:
    """A template resource of a type moto has no model for: it was skipped, not created."""

    def __init__(self, logical_id: str, resource_type: str) -> None:
        self.logical_resource_id = logical_id
        self.cf_resource_type = resource_type
        self.physical_resource_id = None


def _stack_resources(self: Stack) -> list[Any]:
    """Why: moto lists a skipped resource with no logical id or type at all (callers reading
    LogicalResourceId crash); list it like AWS does, but without a physical id. Resources whose
    Condition is false are not listed, as in AWS."""
    resource_map = self.resource_map
    conditions = getattr(resource_map, "lazy_condition_map", {})
    listed: list[Any] = []
    for logical_id, spec in moto_seam.template_resources(resource_map).items():
        resource = resource_map[logical_id]
        if resource is not None:
            listed.append(resource)
        elif not (spec.get("Condition") in conditions and not conditions[spec["Condition"]]):
            listed.append(_UnmodelledResource(logical_id, spec.get("Type", "")))
    return listed


_original_parse_and_create_resource = parsing.parse_and_create_resource


def _parse_and_create_resource(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: parsing.ResourceMap,
    account_id: str,
    region_name: str,
) -> Any:
    """Why: some moto models (AWS::Lambda::Permission) keep no physical id, so the resource
    looks missing; give it the name CloudFormation generates, as AWS shows one."""
    resource = _original_parse_and_create_resource(
        logical_id, resource_json, resources_map, account_id, region_name
    )
    if (
        resource is not None
        and not hasattr(type(resource), "physical_resource_id")
        and not getattr(resource, "physical_resource_id", None)
    ):
        stack_name = str(resources_map["AWS::StackName"])
        resource.physical_resource_id = parsing.generate_resource_name(
            resource_json["Type"], stack_name, logical_id
        )
    return resource


_original_update = parsing.ResourceMap.update


def _update_resource_map(
    self: parsing.ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None
) -> None:
    """Why: moto keeps a removed resource in `_parsed_resources` (module docstring, 8)."""
    before = set(moto_seam.template_resources(self))
    after = set(template.get("Resources", {}))
    for logical_id in after - before:  # added now: whatever an older update left is stale
        moto_seam.forget_parsed_resource(self, logical_id)
    _original_update(self, template, parameters)
    for logical_id in before - after:  # removed (and deleted) by this update
        moto_seam.forget_parsed_resource(self, logical_id)


def _previous_parameter_values(self: Stack) -> dict[str, Any]:
    """Why: UsePreviousValue must reuse the value that was passed (for CDK's BootstrapVersion,
    an SSM parameter *name*); moto reused the resolved value ("33") and then failed to look up
    an SSM parameter named "33" on every update."""
    declared = self.template_dict.get("Parameters") or {}
    values = {key: spec["Default"] for key, spec in declared.items() if "Default" in spec}
    values.update(self.parameters or {})
    return values


def _response_describe_change_set(self: CloudFormationResponse) -> ActionResult:
    """Why: moto's handler drops StackName; pass it so the lookup is scoped."""
    change_set = describe_change_set(
        self.cloudformation_backend,
        change_set_name=moto_seam.request_param(self, "ChangeSetName"),
        stack_name=moto_seam.request_param(self, "StackName"),
    )
    return ActionResult(change_set)


def _response_delete_change_set(self: CloudFormationResponse) -> EmptyResult:
    """Why: moto's handler drops StackName; pass it so the lookup is scoped."""
    delete_change_set(
        self.cloudformation_backend,
        change_set_name=moto_seam.request_param(self, "ChangeSetName"),
        stack_name=moto_seam.request_param(self, "StackName"),
    )
    return EmptyResult()


def apply() -> None:
    """Install the patches (idempotent)."""
    if getattr(CloudFormationBackend, _PATCHED_FLAG, False):
        return
    backend_patches: dict[str, Any] = {
        "create_change_set": create_change_set,
        "describe_change_set": describe_change_set,
        "delete_change_set": delete_change_set,
        "execute_change_set": execute_change_set,
    }
    for name, function in backend_patches.items():
        setattr(CloudFormationBackend, name, function)
    Stack.delete = _delete_stack_for_good  # type: ignore[method-assign]
    Stack.stack_resources = property(_stack_resources)  # type: ignore[method-assign,assignment]
    parsing.parse_and_create_resource = _parse_and_create_resource
    parsing.ResourceMap.update = _update_resource_map  # type: ignore[method-assign]
    Stack.stack_parameters = property(_previous_parameter_values)  # type: ignore[method-assign,assignment]
    CloudFormationResponse.describe_change_set = _response_describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _response_delete_change_set  # type: ignore[method-assign]
    setattr(CloudFormationBackend, _PATCHED_FLAG, True)
