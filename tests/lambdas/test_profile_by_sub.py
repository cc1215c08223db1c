"""GET /profiles/{sub}: any user's stored profile for the back-office caller; 404 and 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from profile_api import get_profile_by_sub

from tests.lambdas.conftest import http_event


def _event(sub: str | None) -> dict[str, Any]:
    event = http_event("GET", sub="machine0client", extra_claims={"token_use": "access"})
    event["routeKey"] = "GET /profiles/{sub}"
    event["pathParameters"] = None if sub is None else {"sub": sub}
    return event


def test_stored_profile_is_returned_for_its_sub(profile_table: Any) -> None:
    """GIVEN a stored profile WHEN GET /profiles/{that sub} THEN 200 with sub and profile."""
    profile_table.put_item(Item={"sub": "user-b", "name": "Grace", "bio": "Compilers."})
    response = get_profile_by_sub.handler(_event("user-b"), None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "sub": "user-b",
        "profile": {"name": "Grace", "bio": "Compilers."},
    }


def test_unknown_sub_is_404_not_found(profile_table: Any) -> None:
    """GIVEN no stored profile WHEN GET THEN 404 {"message":"Not Found"}."""
    response = get_profile_by_sub.handler(_event("6d1f4e1c-0000-4000-8000-00000000000f"), None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"message": "Not Found"}


@pytest.mark.parametrize(
    "sub", ["", " ", "-leading", "a b", "a/b", "x" * 129, "ü", "a\nb", "../etc", None]
)
def test_malformed_sub_is_400_before_any_read(profile_table: Any, sub: str | None) -> None:
    """GIVEN a malformed or missing sub WHEN GET THEN 400 naming the rule, nothing read."""
    response = get_profile_by_sub.handler(_event(sub), None)
    assert response["statusCode"] == 400
    assert "sub must be" in json.loads(response["body"])["message"]


def test_provider_style_subs_are_accepted(profile_table: Any) -> None:
    """GIVEN Auth0- and Okta-style subs WHEN GET THEN they pass the check (404: none stored)."""
    for sub in ("auth0|65a1b2c3", "00u1a2b3c4D5e6F7g8h9", "google-oauth2|1234"):
        assert get_profile_by_sub.handler(_event(sub), None)["statusCode"] == 404
