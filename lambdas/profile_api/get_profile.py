"""GET /user/profile: who the token says the caller is, and their stored profile (or null)."""

from __future__ import annotations

from typing import Any

from profile_api.identity import caller_sub, jwt_claims
from profile_api.responses import error_response, json_response
from profile_api.store import get_profile


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    claims = jwt_claims(event)
    sub = caller_sub(claims)
    if sub is None:
        return error_response(401, "Unauthorized")
    return json_response(200, {"sub": sub, "claims": claims, "profile": get_profile(sub)})
