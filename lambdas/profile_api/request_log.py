"""One log line per rejected or failed request: who asked (ids), what (route), why (reason).

The stdlib logger is enough: with the function's JSON log format, Lambda's runtime writes each
record as one JSON object with `timestamp`, `level`, `message`, `logger`, `requestId` and every
`extra` key at the top level, so CloudWatch Logs Insights can filter on `reason` or `route`.

Only values chosen here are logged: API Gateway's request id and route key, the status, a short
machine-readable reason, the token's `sub` and, for failures, the exception's class and AWS
error code. Never the body, a header (Authorization), another claim or an exception's message.
Successful requests log nothing: API Gateway's access log already has one line for each.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("profile_api")


def rejected(
    event: dict[str, Any],
    context: Any,
    response: dict[str, Any],
    reason: str,
    sub: str | None = None,
) -> dict[str, Any]:
    """Log the caller's mistake (WARNING: passes Lambda's default level) and pass `response` on."""
    fields = _fields(event, context, response, reason, sub)
    log.warning("request rejected: %s", reason, extra=fields)
    return response


def failed(
    event: dict[str, Any],
    context: Any,
    response: dict[str, Any],
    reason: str,
    error: Exception,
    sub: str | None = None,
) -> dict[str, Any]:
    """Log our failure at ERROR with the exception's class and code, not its text or traceback."""
    fields = _fields(event, context, response, reason, sub)
    fields["errorClass"] = type(error).__name__
    code = _aws_error_code(error)
    if code is not None:
        fields["errorCode"] = code
    log.error("request failed: %s", reason, extra=fields)
    return response


def _fields(
    event: dict[str, Any], context: Any, response: dict[str, Any], reason: str, sub: str | None
) -> dict[str, Any]:
    request_context = event.get("requestContext")
    api_request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    # Lambda's runtime also prints its invocation id as `requestId`; repeated under our own key
    # (the runtime reserves `aws_request_id`) so the line is whole wherever the handler runs.
    fields = {
        "route": event.get("routeKey"),
        "status": response.get("statusCode"),
        "reason": reason,
        "apiRequestId": api_request_id,
        "lambdaRequestId": getattr(context, "aws_request_id", None),
        "sub": sub,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _aws_error_code(error: Exception) -> str | None:
    """botocore's ClientError carries AWS's error code (e.g. ResourceNotFoundException)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = (response.get("Error") or {}).get("Code")
    return code if isinstance(code, str) else None
