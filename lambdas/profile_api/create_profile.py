"""POST /user/profile: validate the body and store it as the caller's profile."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from profile_api.identity import caller_sub, jwt_claims
from profile_api.profile_schema import InvalidProfileError, parse_profile
from profile_api.responses import error_response, json_response
from profile_api.store import put_profile


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    sub = caller_sub(jwt_claims(event))
    if sub is None:
        return error_response(401, "Unauthorized")
    try:
        fields = parse_profile(event.get("body"), bool(event.get("isBase64Encoded")))
    except InvalidProfileError as problem:
        return error_response(400, str(problem))
    profile = fields | {"updatedAt": datetime.now(UTC).isoformat(timespec="seconds")}
    put_profile(sub, profile)
    return json_response(201, {"sub": sub, "profile": profile})
