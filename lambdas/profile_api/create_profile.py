"""POST on the profile route: validate the body and store it as the caller's profile."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from profile_api.identity import caller_sub, jwt_claims
from profile_api.profile_schema import InvalidProfileError, parse_profile
from profile_api.request_log import failed, rejected
from profile_api.responses import error_response, internal_error, json_response
from profile_api.store import STORE_ERRORS, put_profile


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    sub = caller_sub(jwt_claims(event))
    if sub is None:
        return rejected(event, context, error_response(401, "Unauthorized"), "missing_claims")
    try:
        fields = parse_profile(event.get("body"), bool(event.get("isBase64Encoded")))
    except InvalidProfileError as problem:
        response = error_response(400, str(problem))
        return rejected(event, context, response, f"invalid_body: {problem.reason}", sub)
    profile = fields | {"updatedAt": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        put_profile(sub, profile)
    except STORE_ERRORS as error:
        return failed(event, context, internal_error(), "store_failed", error, sub)
    return json_response(201, {"sub": sub, "profile": profile})
