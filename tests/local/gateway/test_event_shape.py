"""The data plane's payload 2.0 event and response mapping, over real HTTP, without the emulator.

A hand-described deployed API (what discovery would return) routes to an echo function that
answers with the event it got, so the test sees exactly what a Lambda handler would see.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.gateway.app import DataPlane
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.discovery import DeployedApi
from local.gateway.payload import map_in_worker
from local.gateway.routes import Route
from local.runtime.workers import FunctionRunner, FunctionSpec
from tests.local.conftest import serve_in_thread
from tests.local.gateway.authorizer.bad_tokens import (
    SigningMaterial,
    good_token,
    sign_token,
    valid_claims,
)
from tests.local.gateway.authorizer.jwks_server import JWKS_PATH, FakeIssuer

ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"
ISSUER = "https://issuer.example.com/tenant"
AUDIENCE = "echo-client"


@pytest.fixture(scope="module")
def echo_api() -> Iterator[tuple[str, SigningMaterial, DataPlane]]:
    material = SigningMaterial.generate()
    issuer = FakeIssuer().start()
    issuer.serve(material.jwks())
    config = AuthorizerConfig(
        issuer=ISSUER, audiences=(AUDIENCE,), jwks_uri=f"{issuer.base_url}{JWKS_PATH}"
    )
    keys = JwksCache.for_config(config)
    spec = FunctionSpec(
        name="echo",
        arn=ECHO_ARN,
        handler="echo_handler.handler",
        code_dir=Path(__file__).parent / "echo_function",
        environment={"ECHO_SETTING": "from-function-config"},
        timeout_seconds=5,
    )
    runner = FunctionRunner(spec, {"AWS_REGION": "us-east-1"}, workers=1, mapper=map_in_worker)
    runner.warm_up()
    api = DeployedApi(
        api_id="abc123",
        name="echo",
        stage="$default",
        routes=[
            Route(
                route_key="GET /items/{id}",
                function_arn=ECHO_ARN,
                authorization_type="JWT",
                authorizer_id="auth1",
            ),
            Route(
                route_key="POST /scoped",
                function_arn=ECHO_ARN,
                authorization_type="JWT",
                authorizer_id="auth1",
                authorization_scopes=("items/write",),
            ),
            Route(route_key="ANY /open/{proxy+}", function_arn=ECHO_ARN),
        ],
        authorizers={},
        functions={ECHO_ARN: spec},
    )
    plane = DataPlane(
        api=api,
        authorizers={"auth1": JwtAuthorizer(config, keys)},
        runners={ECHO_ARN: runner},
        log_requests=False,
    )
    try:
        with serve_in_thread(plane) as base_url:
            yield base_url, material, plane
    finally:
        runner.close()
        keys.close()
        issuer.stop()


def test_jwt_route_event_has_the_payload_v2_shape(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN a JWT route with a path variable WHEN called with query, cookies and repeated
    headers THEN the function sees AWS's 2.0 event: string claims, null scopes, lowercased
    and joined headers, cookies split out, path parameters, requestContext fields."""
    base_url, material, _ = echo_api
    now = int(time.time())
    token = sign_token(material, valid_claims(ISSUER, AUDIENCE, now, groups=["a", "b"]))
    response = httpx.get(
        f"{base_url}/items/42?x=1&x=2&y=",
        headers=[
            ("Authorization", f"Bearer {token}"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Cookie", "s=1; t=2"),
            ("User-Agent", "shape-test"),
        ],
    )
    assert response.status_code == 200
    assert response.headers["x-echo"] == "yes"
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    seen = response.json()
    event = seen["event"]
    assert seen["env"] == "from-function-config"
    assert seen["function"] == "echo"
    assert 0 < seen["remaining_ms"] <= 5000

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["pathParameters"] == {"id": "42"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["headers"]["x-multi"] == "one,two"
    assert "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event

    context = event["requestContext"]
    assert context["apiId"] == "abc123"
    assert context["stage"] == "$default"
    assert context["routeKey"] == "GET /items/{id}"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert context["http"] == {
        "method": "GET",
        "path": "/items/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "shape-test",
    }
    assert isinstance(context["timeEpoch"], int)
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["exp"] == str(now + 3600)
    assert claims["groups"] == "[a b]"
    assert context["authorizer"]["jwt"]["scopes"] is None


def test_scoped_route_needs_the_scope_and_passes_the_full_list(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN a route requiring items/write WHEN an ID token (no scope) calls THEN 403; WHEN an
    access token with the scope calls THEN the event carries the token's full scope list."""
    base_url, material, _ = echo_api
    now = int(time.time())
    id_token = good_token(material, ISSUER, AUDIENCE, now)
    denied = httpx.post(f"{base_url}/scoped", headers={"authorization": f"Bearer {id_token}"})
    assert denied.status_code == 403
    assert denied.content == b'{"message":"Forbidden"}'
    access = sign_token(
        material,
        valid_claims(
            ISSUER, AUDIENCE, now, aud=None, client_id=AUDIENCE, scope="openid items/write"
        ),
    )
    allowed = httpx.post(
        f"{base_url}/scoped",
        headers={"authorization": f"Bearer {access}", "content-type": "application/octet-stream"},
        content=b"\x00\x01binary",
    )
    assert allowed.status_code == 200
    event = allowed.json()["event"]
    assert event["requestContext"]["authorizer"]["jwt"]["scopes"] == ["openid", "items/write"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01binary"


def test_shorthand_response_becomes_200_json(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN a function returning a plain dict WHEN called THEN 200 application/json of it."""
    base_url, _, _ = echo_api
    response = httpx.get(f"{base_url}/open/a/b?shorthand=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


@pytest.mark.parametrize("failure", ["raise", "exit", "crash"])
def test_function_failure_is_500_and_the_server_keeps_serving(
    echo_api: tuple[str, SigningMaterial, DataPlane], failure: str
) -> None:
    """GIVEN a function that raises or kills its process WHEN called THEN AWS's 500 body, and
    the next request is served normally."""
    base_url, _, _ = echo_api
    failed = httpx.get(f"{base_url}/open/x?fail={failure}")
    assert failed.status_code == 500
    assert failed.content == b'{"message":"Internal Server Error"}'
    assert httpx.get(f"{base_url}/open/x?shorthand=1").status_code == 200


def test_body_over_the_payload_quota_is_413(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN a body over API Gateway's 10 MB payload quota WHEN sent THEN 413, no invocation."""
    base_url, _, plane = echo_api
    before = plane.invocations
    response = httpx.post(f"{base_url}/open/upload", content=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}
    assert plane.invocations == before


def test_routes_answer_503_at_once_while_the_local_aws_endpoint_is_down(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN the run marked its local AWS endpoint as down (local.supervisor) WHEN a route is
    called THEN API Gateway's 503 answers at once and no function runs; unknown paths still
    404; once it is back the route works again."""
    base_url, material, plane = echo_api
    token = good_token(material, ISSUER, AUDIENCE, int(time.time()))
    invocations = plane.invocations
    plane.unavailable = "the local AWS endpoint (pid 1) exited with code -9"
    try:
        down = httpx.get(f"{base_url}/open/x", timeout=5)
        guarded = httpx.get(f"{base_url}/items/1", headers={"Authorization": token}, timeout=5)
        unknown = httpx.get(f"{base_url}/nowhere", timeout=5)
    finally:
        plane.unavailable = None
    assert (down.status_code, down.json()) == (503, {"message": "Service Unavailable"})
    assert (guarded.status_code, guarded.json()) == (503, {"message": "Service Unavailable"})
    assert unknown.status_code == 404
    assert plane.invocations == invocations
    assert httpx.get(f"{base_url}/open/x", timeout=5).status_code == 200


def test_a_client_x_forwarded_for_does_not_change_the_source_ip(
    echo_api: tuple[str, SigningMaterial, DataPlane],
) -> None:
    """GIVEN a client sending its own X-Forwarded-For WHEN it calls a route THEN the event's
    sourceIp is still the connection's peer (API Gateway does not take a client's word)."""
    base_url, _, _ = echo_api
    response = httpx.get(f"{base_url}/open/x", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    assert response.json()["event"]["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


def test_a_data_plane_refuses_a_runner_without_the_gateways_mapper() -> None:
    """GIVEN a function runner built without the gateway's result mapper WHEN a data plane is
    built over it THEN it refuses at once, naming the function (its every request would
    otherwise come back unmapped, a 500)."""
    spec = FunctionSpec(name="echo", arn=ECHO_ARN, handler="echo_handler.handler", code_dir=Path())
    api = DeployedApi(
        api_id="abc123", name="echo", stage="$default", routes=[], authorizers={}, functions={}
    )
    runner = FunctionRunner(spec, {}, workers=1)  # never started: nothing to close
    with pytest.raises(ValueError, match=r"without the gateway's mapper: \['echo'\]"):
        DataPlane(api=api, authorizers={}, runners={ECHO_ARN: runner})
