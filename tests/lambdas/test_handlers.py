"""getProfileInfo and createProfileInfo against DynamoDB in moto: happy paths, every bad input."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from profile_api import create_profile, get_profile
from profile_api.profile_schema import MAX_BODY_BYTES

from tests.lambdas.conftest import http_event


def _body(response: dict[str, Any]) -> Any:
    assert response["headers"]["content-type"] == "application/json"
    return json.loads(response["body"])


def _items(table: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = table.scan()["Items"]
    return items


def test_get_without_stored_profile_returns_claims_and_null(profile_table: Any) -> None:
    """GIVEN a caller with no profile WHEN GET THEN 200 with sub, claims as passed, profile null."""
    event = http_event("GET", extra_claims={"email": "a@example.com", "exp": "1618366253"})
    response = get_profile.handler(event, None)
    assert response["statusCode"] == 200
    body = _body(response)
    assert body["sub"] == "user-a"
    assert body["claims"] == event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert body["profile"] is None


def test_post_stores_profile_under_token_sub_and_get_returns_it(profile_table: Any) -> None:
    """GIVEN a valid body WHEN POST then GET THEN 201 echoes what was stored and GET returns it."""
    payload = {"name": "Ada", "bio": "Engines.\nMostly analytical.", "website": "https://ada.dev"}
    created = create_profile.handler(http_event("POST", body=json.dumps(payload)), None)
    assert created["statusCode"] == 201
    stored = _body(created)
    assert stored["sub"] == "user-a"
    assert {k: stored["profile"][k] for k in payload} == payload
    assert stored["profile"]["updatedAt"].endswith("+00:00")

    fetched = _body(get_profile.handler(http_event("GET"), None))
    assert fetched["profile"] == stored["profile"]
    assert _items(profile_table) == [{"sub": "user-a", **stored["profile"]}]


def test_owner_is_always_the_token_sub_never_the_body(profile_table: Any) -> None:
    """GIVEN a body naming another sub WHEN POST THEN it is rejected as an unknown field."""
    response = create_profile.handler(
        http_event("POST", body=json.dumps({"name": "Eve", "sub": "user-b"})), None
    )
    assert response["statusCode"] == 400
    assert _body(response)["message"] == (
        "unknown field 'sub': allowed fields are name, bio, website"
    )
    assert _items(profile_table) == []


def test_user_b_never_sees_user_a_profile(profile_table: Any) -> None:
    """GIVEN user A stored a profile WHEN user B GETs THEN B sees only null."""
    create_profile.handler(http_event("POST", body='{"name": "A"}'), None)
    body = _body(get_profile.handler(http_event("GET", sub="user-b"), None))
    assert body["sub"] == "user-b"
    assert body["profile"] is None


def test_base64_body_is_decoded(profile_table: Any) -> None:
    """GIVEN a base64-encoded JSON body WHEN POST THEN it is decoded and stored."""
    encoded = base64.b64encode(b'{"name": "Grace"}').decode()
    response = create_profile.handler(http_event("POST", body=encoded, is_base64=True), None)
    assert response["statusCode"] == 201
    assert _items(profile_table)[0]["name"] == "Grace"


def test_missing_sub_claim_is_unauthorized_and_writes_nothing(profile_table: Any) -> None:
    """GIVEN an event without a sub claim WHEN either handler runs THEN 401, nothing stored."""
    for handler in (get_profile.handler, create_profile.handler):
        response = handler(http_event("POST", sub=None, body='{"name": "x"}'), None)
        assert response["statusCode"] == 401
        assert _body(response) == {"message": "Unauthorized"}
    assert _items(profile_table) == []


BAD_BODIES: list[tuple[str | None, bool, str]] = [
    (None, False, "body is required"),
    ("", False, "body is required"),
    ("not json", False, "body is not valid JSON: Expecting value at position 0"),
    ("{", False, "body is not valid JSON"),
    ('{"name": NaN}', False, "body is not valid JSON: NaN is not allowed"),
    ('{"name": Infinity}', False, "Infinity is not allowed"),
    ("[]", False, "body must be a JSON object, got array"),
    ('"Ada"', False, "body must be a JSON object, got string"),
    ("null", False, "body must be a JSON object, got null"),
    ("{}", False, "field 'name' is required"),
    ('{"bio": "x"}', False, "field 'name' is required"),
    ('{"name": 5}', False, "field 'name' must be a string, got number"),
    ('{"name": true}', False, "field 'name' must be a string, got boolean"),
    ('{"name": null}', False, "field 'name' must be a string, got null"),
    ('{"name": ["a"]}', False, "field 'name' must be a string, got array"),
    ('{"name": {"first": "a"}}', False, "field 'name' must be a string, got object"),
    ('{"name": "   "}', False, "field 'name' must not be blank"),
    (json.dumps({"name": "x" * 101}), False, "field 'name' is 101 characters: at most 100"),
    (json.dumps({"name": "a", "bio": "b" * 501}), False, "field 'bio' is 501 characters"),
    ('{"name": "a\\u0000b"}', False, "field 'name' contains control characters"),
    ('{"name": "a\\nb"}', False, "field 'name' contains control characters"),
    ('{"name": "\\ud800"}', False, "field 'name' contains lone surrogates"),
    ('{"name": "a", "bio": "\\udc00"}', False, "field 'bio' contains lone surrogates"),
    ('{"name": "\\ufffe"}', False, "field 'name' contains unassigned code points"),
    ('{"name": "\\u202eevil"}', False, "field 'name' contains bidi embedding, override"),
    ('{"name": "a\\u2066b"}', False, "field 'name' contains bidi embedding, override"),
    ('{"name": "a", "website": "https://u:p@x.example"}', False, "must not contain credentials"),
    ('{"name": "a", "website": "https://x.example@evil.example"}', False, "credentials"),
    ('{"name": "a", "website": "https://[::1"}', False, "must be an https:// URL"),
    ('{"name": "a", "website": "http://x.example"}', False, "must be an https:// URL"),
    ('{"name": "a", "website": "javascript:alert(1)"}', False, "must be an https:// URL"),
    ('{"name": "a", "website": "https://"}', False, "must be an https:// URL"),
    (json.dumps({"name": "a", "website": "https://x.dev/" + "p" * 200}), False, "'website' is"),
    ('{"name": "a", "admin": true}', False, "unknown field 'admin'"),
    ('{"name": "a", "name": "b"}', False, "field 'name' appears more than once"),
    ("[" * 4000, False, "body is not valid JSON: nested too deeply"),
    ("x" * (MAX_BODY_BYTES + 1), False, f"at most {MAX_BODY_BYTES} allowed"),
    ("%%%not-base64%%%", True, "body is marked base64 but is not valid base64"),
    (base64.b64encode(b"\xff\xfe{}").decode(), True, "body is not UTF-8 text"),
    (base64.b64encode(b"x" * (MAX_BODY_BYTES + 1)).decode(), True, "at most"),
]


@pytest.mark.parametrize(("body", "is_base64", "message"), BAD_BODIES)
def test_bad_body_answers_400_naming_the_problem_and_writes_nothing(
    profile_table: Any, body: str | None, is_base64: bool, message: str
) -> None:
    """GIVEN a malformed profile body WHEN POST THEN 400 with a specific message, nothing stored."""
    response = create_profile.handler(http_event("POST", body=body, is_base64=is_base64), None)
    assert response["statusCode"] == 400
    assert message in _body(response)["message"]
    assert _items(profile_table) == []


def test_body_at_the_size_cap_is_accepted(profile_table: Any) -> None:
    """GIVEN a body of exactly the cap WHEN POST THEN it is accepted (the cap is inclusive)."""
    base = json.dumps({"name": "a", "bio": ""})
    padding = MAX_BODY_BYTES - len(base)
    body = json.dumps({"name": "a", "bio": ""}) + " " * padding
    assert len(body.encode()) == MAX_BODY_BYTES
    assert create_profile.handler(http_event("POST", body=body), None)["statusCode"] == 201
