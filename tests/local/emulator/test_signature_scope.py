"""SigV4's credential scope, session token and payload as AWS checks them (issue 30,
finding 8), over real HTTP to a real endpoint process.

The probe found a signature scoped to eu-west-1 accepted, one scoped to s3 with a Cognito
target running S3's ListBuckets, dynamodb or sts scopes on a Cognito target answering 500,
UNSIGNED-PAYLOAD letting a JSON body change after signing, an unsigned session token accepted,
and boto3's presigned Lambda and STS URLs refused.
"""

from __future__ import annotations

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.emulator.caller import EmulatorProcess
from local.runtime.client import LOCAL_REGION
from local.runtime.credentials import credentials_for

JSON_11 = "application/x-amz-json-1.1"
TARGET = "AWSCognitoIdentityProviderService.ListUserPools"
BODY = b'{"MaxResults": 10}'


def _signed_call(
    emulator: EmulatorProcess,
    *,
    service: str = "cognito-idp",
    region: str = LOCAL_REGION,
    body: bytes = BODY,
    headers: dict[str, str] | None = None,
) -> AWSRequest:
    run = credentials_for(emulator.endpoint_url)
    request = AWSRequest(
        method="POST",
        url=f"{emulator.endpoint_url}/",
        data=body,
        headers={"Content-Type": JSON_11, "X-Amz-Target": TARGET, **(headers or {})},
    )
    credentials = Credentials(run.access_key_id, run.secret_access_key, run.session_token)
    SigV4Auth(credentials, service, region).add_auth(request)
    return request


def _send(emulator: EmulatorProcess, request: AWSRequest, body: bytes = BODY) -> httpx.Response:
    return httpx.post(
        f"{emulator.endpoint_url}/", content=body, headers=dict(request.headers.items())
    )


def _refused(answer: httpx.Response) -> str:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    kind: str = answer.json()["__type"]
    return kind


def test_the_right_scope_is_served(emulator: EmulatorProcess) -> None:
    """GIVEN a Cognito call signed for cognito-idp in the served region THEN 200."""
    answer = _send(emulator, _signed_call(emulator))
    assert answer.status_code == 200, answer.text
    assert "UserPools" in answer.json()


def test_a_signature_scoped_to_another_region_is_refused(emulator: EmulatorProcess) -> None:
    """GIVEN a valid signature scoped to eu-west-1 or a made-up region THEN 4xx
    InvalidSignatureException (was: served, or a 500 for an unknown region)."""
    for region in ("eu-west-1", "xx-nowhere-9"):
        answer = _send(emulator, _signed_call(emulator, region=region))
        assert _refused(answer) == "InvalidSignatureException", region
        assert "region" in answer.json()["message"]


@pytest.mark.parametrize("service", ["s3", "dynamodb", "sts", "lambda"])
def test_a_cognito_call_scoped_to_another_service_is_refused(
    emulator: EmulatorProcess, service: str
) -> None:
    """GIVEN a Cognito target signed with another service's scope THEN 4xx, and S3 never
    answers (was: s3 ran ListBuckets, dynamodb and sts a 500)."""
    answer = _send(emulator, _signed_call(emulator, service=service))
    assert _refused(answer) == "InvalidSignatureException"
    assert "ListAllMyBucketsResult" not in answer.text


def test_unsigned_payload_cannot_carry_a_json_body_changed_after_signing(
    emulator: EmulatorProcess,
) -> None:
    """GIVEN a Cognito call signed with x-amz-content-sha256 UNSIGNED-PAYLOAD WHEN its body is
    changed after signing THEN refused (was: served with the new body)."""
    request = _signed_call(emulator, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    answer = _send(emulator, request, body=b'{"MaxResults": 60}')
    assert _refused(answer) == "InvalidSignatureException"


def test_a_session_token_outside_the_signature_is_refused(emulator: EmulatorProcess) -> None:
    """GIVEN a call signed without its session token (added after signing) THEN 4xx
    IncompleteSignatureException (was: served)."""
    run = credentials_for(emulator.endpoint_url)
    request = AWSRequest(
        method="POST",
        url=f"{emulator.endpoint_url}/",
        data=BODY,
        headers={"Content-Type": JSON_11, "X-Amz-Target": TARGET},
    )
    SigV4Auth(
        Credentials(run.access_key_id, run.secret_access_key), "cognito-idp", LOCAL_REGION
    ).add_auth(request)
    request.headers["X-Amz-Security-Token"] = run.session_token
    assert _refused(_send(emulator, request)) == "IncompleteSignatureException"


def _session(emulator: EmulatorProcess) -> boto3.session.Session:
    run = credentials_for(emulator.endpoint_url)
    return boto3.session.Session(
        aws_access_key_id=run.access_key_id,
        aws_secret_access_key=run.secret_access_key,
        aws_session_token=run.session_token,
        region_name=LOCAL_REGION,
    )


def test_boto3s_presigned_lambda_and_sts_urls_work(emulator: EmulatorProcess) -> None:
    """GIVEN boto3's presigned URLs for Lambda ListFunctions (GET) and STS GetCallerIdentity
    (POST, the method botocore signs it for) THEN both are served (was: SignatureDoesNotMatch
    for Lambda; S3's NoSuchBucket once the signature passed)."""
    session = _session(emulator)
    lambdas = session.client("lambda", endpoint_url=emulator.endpoint_url)
    url = lambdas.generate_presigned_url("list_functions", ExpiresIn=60)
    answer = httpx.get(url)
    assert answer.status_code == 200, answer.text
    assert "Functions" in answer.json()
    sts = session.client("sts", endpoint_url=emulator.endpoint_url)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60)
    answer = httpx.post(url)  # botocore signs a query service's URL for its method, POST
    assert answer.status_code == 200, answer.text
    assert "GetCallerIdentityResult" in answer.text
