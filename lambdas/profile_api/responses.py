"""HTTP API (payload 2.0) responses with a JSON body, so every handler answers the same way."""

from __future__ import annotations

import json
from typing import Any

JSON_HEADERS = {"content-type": "application/json"}


def json_response(status_code: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "headers": dict(JSON_HEADERS),
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
    }


def error_response(status_code: int, message: str) -> dict[str, Any]:
    """Same body shape as API Gateway's own errors: {"message": ...}."""
    return json_response(status_code, {"message": message})


def internal_error() -> dict[str, Any]:
    """Our failure, answered as API Gateway answers a failed integration: no detail leaks."""
    return error_response(500, "Internal Server Error")
