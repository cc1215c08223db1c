"""The handlers' log: one line per rejected or failed request, with ids and a reason, no secret.

Records are read as Lambda's JSON log format prints them: the message plus every attribute of
the record (`extra` keys land at the top level), so a value absent here is absent in CloudWatch.
Logs are captured at INFO, the default application log level of a function logging as JSON.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from profile_api import create_profile, get_profile, store

from tests.lambdas.conftest import http_event
from tests.lambdas.test_handlers import BAD_BODIES
from tools.ports import free_port

LOGGER = "profile_api"
LAMBDA_CONTEXT = SimpleNamespace(aws_request_id="lambda-req-1")


@pytest.fixture
def missing_table(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """TABLE_NAME names a table that does not exist: every DynamoDB call fails, as in an outage."""
    name = f"absent-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TABLE_NAME", name)
    return name


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LOGGER]


def _printed(record: logging.LogRecord) -> str:
    """Everything Lambda's JSON formatter could print for this record (a superset of its keys)."""
    everything = vars(record) | {"message": record.getMessage()}
    if record.exc_info:
        everything["exception"] = "".join(traceback.format_exception(*record.exc_info))
    return json.dumps(everything, default=str, ensure_ascii=False)


def _expected_fields(method: str, status: int, reason: str) -> dict[str, Any]:
    return {
        "route": f"{method} /user/profile",
        "status": status,
        "reason": reason,
        "apiRequestId": "apigw-req-7",
        "lambdaRequestId": "lambda-req-1",
    }


CASES: list[tuple[str, dict[str, Any], int, str]] = [
    ("GET", {"sub": None}, 401, "missing_claims"),
    ("POST", {"sub": None, "body": '{"name": "a"}'}, 401, "missing_claims"),
    ("POST", {"body": "not json"}, 400, "invalid_body: not_json"),
    ("POST", {"body": '{"name": 5}'}, 400, "invalid_body: field 'name' not_string"),
    ("POST", {"body": '{"name": "a", "x": 1}'}, 400, "invalid_body: unknown_field"),
]
HANDLERS = {"GET": get_profile.handler, "POST": create_profile.handler}


@pytest.mark.parametrize(("method", "shape", "status", "reason"), CASES)
def test_rejected_request_logs_one_warning_with_ids_route_and_reason(
    profile_table: Any,
    caplog: pytest.LogCaptureFixture,
    method: str,
    shape: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    """GIVEN a request the handler rejects WHEN handled THEN exactly one line says who and why."""
    caplog.set_level(logging.INFO)
    event = http_event(method, request_id="apigw-req-7", **shape)
    response = HANDLERS[method](event, LAMBDA_CONTEXT)
    assert response["statusCode"] == status
    [line] = _lines(caplog)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == [line]
    assert line.levelno == logging.WARNING
    assert line.getMessage() == f"request rejected: {reason}"
    assert vars(line) | _expected_fields(method, status, reason) == vars(line)
    assert getattr(line, "sub", None) == shape.get("sub", "user-a")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_store_failure_logs_one_error_with_exception_class_and_answers_500(
    missing_table: str, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    """GIVEN DynamoDB fails WHEN a valid request is handled THEN 500 and one ERROR line naming
    the exception class and AWS error code, with no traceback or exception text."""
    caplog.set_level(logging.INFO)
    event = http_event(method, request_id="apigw-req-7", body='{"name": "Ada"}')
    response = HANDLERS[method](event, LAMBDA_CONTEXT)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"message": "Internal Server Error"}
    [line] = _lines(caplog)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == [line]
    assert line.levelno == logging.ERROR
    assert line.getMessage() == "request failed: store_failed"
    expected = _expected_fields(method, 500, "store_failed") | {
        "sub": "user-a",
        "errorClass": "ResourceNotFoundException",  # botocore's modeled ClientError subclass
        "errorCode": "ResourceNotFoundException",
    }
    assert vars(line) | expected == vars(line)
    assert line.exc_info is None
    assert missing_table not in _printed(line)


@pytest.fixture
def unreachable_store(profile_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DynamoDB's endpoint refuses connections: botocore raises, AWS never answers."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store._client.cache_clear()
    yield
    store._client.cache_clear()


def test_unreachable_store_logs_the_botocore_error_class_without_a_code(
    unreachable_store: None, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN DynamoDB cannot be reached WHEN POST THEN 500 and one ERROR line with the class."""
    caplog.set_level(logging.INFO)
    event = http_event("POST", body='{"name": "Ada"}')
    assert create_profile.handler(event, LAMBDA_CONTEXT)["statusCode"] == 500
    [line] = _lines(caplog)
    assert line.levelno == logging.ERROR
    assert line.errorClass == "EndpointConnectionError"  # type: ignore[attr-defined]
    assert not hasattr(line, "errorCode")


def test_without_lambda_context_the_line_has_only_the_api_request_id(
    profile_table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN no Lambda context (a bare call) WHEN rejected THEN no lambdaRequestId key at all."""
    caplog.set_level(logging.INFO)
    get_profile.handler(http_event("GET", sub=None, request_id="apigw-req-8"), None)
    [line] = _lines(caplog)
    assert line.apiRequestId == "apigw-req-8"  # type: ignore[attr-defined]
    assert not hasattr(line, "lambdaRequestId")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_successful_request_logs_nothing(
    profile_table: Any, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    """GIVEN a valid request WHEN handled THEN no line: API Gateway's access log covers it."""
    caplog.set_level(logging.INFO)
    response = HANDLERS[method](http_event(method, body='{"name": "Ada"}'), LAMBDA_CONTEXT)
    assert response["statusCode"] in (200, 201)
    assert _lines(caplog) == []


REASON = re.compile(r"invalid_body: (field '(name|bio|website)' )?[a-z0-9_]+")


@pytest.mark.parametrize(("body", "is_base64", "message"), BAD_BODIES)
def test_every_bad_body_logs_a_machine_readable_reason(
    profile_table: Any,
    caplog: pytest.LogCaptureFixture,
    body: str | None,
    is_base64: bool,
    message: str,
) -> None:
    """GIVEN any malformed body WHEN POST THEN one line whose reason is a code, not body text."""
    caplog.set_level(logging.INFO)
    create_profile.handler(http_event("POST", body=body, is_base64=is_base64), LAMBDA_CONTEXT)
    [line] = _lines(caplog)
    assert REASON.fullmatch(line.reason), line.reason  # type: ignore[attr-defined]


SECRET = f"s3cr3t-{uuid.uuid4().hex}"
SECRET_HEADERS = {"authorization": f"Bearer {SECRET}", "cookie": f"session={SECRET}"}
SECRET_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("unknown field named by the secret", {"body": json.dumps({"name": SECRET, SECRET: SECRET})}),
    (
        "duplicate key named by the secret",
        {"body": f'{{"name": "a", "{SECRET}": 1, "{SECRET}": 2}}'},
    ),
    ("secret in a too-long field", {"body": json.dumps({"name": SECRET * 5})}),
    ("secret in a non-string field", {"body": json.dumps({"name": [SECRET]})}),
    ("secret in an https-less website", {"body": json.dumps({"name": "a", "website": SECRET})}),
    ("secret as invalid JSON", {"body": SECRET}),
    ("secret as invalid base64", {"body": f"%{SECRET}%", "is_base64": True}),
    ("secret in claims, no sub", {"sub": None, "extra_claims": {"email": SECRET}, "body": "{}"}),
    ("secret in a stored profile", {"body": json.dumps({"name": SECRET, "bio": SECRET})}),
]


@pytest.mark.parametrize(("case", "shape"), SECRET_REQUESTS, ids=[c for c, _ in SECRET_REQUESTS])
@pytest.mark.parametrize("store_up", [True, False], ids=["store-up", "store-down"])
def test_secret_in_body_headers_or_claims_never_reaches_the_log(
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    case: str,
    shape: dict[str, Any],
    store_up: bool,
) -> None:
    """GIVEN a request carrying a unique secret in body, headers or claims WHEN handled (store up
    or down) THEN no log record and no printed output contains it."""
    request.getfixturevalue("profile_table" if store_up else "missing_table")
    caplog.set_level(logging.INFO)
    event = http_event("POST", headers=SECRET_HEADERS, **shape)
    create_profile.handler(event, LAMBDA_CONTEXT)
    printed = "\n".join(_printed(record) for record in caplog.records)
    captured = capsys.readouterr()
    assert SECRET not in printed + captured.out + captured.err
    assert len(_lines(caplog)) == (0 if store_up and case == "secret in a stored profile" else 1)
