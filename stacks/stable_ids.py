"""Logical ids that survive grouping resources into constructs.

CloudFormation replaces a resource whose logical id changes, and CDK derives the id from the
construct path: moving a log group from `Stack/GetProfileInfoLogs` into a construct at
`Stack/GetProfileInfo/Logs` would replace it (a retained prod log group left orphaned beside a
new one). A `Grouping` construct is left out of its children's paths when their logical ids are
allocated, so a stack can be composed of constructs while every deployed resource keeps its id.
The id itself is CDK's own scheme (aws-cdk-lib `core/lib/private/uniqueid.ts`), reproduced here
because CDK computes it only from a construct's real path; the stack snapshots prove both agree.
"""

from __future__ import annotations

import hashlib
import re

from aws_cdk import CfnElement, Stack
from constructs import Construct

_HIDDEN = "Default"  # left out of the id entirely
_HIDDEN_FROM_HUMAN = "Resource"  # left out of the readable part, kept in the hash
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255
_NON_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


class Grouping(Construct):
    """A construct that groups resources without adding its id to their logical ids.

    Its children must therefore have ids that are unique in the whole stack (for example
    prefixed with the grouping's own id).
    """


def unique_id(components: list[str]) -> str:
    """CDK's logical id for path components below a stack (makeUniqueId)."""
    components = [c for c in components if c != _HIDDEN]
    if not components:
        raise ValueError("a logical id needs at least one path component")
    if len(components) == 1:
        candidate = _NON_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "".join(_NON_ALPHANUMERIC.sub("", c) for c in human if c != _HIDDEN_FROM_HUMAN)
    return readable[:_MAX_HUMAN_LEN] + digest[:8].upper()


class StableIdStack(Stack):
    """A stack whose `Grouping` constructs do not move their resources' logical ids.

    Call `pin_grouped_logical_ids()` last in the stack's constructor, once every resource
    exists. (Pinning beats overriding Stack.allocateLogicalId: jsii calls such an override
    back into Python for every id, hundreds of times a synth, which made synths 4x slower.)
    """

    def pin_grouped_logical_ids(self) -> None:
        depth = len(self.node.scopes)
        pinned: set[str] = set()
        for grouping in self.node.find_all():
            if not isinstance(grouping, Grouping):
                continue
            for element in grouping.node.find_all():
                if not isinstance(element, CfnElement) or element.node.path in pinned:
                    continue
                pinned.add(element.node.path)
                below_stack = element.node.scopes[depth:]
                element.override_logical_id(
                    unique_id([s.node.id for s in below_stack if not isinstance(s, Grouping)])
                )
