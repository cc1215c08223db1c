"""Never an HTML 500: what the local pool does not implement, or cannot parse, answers AWS's
JSON error shape, and the emulator's log names the operation."""

from __future__ import annotations

import json

import httpx
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.emulator.caller import EmulatorProcess
from local.runtime.credentials import credentials_for
from local.runtime.signing import sign_headers
from tests.local.emulator.cognito.conftest import LocalPool
from tools.tls import shared_tls_context

TARGET = "AWSCognitoIdentityProviderService."


def _call(
    endpoint_url: str, operation: str, body: bytes, *, signed_for: str | None = None
) -> httpx.Response:
    """A raw JSON call, unsigned as a browser sends it, or signed with the run's credentials
    for service `signed_for` (as SDKs sign the admin operations)."""
    url = endpoint_url + "/"
    headers = {"X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1"}
    if signed_for is not None:
        credentials = credentials_for(endpoint_url)
        headers = sign_headers(credentials, "POST", url, headers, body, service=signed_for)
    return httpx.post(url, content=body, headers=headers, timeout=10, verify=shared_tls_context())


def test_an_unimplemented_operation_answers_json_and_is_logged(
    pool: LocalPool, emulator: EmulatorProcess
) -> None:
    """GIVEN an operation the local pool does not implement (ListDevices) WHEN called by an
    SDK THEN UnsupportedOperationException as JSON with X-Amzn-ErrorType, and the log names it."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.admin_list_devices(UserPoolId=pool.pool_id, Username="x")
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperationException"
    assert "AdminListDevices" in raised.value.response["Error"]["Message"]
    answer = _call(pool.endpoint_url, "AdminListDevices", b"{}", signed_for="cognito-idp")
    assert answer.status_code == 400, answer.text
    assert answer.headers["x-amzn-errortype"] == "UnsupportedOperationException"
    assert answer.json()["__type"] == "UnsupportedOperationException"
    assert "AdminListDevices is not implemented" in emulator.log_text()


def test_a_request_moto_cannot_route_answers_awss_json_not_html(
    pool: LocalPool, emulator: EmulatorProcess
) -> None:
    """GIVEN a correctly signed call without a target whose signature names a service the
    endpoint does not serve (moto answered werkzeug's HTML 500) WHEN sent THEN AWS's
    InternalFailure as JSON with x-amzn-ErrorType, naming the request, and a log line. (With
    a Cognito target the front door refuses such a scope first: a 4xx.)"""
    targeted = _call(pool.endpoint_url, "AdminListDevices", b"{}", signed_for="nosuchservice")
    assert targeted.status_code == 400
    assert targeted.json()["__type"] == "InvalidSignatureException"
    url = pool.endpoint_url + "/"
    plain = {"Content-Type": "application/x-amz-json-1.1"}
    headers = sign_headers(
        credentials_for(pool.endpoint_url), "POST", url, plain, b"{}", service="nosuchservice"
    )
    answer = httpx.post(url, content=b"{}", headers=headers, timeout=10)
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/x-amz-json-1.1")
    assert answer.headers["x-amzn-errortype"] == "InternalFailure:"
    assert answer.json()["__type"] == "InternalFailure"
    assert "nosuchservice" in answer.json()["message"]
    assert "<html" not in answer.text.lower()
    assert "sent as AWS's InternalFailure" in emulator.log_text()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(
    pool: LocalPool, body: bytes
) -> None:
    """GIVEN a body that is not a JSON object WHEN InitiateAuth THEN 400 SerializationException."""
    answer = _call(pool.endpoint_url, "InitiateAuth", body)
    assert answer.status_code == 400
    assert answer.json()["__type"] == "SerializationException"


def test_wrong_parameter_types_are_client_errors(pool: LocalPool) -> None:
    """GIVEN AuthParameters that is not a map of strings WHEN InitiateAuth THEN a 400 JSON error."""
    answer = _call(
        pool.endpoint_url,
        "InitiateAuth",
        b'{"ClientId": "%s", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": [1]}'
        % pool.client_id.encode(),
    )
    assert answer.status_code == 400
    assert answer.json()["__type"] == "SerializationException"


def test_an_unknown_refresh_token_through_the_admin_api_is_not_a_500(pool: LocalPool) -> None:
    """GIVEN a made-up refresh token WHEN AdminInitiateAuth REFRESH_TOKEN_AUTH (moto raised a
    KeyError here) THEN NotAuthorizedException."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": "made-up"},
        )
    assert raised.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_custom_auth_without_triggers_is_refused_not_an_empty_success(pool: LocalPool) -> None:
    """GIVEN a pool without custom-auth triggers WHEN InitiateAuth CUSTOM_AUTH (moto answered
    200 with nothing) or USER_AUTH THEN InvalidParameterException."""
    for flow in ("CUSTOM_AUTH", "USER_AUTH"):
        with pytest.raises(ClientError) as raised:
            pool.cognito.initiate_auth(
                ClientId=pool.client_id, AuthFlow=flow, AuthParameters={"USERNAME": "a@b.c"}
            )
        assert raised.value.response["Error"]["Code"] == "InvalidParameterException"


_TEXT = st.text(max_size=12)
_PARAMETERS = st.dictionaries(
    st.sampled_from(
        [
            "USERNAME",
            "PASSWORD",
            "SRP_A",
            "REFRESH_TOKEN",
            "SECRET_HASH",
            "PASSWORD_CLAIM_SECRET_BLOCK",
            "PASSWORD_CLAIM_SIGNATURE",
            "TIMESTAMP",
            "SOFTWARE_TOKEN_MFA_CODE",
            "NEW_PASSWORD",
        ]
    ),
    _TEXT,
    max_size=5,
)
_FLOWS = st.sampled_from(
    [
        "USER_SRP_AUTH",
        "USER_PASSWORD_AUTH",
        "REFRESH_TOKEN_AUTH",
        "REFRESH_TOKEN",
        "CUSTOM_AUTH",
        "X",
    ]
)
_CHALLENGES = st.sampled_from(
    [
        "PASSWORD_VERIFIER",
        "SOFTWARE_TOKEN_MFA",
        "MFA_SETUP",
        "NEW_PASSWORD_REQUIRED",
        "SMS_MFA",
        "X",
    ]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operation=st.sampled_from(
        ["InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken", "RevokeToken"]
    ),
    flow=_FLOWS,
    challenge=_CHALLENGES,
    parameters=_PARAMETERS,
    session=st.one_of(st.none(), _TEXT),
    known_client=st.booleans(),
)
def test_any_sign_in_input_is_a_json_answer_never_a_5xx(
    pool: LocalPool,
    operation: str,
    flow: str,
    challenge: str,
    parameters: dict[str, str],
    session: str | None,
    known_client: bool,
) -> None:
    """GIVEN any mix of flow, challenge, parameters, session and client WHEN sent to the sign-in
    operations THEN a JSON answer below 500, and never tokens for made-up input."""
    body: dict[str, object] = {
        "ClientId": pool.client_id if known_client else "nope",
        "AuthFlow": flow,
        "AuthParameters": parameters,
        "ChallengeName": challenge,
        "ChallengeResponses": parameters,
        "RefreshToken": parameters.get("REFRESH_TOKEN", "x"),
        "Token": parameters.get("REFRESH_TOKEN", "x"),
    }
    if session is not None:
        body["Session"] = session
    answer = _call(pool.endpoint_url, operation, json.dumps(body).encode())
    assert answer.status_code < 500, answer.text
    document = answer.json()
    assert "AuthenticationResult" not in document
