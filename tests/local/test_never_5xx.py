"""No input anyone can send gets a 5xx (issue 30, finding 7), over the real `local up` run.

The probe found 500s from unauthenticated input: 5,000 nested `[` to any unsigned Cognito
operation (RecursionError), identity pools' `GetId`/`UnlinkIdentity`, a missing field or an
object as `AccessToken`, a malformed HTTP Basic header at the hosted UI, and an HTML 501 from
the stand-in issuer's key server. Each is a 4xx in AWS's (or OAuth's) shape now; hypothesis
sends arbitrary bodies to every unsigned operation and every hosted UI route. (A client that
disconnects mid-body: tests/local/emulator/test_cut_short_bodies.py, which reads the log.)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from local.emulator.server.security import unsigned_operations
from tests.local.conftest import LocalRun
from tools.jwks_server import DocumentServer

pytestmark = pytest.mark.local

JSON_11 = "application/x-amz-json-1.1"
OPERATIONS = sorted(unsigned_operations())
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _call(run: LocalRun, target: str, body: bytes | str) -> httpx.Response:
    return httpx.post(
        f"{run.endpoint_url}/",
        content=body,
        headers={"X-Amz-Target": target, "Content-Type": JSON_11},
        timeout=30,
    )


def _aws_4xx(answer: httpx.Response) -> dict[str, Any]:
    """A 4xx in AWS's JSON shape: `{"__type", "message"}` and x-amzn-ErrorType."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    body: dict[str, Any] = answer.json()
    assert set(body) >= {"__type", "message"}, body
    assert answer.headers["x-amzn-errortype"].startswith(body["__type"])
    return body


def test_5000_nested_brackets_to_every_unsigned_operation_are_a_400(local_run: LocalRun) -> None:
    """GIVEN each unsigned operation WHEN its body is 5,000 nested `[` THEN 400
    SerializationException (was 500 InternalFailure, a RecursionError)."""
    for target in OPERATIONS:
        body = _aws_4xx(_call(local_run, target, "[" * 5000))
        assert body["__type"] == "SerializationException", target


def test_identity_pools_get_id_and_unlink_identity_are_4xx(local_run: LocalRun) -> None:
    """GIVEN no identity pool WHEN GetId and UnlinkIdentity are called with an empty body and
    with well-formed ones THEN JSON 4xx (was 500 for any body)."""
    service = "AWSCognitoIdentityService"
    for body in ("{}", '{"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"}'):
        _aws_4xx(_call(local_run, f"{service}.GetId", body))
    unlink = {"IdentityId": "us-east-1:x", "Logins": {}, "LoginsToRemove": []}
    for body in ("{}", json.dumps(unlink)):
        _aws_4xx(_call(local_run, f"{service}.UnlinkIdentity", body))


def test_missing_or_wrong_typed_fields_are_aws_400s(local_run: LocalRun) -> None:
    """GIVEN a user's operations WHEN ChangePassword lacks a field THEN 400
    InvalidParameterException; WHEN an object is sent as AccessToken (or any member has the
    wrong JSON type) THEN 400 SerializationException, as AWS's deserializer answers (was 500)."""
    prefix = "AWSCognitoIdentityProviderService"
    cases = [
        ("ChangePassword", {"AccessToken": "a.b.c"}, "InvalidParameterException"),
        ("ConfirmSignUp", {"ClientId": "x", "Username": "u"}, "InvalidParameterException"),
        ("ChangePassword", {"AccessToken": {"x": 1}, "ProposedPassword": "p"}, "Serialization"),
        ("GetUser", {"AccessToken": {"x": 1}}, "SerializationException"),
        ("GlobalSignOut", {"AccessToken": ["x"]}, "SerializationException"),
        ("AssociateSoftwareToken", {"AccessToken": {"x": 1}}, "SerializationException"),
        ("VerifySoftwareToken", {"AccessToken": {}, "UserCode": "123456"}, "Serialization"),
        ("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": 7}, "Serialization"),
    ]
    for operation, document, expected in cases:
        body = _aws_4xx(_call(local_run, f"{prefix}.{operation}", json.dumps(document)))
        assert body["__type"].startswith(expected), (operation, body)


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke"])
def test_a_malformed_basic_header_at_the_hosted_ui_is_a_4xx(local_run: LocalRun, path: str) -> None:
    """GIVEN `Authorization: Basic //46/w==` (not UTF-8 once decoded) WHEN posted to the hosted
    UI's token or revoke endpoint THEN 401 invalid_client in OAuth's JSON (was 500 text)."""
    answer = httpx.post(
        f"{local_run.auth_url}{path}",
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": "Basic //46/w=="},
    )
    assert answer.status_code in (400, 401), answer.text
    assert answer.json()["error"] == "invalid_client"


def test_the_key_servers_answer_to_any_other_method_is_json_405() -> None:
    """GIVEN the stand-in issuer's key server (tools.jwks_server) WHEN POST, PUT, DELETE THEN
    405 JSON with `Allow: GET` (was http.server's HTML 501)."""
    server = DocumentServer({"/jwks.json": b'{"keys": []}'}).start()
    try:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            answer = httpx.request(method, f"http://localhost:{server.port}/jwks.json")
            assert answer.status_code == 405, method
            assert answer.headers["allow"] == "GET"
            assert answer.json() == {"error": "method_not_allowed"}
    finally:
        server.close()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
_FIELDS = st.sampled_from(
    ["ClientId", "Username", "Password", "AccessToken", "Session", "AuthFlow", "IdentityId"]
)
_BODIES = (
    st.dictionaries(_FIELDS, _JSON, max_size=4).map(lambda d: json.dumps(d).encode())
    | _JSON.map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=64)
    | st.integers(1, 3000).map(lambda n: b"{" * n)
)


@FUZZ
@given(target=st.sampled_from(OPERATIONS), body=_BODIES)
def test_any_body_to_any_unsigned_operation_is_never_a_5xx(
    local_run: LocalRun, target: str, body: bytes
) -> None:
    """GIVEN any unsigned operation WHEN any body arrives THEN 2xx or a 4xx in AWS's shape."""
    answer = _call(local_run, target, body)
    if answer.status_code >= 300:
        _aws_4xx(answer)


_ROUTES = [
    "/oauth2/authorize",
    "/login",
    "/login/choose",
    "/login/code",
    "/login/passkey",
    "/static/passkey.js",
    "/passkeys/add",
    "/signup",
    "/confirm",
    "/resendcode",
    "/forgotPassword",
    "/confirmForgotPassword",
    "/oauth2/token",
    "/oauth2/revoke",
    "/oauth2/userInfo",
    "/logout",
    "/.well-known/openid-configuration",
    "/_local/outbox",
]
_FORM = st.dictionaries(
    st.sampled_from(
        [
            *("client_id", "grant_type", "code", "token", "username", "redirect_uri"),
            *("factor", "challenge", "session", "credential", "_csrf"),  # choice sign-in
        ]
    ),
    st.text(max_size=30),
    max_size=4,
)
_AUTHORIZATION = st.none() | st.sampled_from(["Basic ", "Bearer "]).flatmap(
    lambda scheme: st.text(max_size=40).map(lambda value: scheme + value)
)


@FUZZ
@example(path="/oauth2/token", method="POST", form={}, authorization="Basic //46/w==")
@given(
    path=st.sampled_from(_ROUTES),
    method=st.sampled_from(["GET", "POST"]),
    form=_FORM,
    authorization=_AUTHORIZATION,
)
def test_any_request_to_any_hosted_ui_route_is_never_a_5xx(
    local_run: LocalRun, path: str, method: str, form: dict[str, str], authorization: str | None
) -> None:
    """GIVEN any hosted UI route WHEN any query or form and any Authorization arrive THEN
    never a 5xx."""
    headers = {} if authorization is None else {"Authorization": authorization}
    try:
        answer = httpx.request(
            method,
            f"{local_run.auth_url}{path}",
            params=form if method == "GET" else None,
            data=form if method == "POST" else None,
            headers=headers,
            timeout=30,
        )
    except (httpx.LocalProtocolError, UnicodeEncodeError):
        return  # a header value no HTTP client can send
    assert answer.status_code < 500, (path, method, answer.status_code, answer.text[:300])
