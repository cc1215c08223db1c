"""Handler tests run against DynamoDB in a real moto server over HTTP, as deployed code would."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tools.ports import free_port

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {key: os.environ.get(key) for key in _AWS_ENV}
    os.environ.update(_AWS_ENV | {"AWS_ENDPOINT_URL": endpoint})
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ENDPOINT_URL": "",
}


@pytest.fixture
def profile_table(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh table per test, shaped like ApiStack's: partition key `sub`, on demand."""
    name = f"profiles-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name=REGION)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "sub", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sub", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("TABLE_NAME", name)
    return boto3.resource("dynamodb", endpoint_url=moto_endpoint, region_name=REGION).Table(name)


def http_event(
    method: str,
    *,
    sub: str | None = "user-a",
    body: str | None = None,
    is_base64: bool = False,
    extra_claims: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str = "req-apigw-1",
) -> dict[str, Any]:
    """A payload-2.0 event as API Gateway builds it behind a JWT authorizer."""
    claims = {"iss": "https://issuer.example.com", "token_use": "id"} | (extra_claims or {})
    if sub is not None:
        claims["sub"] = sub
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} /user/profile",
        "rawPath": "/user/profile",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"} | (headers or {}),
        "requestContext": {
            "requestId": request_id,
            "http": {"method": method, "path": "/user/profile"},
            "authorizer": {"jwt": {"claims": claims, "scopes": None}},
        },
        "isBase64Encoded": is_base64,
    }
    if body is not None:
        event["body"] = body
    return event
