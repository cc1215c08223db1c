"""The body of an unsigned operation, checked against the operation's own model before moto
parses it: anyone can send one, and moto answered some with a 500.

In order: at most MAX_BYTES and nested at most MAX_DEPTH deep (checked on the raw bytes, so
`json.loads` never recurses 5,000 times), a JSON object (`SerializationException`), then
botocore's validator over the operation's input shape, the same model the SDKs validate with:
a member of the wrong type is `SerializationException` (AWS's deserializer refuses it), a
missing required or too short one `InvalidParameterException`. What passes is what an SDK
could have sent.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore.model import OperationModel
from botocore.validate import ParamValidator

from local.bounded_json import check_bounds

from .aws_errors import ErrorAnswer, json_error

MAX_BYTES = 256 * 1024  # far above any Cognito request; AWS's own limits are lower
MAX_DEPTH = 32
_SERVICES = {
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
}


@cache
def _operation(target: str) -> OperationModel | None:
    import botocore.session

    prefix, _, name = target.partition(".")
    service = _SERVICES.get(prefix)
    if service is None:
        return None
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(name) if name in model.operation_names else None


def refusal(target: str, body: bytes) -> ErrorAnswer | None:
    """AWS's 400 for a body the operation cannot take, or None when it may go to moto."""
    try:
        check_bounds(body, max_depth=MAX_DEPTH, max_bytes=MAX_BYTES)
        document: Any = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as problem:
        return json_error("SerializationException", f"the request body is not valid: {problem}")
    if not isinstance(document, dict):
        return json_error("SerializationException", "the request body must be a JSON object")
    operation = _operation(target)
    if operation is None or operation.input_shape is None:
        return None
    try:
        report = ParamValidator().validate(document, operation.input_shape)
    except (TypeError, ValueError, AttributeError) as problem:  # a value botocore cannot type
        return json_error("InvalidParameterException", f"1 validation error detected: {problem}")
    if report.has_errors():
        lines = report.generate_report().splitlines()
        detail = "; ".join(line.strip() for line in lines)[:500]
        # A member of the wrong JSON type fails AWS's deserializer (SerializationException);
        # a missing or too short one its validation (InvalidParameterException).
        wrong_type = any(line.strip().startswith("Invalid type") for line in lines)
        kind = "SerializationException" if wrong_type else "InvalidParameterException"
        return json_error(kind, f"{len(lines)} validation error(s) detected: {detail}")
    return None
