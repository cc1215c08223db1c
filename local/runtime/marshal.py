"""What the Python Lambda runtime sends back for a handler's return value: JSON text.

The runtime marshals in the execution environment (our function workers), before anything
on the caller's side (API Gateway's mapping, a Cognito trigger's reader) sees the result.
"""

from __future__ import annotations

import json
from decimal import Decimal


def _decimal_default(value: object) -> object:
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def marshal_result(result: object) -> str:
    """The JSON text the Python Lambda runtime would send for ``result``."""
    if isinstance(result, bytes | bytearray):
        text = bytes(result).decode("utf-8")
        json.loads(text)  # the runtime passes bytes through; API Gateway must parse them
        return text
    return json.dumps(result, default=_decimal_default, ensure_ascii=False, allow_nan=False)
