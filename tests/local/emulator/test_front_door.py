"""The local AWS endpoint's front door over real HTTP: SigV4 verified as AWS does it.

Requests are signed here with botocore's SigV4Auth (what every SDK does), then changed the
way an attacker or a broken client would: the answer must be AWS's refusal, and moto must
never see the request.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from local.emulator.caller import EmulatorProcess
from local.runtime.client import LOCAL_REGION, local_client
from local.runtime.credentials import RunCredentials, credentials_for
from tools.tls import shared_tls_context

JSON_10 = "application/x-amz-json-1.0"


def _signed(
    emulator: EmulatorProcess,
    body: bytes,
    *,
    credentials: RunCredentials | None = None,
    when: datetime.datetime | None = None,
) -> dict[str, str]:
    """Headers of a DynamoDB ListTables call signed by botocore (at `when`, if given)."""
    run = credentials or credentials_for(emulator.endpoint_url)
    request = AWSRequest(
        method="POST",
        url=f"{emulator.endpoint_url}/",
        data=body,
        headers={"Content-Type": JSON_10, "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    signer = SigV4Auth(
        Credentials(run.access_key_id, run.secret_access_key, run.session_token or None),
        "dynamodb",
        LOCAL_REGION,
    )
    if when is None:
        signer.add_auth(request)
    else:
        request.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
        signer._modify_request_before_signing(request)
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        signer._inject_signature_to_request(request, signature)
    return dict(request.headers.items())


def _post(emulator: EmulatorProcess, headers: dict[str, str], body: bytes) -> httpx.Response:
    url = f"{emulator.endpoint_url}/"
    return httpx.post(url, headers=headers, content=body, timeout=30, verify=shared_tls_context())


def test_a_request_signed_with_the_runs_credentials_is_served(emulator: EmulatorProcess) -> None:
    """GIVEN a ListTables call signed with the run's credentials WHEN sent THEN 200."""
    body = b"{}"
    answer = _post(emulator, _signed(emulator, body), body)
    assert answer.status_code == 200, answer.text
    assert "TableNames" in answer.json()


def test_a_body_changed_after_signing_is_refused(emulator: EmulatorProcess) -> None:
    """GIVEN a signed call WHEN its body is changed on the way THEN 400
    InvalidSignatureException (the body's hash is part of the signature)."""
    headers = _signed(emulator, b"{}")
    answer = _post(emulator, headers, b'{"Limit": 1}')
    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidSignatureException"


@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_signature_more_than_15_minutes_off_is_refused(
    emulator: EmulatorProcess, minutes: int
) -> None:
    """GIVEN a signature made 16 minutes ago or 16 minutes ahead WHEN sent THEN 400
    InvalidSignatureException saying it expired / is not yet current, as AWS answers."""
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes)
    answer = _post(emulator, _signed(emulator, b"{}", when=when), b"{}")
    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidSignatureException"
    assert (
        "Signature expired" in answer.json()["message"]
        or "not yet current" in (answer.json()["message"])
    )


def test_a_signed_header_changed_after_signing_is_refused(emulator: EmulatorProcess) -> None:
    """GIVEN a signed call WHEN a signed header (the target) is changed to another operation
    THEN refused: a captured request cannot be replayed as a different one."""
    headers = _signed(emulator, b"{}")
    headers["X-Amz-Target"] = "DynamoDB_20120810.DescribeLimits"
    answer = _post(emulator, headers, b"{}")
    assert answer.status_code == 400
    assert answer.json()["__type"] == "InvalidSignatureException"


def _s3(emulator: EmulatorProcess, credentials: RunCredentials) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=emulator.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def test_presigned_urls_are_verified_and_expire(emulator: EmulatorProcess) -> None:
    """GIVEN a private object WHEN read unsigned, by a presigned URL, by that URL with its
    expiry changed, and by a URL presigned with other credentials THEN 403 AccessDenied,
    200, 403 SignatureDoesNotMatch, 403 InvalidAccessKeyId."""
    s3 = _s3(emulator, credentials_for(emulator.endpoint_url))
    s3.create_bucket(Bucket="front-door")
    s3.put_object(Bucket="front-door", Key="secret.txt", Body=b"secret")
    plain = httpx.get(f"{emulator.endpoint_url}/front-door/secret.txt")
    assert (plain.status_code, "<Code>AccessDenied</Code>" in plain.text) == (403, True)
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "front-door", "Key": "secret.txt"}, ExpiresIn=60
    )
    assert httpx.get(url).content == b"secret"
    stretched = httpx.get(url.replace("X-Amz-Expires=60", "X-Amz-Expires=600000"))
    assert stretched.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in stretched.text
    stranger = _s3(emulator, RunCredentials.generate()).generate_presigned_url(
        "get_object", Params={"Bucket": "front-door", "Key": "secret.txt"}
    )
    refused = httpx.get(stranger)
    assert refused.status_code == 403
    assert "<Code>InvalidAccessKeyId</Code>" in refused.text


def test_credentials_the_endpoint_issued_by_assume_role_are_accepted(
    emulator: EmulatorProcess,
) -> None:
    """GIVEN temporary credentials from sts:AssumeRole (signed with the run's credentials), as
    the CDK CLI gets for the bootstrap roles WHEN they sign a call THEN it is served, as on
    AWS; made-up credentials of the same shape are refused."""
    issued = local_client("sts", emulator.endpoint_url).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/deploy", RoleSessionName="tests"
    )["Credentials"]
    temporary = RunCredentials(
        issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
    )
    body = b"{}"
    assert _post(emulator, _signed(emulator, body, credentials=temporary), body).status_code == 200
    forged = RunCredentials(issued["AccessKeyId"], "not-the-secret", issued["SessionToken"])
    answer = _post(emulator, _signed(emulator, body, credentials=forged), body)
    assert answer.json()["__type"] == "InvalidSignatureException"


def test_the_unsigned_operations_are_exactly_the_sdks_no_auth_ones() -> None:
    """GIVEN botocore's Cognito models WHEN the allow-list is built THEN it holds the public
    operations the issue-20 branch implements and none of the admin ones."""
    from local.emulator.server.security import unsigned_operations

    names = {name.rsplit(".", 1)[1] for name in unsigned_operations()}
    public = {
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetTokensFromRefreshToken",
        "RevokeToken",
        "GetUser",
        "GlobalSignOut",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
        "ChangePassword",
        "UpdateUserAttributes",
        "GetId",
        "GetCredentialsForIdentity",
    }
    assert public <= names
    admin = {"ListUsers", "DescribeUserPoolClient", "AdminCreateUser", "AdminInitiateAuth"}
    assert not admin & names
    assert not {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"} & names


def test_a_server_without_credentials_refuses_to_start() -> None:
    """GIVEN no LOCAL_AWS_* credentials in the environment WHEN the server is started THEN
    exit code 2 and one line saying what it needs (it never serves unguarded)."""
    import os
    import subprocess
    import sys

    from tools.ports import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCAL_AWS_")}
    result = subprocess.run(
        [sys.executable, "-m", "local.emulator.server", "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: the local AWS endpoint needs its credentials")


def test_json_errors_have_awss_shape(emulator: EmulatorProcess) -> None:
    """GIVEN an unsigned DynamoDB call WHEN refused THEN the SDK-parseable shape: `__type`,
    `message`, `x-amzn-ErrorType`, JSON content type."""
    answer = _post(
        emulator,
        {"Content-Type": JSON_10, "X-Amz-Target": "DynamoDB_20120810.Scan"},
        json.dumps({"TableName": "t"}).encode(),
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }
    assert answer.headers["x-amzn-errortype"].startswith("MissingAuthenticationTokenException")


header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126),
    max_size=200,
).map(str.strip)  # HTTP trims a value's outer whitespace; h11 refuses to send it
authorizations = st.one_of(
    header_text,
    header_text.map(lambda text: f"AWS4-HMAC-SHA256 {text}"),
    st.tuples(header_text, header_text, header_text).map(
        lambda parts: "AWS4-HMAC-SHA256 Credential={}, SignedHeaders={}, Signature={}".format(
            *parts
        )
    ),
)


@settings(max_examples=60, deadline=None)
@given(authorization=authorizations, amz_date=header_text, target=header_text)
def test_any_authorization_header_is_refused_with_a_4xx_never_a_5xx(
    emulator: EmulatorProcess, authorization: str, amz_date: str, target: str
) -> None:
    """GIVEN arbitrary Authorization, X-Amz-Date and X-Amz-Target values WHEN posted THEN a
    4xx refusal in AWS's shape; never a 5xx, never served."""
    headers = {
        "Authorization": authorization.strip(),
        "X-Amz-Date": amz_date,
        "X-Amz-Target": target or "DynamoDB_20120810.ListTables",
        "Content-Type": JSON_10,
    }
    answer = _post(emulator, headers, b"{}")
    assert 400 <= answer.status_code < 500, answer.text
    assert "TableNames" not in answer.text
