"""Pre token generation trigger, event V2: the user scopes in the user app client's access tokens.

Cognito adds custom scopes only to tokens from its OAuth endpoints. Users who sign in through
the API (InitiateAuth or SRP: SDKs, Amplify, `make token`) get `aws.cognito.signin.user.admin`
only and would be refused on every scoped route. This trigger adds the scopes named in
USER_SCOPES to access tokens of the user app client, and of no other client: another client of
the pool keeps exactly what Cognito granted it. The client's id comes from the SSM parameter
named in USER_CLIENT_ID_PARAMETER (read once per execution environment).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3


@cache
def _user_client_id() -> str:
    name = os.environ["USER_CLIENT_ID_PARAMETER"]
    value: str = boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    return value


def _user_scopes() -> list[str]:
    return os.environ.get("USER_SCOPES", "").split()


def scopes_to_add(event: dict[str, Any]) -> list[str]:
    """The user scopes this token lacks; none for other clients or pre-V2 events."""
    if str(event.get("version")) not in ("2", "3"):  # V1 events cannot change access tokens
        return []
    caller = event.get("callerContext") or {}
    if caller.get("clientId") != _user_client_id():
        return []
    have = set((event.get("request") or {}).get("scopes") or [])
    return [scope for scope in _user_scopes() if scope not in have]


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Return the event with `scopesToAdd` set; keep any overrides already in the response."""
    to_add = scopes_to_add(event)
    if not to_add:
        return event
    response = event.get("response") or {}
    details = response.get("claimsAndScopeOverrideDetails") or {}
    access = details.get("accessTokenGeneration") or {}
    access["scopesToAdd"] = [*(access.get("scopesToAdd") or []), *to_add]
    details["accessTokenGeneration"] = access
    response["claimsAndScopeOverrideDetails"] = details
    event["response"] = response
    return event
