"""Small helpers shared by the CloudFormation models of the add-on.

moto hands every model the resolved resource JSON (intrinsics already evaluated);
these helpers read its Properties and translate CloudFormation's PascalCase shapes
into the camelCase dicts that moto's REST-JSON backends (apigatewayv2) store as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException


def properties(cloudformation_json: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of the resource's Properties (moto may share the dict across calls)."""
    return dict(cloudformation_json.get("Properties") or {})


def as_bool(value: Any) -> bool:
    """CloudFormation accepts booleans as JSON booleans or as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def lower_first(key: str) -> str:
    """`JwtConfiguration` -> `jwtConfiguration` (the REST-JSON member name)."""
    return key[:1].lower() + key[1:]


def camel_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    """One level of PascalCase -> camelCase; nested values are kept as they are."""
    return {lower_first(k): v for k, v in value.items()}


def pick(props: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The given properties that are set, keyed by camelCase name."""
    return {lower_first(n): props[n] for n in names if props.get(n) is not None}


def unsupported_attribute() -> UnformattedGetAttTemplateException:
    """The exception moto turns into CloudFormation's "does not support attribute" error."""
    return UnformattedGetAttTemplateException()
