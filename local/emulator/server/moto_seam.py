"""THE one seam into moto's private API: every product module reaches a private moto name (an
underscore method or attribute, or a module under an `_internal` path) through a function or
constant here, and nowhere else.

`PRIVATE_METHODS` and `PRIVATE_ATTRIBUTES` list what this depends on; tests/local/emulator/
test_moto_seam.py checks the installed moto still has each with the parameters listed, so a moto
upgrade that renames or changes one fails there, not in a user's run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the run's side imports persistence, never moto
    from moto.cloudformation.models import CloudFormationBackend, Stack
    from moto.cloudformation.parsing import ResourceMap
    from moto.cognitoidp.models import (
        CognitoIdpBackend,
        CognitoIdpUser,
        CognitoIdpUserPool,
        CognitoIdpUserPoolClient,
    )
    from moto.core.base_backend import BackendDict
    from moto.core.responses import BaseResponse

# (module.Class, private method, its parameters as inspect.signature lists them)
PRIVATE_METHODS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("moto.cognitoidp.models.CognitoIdpUserPool", "_get_user", ("self", "username")),
    (
        "moto.cognitoidp.models.CognitoIdpBackend",
        "_validate_password",
        ("self", "user_pool_id", "password"),
    ),
    (
        "moto.cognitoidp.models.CognitoIdpBackend",
        "_log_user_in",
        ("self", "user_pool", "client", "username"),
    ),
    (
        "moto.cognitoidp.models.CognitoIdpBackend",
        "_verify_email_is_not_used",
        ("self", "user_pool_id", "email"),
    ),
    (
        "moto.cloudformation.models.CloudFormationBackend",
        "_validate_export_uniqueness",
        ("self", "stack"),
    ),
    ("moto.cloudformation.models.Stack", "_parse_template", ("self",)),
    ("moto.cloudformation.models.Stack", "_create_output_map", ("self",)),
    (
        "moto.cloudformation.models.Stack",
        "_add_stack_event",
        ("self", "resource_status", "resource_status_reason", "resource_properties"),
    ),
    ("moto.core.responses.BaseResponse", "_get_param", ("self", "param_name", "if_none")),
    ("moto.core.responses.BaseResponse", "_get_action", ("self",)),
)
# (module or module.Class, private attribute): instance attributes set in the class's __init__,
# a class attribute, or a module under a private path
PRIVATE_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("moto.cloudformation.parsing.ResourceMap", "_resource_json_map"),
    ("moto.cloudformation.parsing.ResourceMap", "_parsed_resources"),
    ("moto.core.base_backend.BackendDict", "_instances"),
    ("moto.moto_api._internal", "mock_random"),
)


def random_string(length: int, *, lower_case: bool = False) -> str:
    """A random id part from moto's seedable random (as the ids moto generates)."""
    from moto.moto_api._internal import mock_random

    return str(mock_random.get_random_string(length, lower_case=lower_case))


# --- Cognito -------------------------------------------------------------------------------


def get_user(pool: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
    """The pool's user by username, alias or sub (moto's lookup), or None."""
    user: CognitoIdpUser | None = pool._get_user(username)
    return user


def existing_user(pool: CognitoIdpUserPool, username: str) -> CognitoIdpUser:
    """The pool's user (as get_user), or moto's UserNotFoundException ("User does not exist.")
    when it is gone: a token is never minted for a user deleted meanwhile."""
    from moto.cognitoidp.exceptions import UserNotFoundError

    user = get_user(pool, username)
    if user is None:
        raise UserNotFoundError("User does not exist.")
    return user


def validate_password(backend: CognitoIdpBackend, pool_id: str, password: str) -> None:
    """Raise moto's InvalidPasswordException when `password` breaks the pool's policy."""
    backend._validate_password(pool_id, password)


def log_user_in(
    backend: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    username: str,
) -> dict[str, Any]:
    """Mint the user's tokens as moto does at the end of a sign-in."""
    result: dict[str, Any] = backend._log_user_in(pool, client, username)
    return result


LogUserIn = Callable[
    ["CognitoIdpBackend", "CognitoIdpUserPool", "CognitoIdpUserPoolClient", str], dict[str, Any]
]


def replace_log_user_in(replacement: LogUserIn) -> LogUserIn:
    """Install `replacement` as the backend's sign-in token minting; the one it replaced."""
    from moto.cognitoidp.models import CognitoIdpBackend

    original: LogUserIn = CognitoIdpBackend._log_user_in
    CognitoIdpBackend._log_user_in = replacement  # type: ignore[method-assign,assignment]
    return original


def verify_email_is_not_used(backend: CognitoIdpBackend, pool_id: str, email: str) -> None:
    """Raise moto's AliasExistsException when another user of the pool has this e-mail."""
    backend._verify_email_is_not_used(pool_id, email)


# --- requests ------------------------------------------------------------------------------


def request_param(response: BaseResponse, name: str) -> Any:
    """A top-level member of the request's JSON (or query) parameters, or None."""
    return response._get_param(name)


def operation_name(response: BaseResponse) -> str:
    """The request's operation (`X-Amz-Target`'s or `Action`'s), '' when it names none."""
    return response._get_action() or ""


# --- CloudFormation ------------------------------------------------------------------------


def parse_stack_template(stack: Stack) -> None:
    """Re-read `stack.template` into its template_dict (and its resource map's view)."""
    stack._parse_template()


def stack_output_map(stack: Stack) -> Any:
    """A new output map for the stack's parsed template (Outputs and Exports)."""
    return stack._create_output_map()


def validate_export_uniqueness(backend: CloudFormationBackend, stack: Stack) -> None:
    """Raise moto's ValidationError when another stack exports one of this stack's names."""
    backend._validate_export_uniqueness(stack)


def add_stack_event(stack: Stack, status: str, reason: str | None = None) -> None:
    """Record a stack event, as DescribeStackEvents lists them."""
    stack._add_stack_event(status, resource_status_reason=reason)


def template_resources(resource_map: ResourceMap) -> dict[str, Any]:
    """The resource map's template Resources (logical id -> JSON), the live dict."""
    resources: dict[str, Any] = resource_map._resource_json_map
    return resources


def clear_template_resources(resource_map: ResourceMap) -> None:
    """Forget every template resource, so nothing is created again on a lazy read."""
    resource_map._resource_json_map = {}


def forget_parsed_resource(resource_map: ResourceMap, logical_id: str) -> None:
    """Drop the map's cached model for `logical_id` (created again when read)."""
    resource_map._parsed_resources.pop(logical_id, None)


# --- backends ------------------------------------------------------------------------------


def backend_dicts() -> list[BackendDict[Any]]:
    """Every BackendDict moto has made (one per service loaded), the live list."""
    from moto.core.base_backend import BackendDict

    instances: list[BackendDict[Any]] = BackendDict._instances  # type: ignore[misc]
    return instances
