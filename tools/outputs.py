"""The one reader of a stage's stack outputs, with one rule for a deployment without AuthStack.

A stage is ApiStack (always) plus AuthStack (only with auth=cognito). Outputs come from
CloudFormation (real AWS, or any endpoint whose client the caller passes in) or from a local
run's recorded stacks; either way the same checks apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from stacks.contract import ApiOutput, AuthOutput, StackNames


class OutputsError(RuntimeError):
    """The stage's stacks are missing or lack an output; the message says which."""


@dataclass(frozen=True)
class StageOutputs:
    """ApiStack's outputs, and AuthStack's when the stage has its own Cognito pool."""

    api: Mapping[str, str]
    auth: Mapping[str, str] | None

    @property
    def api_url(self) -> str:
        return self.api[ApiOutput.API_URL]

    @property
    def api_id(self) -> str:
        return self.api[ApiOutput.API_ID]

    @property
    def user_pool_id(self) -> str | None:
        return None if self.auth is None else self.auth[AuthOutput.USER_POOL_ID]

    @property
    def client_id(self) -> str | None:
        return None if self.auth is None else self.auth[AuthOutput.CLIENT_ID]

    @property
    def machine_client_id(self) -> str | None:
        """Only with machineClient=true."""
        return None if self.auth is None else self.auth.get(AuthOutput.MACHINE_CLIENT_ID)

    @property
    def token_endpoint(self) -> str | None:
        """The pool's OAuth token endpoint as deployed (its Cognito domain)."""
        return None if self.auth is None else self.auth.get(AuthOutput.TOKEN_ENDPOINT)

    @classmethod
    def from_stacks(cls, stacks: Mapping[str, Mapping[str, str]], stage: str) -> StageOutputs:
        """From {stack name: outputs}, e.g. what a local run recorded after its deploy."""
        names = StackNames.for_stage(stage)
        if names.api not in stacks:
            raise OutputsError(f"stack {names.api} is not deployed")
        return cls._checked(stacks[names.api], stacks.get(names.auth), names)

    @classmethod
    def from_cloudformation(cls, cloudformation: Any, stage: str) -> StageOutputs:
        """From DescribeStacks through the given client (real AWS or a local endpoint)."""
        names = StackNames.for_stage(stage)
        api = _describe(cloudformation, names.api)
        if api is None:
            raise OutputsError(f"stack {names.api} is not deployed")
        return cls._checked(api, _describe(cloudformation, names.auth), names)

    @classmethod
    def _checked(
        cls, api: Mapping[str, str], auth: Mapping[str, str] | None, names: StackNames
    ) -> StageOutputs:
        required: list[tuple[str, Mapping[str, str], str]] = [
            (names.api, api, ApiOutput.API_URL),
            (names.api, api, ApiOutput.API_ID),
        ]
        if auth is not None:
            required += [
                (names.auth, auth, AuthOutput.USER_POOL_ID),
                (names.auth, auth, AuthOutput.CLIENT_ID),
            ]
        for stack, outputs, key in required:
            if not outputs.get(key):
                raise OutputsError(f"stack {stack} has no {key} output: redeploy it")
        return cls(api=dict(api), auth=None if auth is None else dict(auth))


def _describe(cloudformation: Any, name: str) -> dict[str, str] | None:
    """A stack's outputs, or None when it does not exist (AuthStack with another issuer)."""
    try:
        described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        message = error.response.get("Error", {}).get("Message", str(error))
        raise OutputsError(f"stack {name} not readable: {message}") from None
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
