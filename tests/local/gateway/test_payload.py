"""Payload format 2.0: the event API Gateway sends and the response it makes of the result."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest

from local.gateway.payload import HttpResponse, build_event, format_request_time, map_response

EPOCH_MS = 1_795_977_564_123  # 29/Nov/2026:18:39:24 +0000
INTERNAL_ERROR = HttpResponse(
    500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'
)


def event(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "method": "GET",
        "raw_path": "/user/profile",
        "route_key": "GET /user/profile",
        "api_id": "abc123",
        "request_id": "JKJaXmPLvHcESHA=",
        "time_epoch_ms": EPOCH_MS,
        **overrides,
    }
    return build_event(**arguments)


def test_jwt_route_event_has_the_documented_shape() -> None:
    """GIVEN an authorized GET with headers, cookie and query
    WHEN the event is built THEN it is exactly the documented 2.0 structure."""
    built = build_event(
        method="get",
        raw_path="/user/profile",
        raw_query=b"a=1&a=2&b=x%20y",
        headers=[
            ("Host", "abc123.execute-api.localhost:3000"),
            ("User-Agent", "curl/8.5"),
            ("Accept", "text/html"),
            ("accept", "application/json"),
            ("Cookie", "session=s1; theme=dark"),
            ("Authorization", "Bearer tok"),
        ],
        body=b"",
        source_ip="10.0.0.7",
        route_key="GET /user/profile",
        api_id="abc123",
        account_id="000000000000",
        jwt_claims={"sub": "u1", "exp": "1618366253"},
        jwt_scopes=None,
        request_id="JKJaXmPLvHcESHA=",
        time_epoch_ms=EPOCH_MS,
    )

    assert built == {
        "version": "2.0",
        "routeKey": "GET /user/profile",
        "rawPath": "/user/profile",
        "rawQueryString": "a=1&a=2&b=x%20y",
        "cookies": ["session=s1", "theme=dark"],
        "headers": {
            "host": "abc123.execute-api.localhost:3000",
            "user-agent": "curl/8.5",
            "accept": "text/html,application/json",
            "authorization": "Bearer tok",
        },
        "queryStringParameters": {"a": "1,2", "b": "x y"},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "abc123",
            "authorizer": {"jwt": {"claims": {"sub": "u1", "exp": "1618366253"}, "scopes": None}},
            "domainName": "abc123.execute-api.localhost",
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": "/user/profile",
                "protocol": "HTTP/1.1",
                "sourceIp": "10.0.0.7",
                "userAgent": "curl/8.5",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "GET /user/profile",
            "stage": "$default",
            "time": "29/Nov/2026:18:39:24 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "isBase64Encoded": False,
    }
    json.dumps(built)  # what goes to a Lambda must be JSON


def test_request_time_uses_english_months_in_utc() -> None:
    """GIVEN an epoch in ms WHEN formatted THEN 'dd/Mon/yyyy:HH:MM:SS +0000'."""
    assert format_request_time(0) == "01/Jan/1970:00:00:00 +0000"
    assert format_request_time(EPOCH_MS) == "29/Nov/2026:18:39:24 +0000"


def test_empty_parts_are_left_out_as_aws_does() -> None:
    """GIVEN no cookie, query, body, path or stage variables, no authorizer
    WHEN built THEN those keys are absent and isBase64Encoded is false."""
    built = event(headers=[("host", "localhost:3000")])

    for key in ("cookies", "queryStringParameters", "body", "pathParameters", "stageVariables"):
        assert key not in built
    assert "authorizer" not in built["requestContext"]
    assert built["rawQueryString"] == ""
    assert built["isBase64Encoded"] is False
    assert built["requestContext"]["domainName"] == "localhost"
    assert built["requestContext"]["http"]["userAgent"] == ""


def test_path_parameters_stage_variables_and_scopes_are_passed_when_given() -> None:
    """GIVEN path parameters, stage variables and route scopes WHEN built THEN all present."""
    built = event(
        path_parameters={"id": "42"},
        stage_variables={"env": "local"},
        stage="dev",
        jwt_claims={"sub": "u1"},
        jwt_scopes=["openid", "profile/read"],
    )

    assert built["pathParameters"] == {"id": "42"}
    assert built["stageVariables"] == {"env": "local"}
    assert built["requestContext"]["stage"] == "dev"
    assert built["requestContext"]["authorizer"]["jwt"]["scopes"] == ["openid", "profile/read"]


def test_several_cookie_headers_all_land_in_cookies() -> None:
    """GIVEN two Cookie headers WHEN built THEN every cookie is listed, none in headers."""
    built = event(headers=[("Cookie", "a=1; b=2"), ("cookie", "c=3;"), ("X-A", "1")])

    assert built["cookies"] == ["a=1", "b=2", "c=3"]
    assert built["headers"] == {"x-a": "1"}


def test_query_keys_without_value_map_to_empty_strings() -> None:
    """GIVEN '?flag&q=a+b' WHEN built THEN flag is '' and '+' decodes to a space."""
    built = event(raw_query="flag&q=a+b")

    assert built["queryStringParameters"] == {"flag": "", "q": "a b"}
    assert built["rawQueryString"] == "flag&q=a+b"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "TEXT/CSV",
        "application/xml",
        "application/javascript",
    ],
)
def test_text_bodies_are_passed_as_strings(content_type: str) -> None:
    """GIVEN a UTF-8 body of a text media type WHEN built THEN body is the text itself."""
    body = '{"name":"Zo\u00eb"}'.encode()

    built = event(method="POST", headers=[("Content-Type", content_type)], body=body)

    assert built["body"] == '{"name":"Zo\u00eb"}'
    assert built["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"\x00\x01\xff"),
        (None, b"plain words"),
        ("application/x-www-form-urlencoded", b"a=1&b=2"),
        ("image/png", b"\x89PNG"),
        ("text/plain", b"\xff\xfe not utf-8"),
    ],
    ids=["octet_stream", "no_content_type", "form", "image", "text_not_utf8"],
)
def test_other_bodies_are_base64_encoded(content_type: str | None, body: bytes) -> None:
    """GIVEN a non-text content type (or none, or text that is not UTF-8)
    WHEN built THEN the body is base64 and isBase64Encoded is true."""
    headers = [("content-type", content_type)] if content_type else []

    built = event(method="POST", headers=headers, body=body)

    assert base64.b64decode(built["body"]) == body
    assert built["isBase64Encoded"] is True


def test_structured_response_maps_status_headers_cookies_and_body() -> None:
    """GIVEN a dict with statusCode WHEN mapped THEN used as is, one set-cookie per cookie."""
    response = map_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Count": 3, "X-Flag": True},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": '{"ok":true}',
        }
    )

    assert response == HttpResponse(
        201,
        [
            ("Content-Type", "application/json"),
            ("X-Count", "3"),
            ("X-Flag", "true"),
            ("set-cookie", "a=1; Path=/"),
            ("set-cookie", "b=2"),
        ],
        b'{"ok":true}',
    )


def test_base64_body_is_decoded() -> None:
    """GIVEN isBase64Encoded true WHEN mapped THEN the client gets the raw bytes."""
    raw = b"\x89PNG\x00"
    response = map_response(
        {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    )

    assert response.body == raw


def test_structured_response_without_body_or_headers_is_empty() -> None:
    """GIVEN only statusCode 204 WHEN mapped THEN no headers and an empty body."""
    assert map_response({"statusCode": 204}) == HttpResponse(204, [], b"")


def test_multi_value_headers_and_framing_headers_are_ignored() -> None:
    """GIVEN multiValueHeaders (not in format 2.0) and content-length
    WHEN mapped THEN neither reaches the client."""
    response = map_response(
        {
            "statusCode": 200,
            "headers": {"content-length": "999", "x-ok": "1"},
            "multiValueHeaders": {"x-multi": ["a", "b"]},
            "body": "hi",
        }
    )

    assert response.headers == [("x-ok", "1")]


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "hi", "n": 1}, b'{"message": "hi", "n": 1}'),
        ("hello", b'"hello"'),
        ([1, 2], b"[1, 2]"),
        (42, b"42"),
        (None, b"null"),
        ({"price": Decimal("3"), "ratio": Decimal("0.5")}, b'{"price": 3, "ratio": 0.5}'),
        (b'{"raw": true}', b'{"raw": true}'),
    ],
    ids=["dict", "string", "list", "number", "none", "decimal", "bytes"],
)
def test_any_other_json_value_is_a_200_json_response(result: object, body: bytes) -> None:
    """GIVEN a result without statusCode WHEN mapped
    THEN 200, application/json, body = the function's JSON output."""
    assert map_response(result) == HttpResponse(200, [("content-type", "application/json")], body)


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": "x"},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 600},
        {"statusCode": None},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "headers": {"x": {"nested": 1}}},
        {"statusCode": 200, "headers": {"x": "a\r\nInjected: 1"}},
        {"statusCode": 200, "headers": {"bad name": "1"}},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "cookies": [1]},
        {"statusCode": 200, "isBase64Encoded": "yes", "body": ""},
        {"statusCode": 200, "isBase64Encoded": True, "body": "***"},
        {"statusCode": 200, "body": "\ud800"},
        {1, 2},
        object(),
        float("nan"),
        b"\xff not json",
        b"not json",
    ],
    ids=lambda result: "object()" if type(result) is object else repr(result),
)
def test_malformed_result_is_a_500_not_an_exception(result: object) -> None:
    """GIVEN a result API Gateway cannot map WHEN mapped THEN 500 Internal Server Error."""
    assert map_response(result) == INTERNAL_ERROR
