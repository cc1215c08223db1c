"""GET /profiles/{sub}: a back-office caller (the machine client) reads any user's profile.

Only the route's scope guards it (profiles.read, never granted to user tokens); the handler
checks the path's `sub` before it reaches DynamoDB and answers 404 when nothing is stored.
"""

from __future__ import annotations

import re
from typing import Any

from profile_api.responses import error_response, json_response
from profile_api.store import get_profile

# Cognito subs are UUIDs; other issuers use ids like "auth0|abc" or "00u1a2b3": keep it to
# printable id characters, bounded.
SUB_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:|@+=-]{0,127}$")


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    sub = (event.get("pathParameters") or {}).get("sub")
    if not isinstance(sub, str) or not SUB_PATTERN.match(sub):
        return error_response(
            400, "sub must be 1-128 letters, digits or ._:|@+=- and start with a letter or digit"
        )
    profile = get_profile(sub)
    if profile is None:
        return error_response(404, "Not Found")
    return json_response(200, {"sub": sub, "profile": profile})
