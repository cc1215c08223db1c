"""GET on the profile route: who the token says the caller is, and their stored profile."""

from __future__ import annotations

from typing import Any

from profile_api.identity import caller_sub, jwt_claims
from profile_api.request_log import failed, rejected
from profile_api.responses import error_response, internal_error, json_response
from profile_api.store import STORE_ERRORS, get_profile


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    claims = jwt_claims(event)
    sub = caller_sub(claims)
    if sub is None:
        return rejected(event, context, error_response(401, "Unauthorized"), "missing_claims")
    try:
        profile = get_profile(sub)
    except STORE_ERRORS as error:
        return failed(event, context, internal_error(), "store_failed", error, sub)
    return json_response(200, {"sub": sub, "claims": claims, "profile": profile})
