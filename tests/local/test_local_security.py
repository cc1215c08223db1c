"""Nothing on the developer's machine opens to a web page (issue 22), over the real local run.

A malicious page in the developer's browser can send any "simple" request to any localhost
port, and with DNS rebinding even same-origin ones; another user on the machine can connect
to loopback and read files that are not private. Each test here is one of those attacks,
sent as real HTTP to the running `python -m local up`, with what must hold afterwards.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
import zipfile

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from local.runtime.client import LOCAL_REGION, local_client
from local.runtime.credentials import credentials_for, credentials_path
from tests.local.conftest import LocalRun, local_cli
from tests.local.private_modes import assert_private

pytestmark = pytest.mark.local

EVIL = "https://evil.example"
JSON_11 = "application/x-amz-json-1.1"


def _a_function(run: LocalRun) -> tuple[str, str]:
    """(name, CodeSha256) of one deployed function."""
    lambdas = local_client("lambda", run.endpoint_url)
    name = lambdas.list_functions()["Functions"][0]["FunctionName"]
    return name, lambdas.get_function(FunctionName=name)["Configuration"]["CodeSha256"]


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def test_a_cross_origin_preflight_for_update_function_code_is_refused(local_run: LocalRun) -> None:
    """GIVEN a page on another origin WHEN its browser preflights PUT .../functions/<fn>/code
    THEN 403 with AWS's error shape and no Access-Control-Allow-Origin: the browser never
    sends the request."""
    name, _ = _a_function(local_run)
    answer = httpx.request(
        "OPTIONS",
        f"{local_run.endpoint_url}/2015-03-31/functions/{name}/code",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers
    assert answer.json()["__type"] == "AccessDeniedException"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64,
        "dummy",
    ],
)
def test_a_cross_origin_update_function_code_is_refused_and_the_code_is_unchanged(
    local_run: LocalRun, authorization: str | None
) -> None:
    """GIVEN a page on another origin WHEN it PUTs new code for a deployed function (unsigned,
    with moto's public `testing` key, or with a dummy Authorization header, as the probe
    did) THEN 403 with Lambda's error type, no CORS header, and the function's code is the
    deployed one."""
    name, before = _a_function(local_run)
    headers = {"Origin": EVIL, "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    payload = base64.b64encode(_zip("def handler(e, c):\n    return 'pwned'\n")).decode()
    answer = httpx.put(
        f"{local_run.endpoint_url}/2015-03-31/functions/{name}/code",
        headers=headers,
        content=json.dumps({"ZipFile": payload}),
    )
    assert answer.status_code == 403, answer.text
    assert "access-control-allow-origin" not in answer.headers
    assert answer.headers["x-amzn-errortype"].rstrip(":") in {
        "MissingAuthenticationTokenException",
        "UnrecognizedClientException",
        "IncompleteSignatureException",
    }
    assert _a_function(local_run) == (name, before)


def test_a_browser_style_unsigned_initiate_auth_from_another_localhost_origin_works(
    local_run: LocalRun,
) -> None:
    """GIVEN a browser app on another localhost port (Amplify's way: unsigned JSON POSTs)
    WHEN it preflights and then calls InitiateAuth THEN the preflight allows it and the call
    answers tokens with `Access-Control-Allow-Origin: *`, as Cognito does."""
    state = local_run.state
    client_id, pool_id = state.outputs.client_id, state.outputs.user_pool_id
    assert client_id is not None
    assert pool_id is not None
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    email, password = f"browser-app-{uuid.uuid4().hex[:8]}@example.com", "Browser-App-Passw0rd!"
    cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    origin = "http://localhost:5173"
    preflight = httpx.request(
        "OPTIONS",
        f"{local_run.endpoint_url}/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "x-amz-target" in preflight.headers["access-control-allow-headers"]
    answer = httpx.post(
        f"{local_run.endpoint_url}/",
        headers={
            "Origin": origin,
            "Content-Type": JSON_11,
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        content=json.dumps(
            {
                "ClientId": client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": email, "PASSWORD": password},
            }
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.json()["AuthenticationResult"]["AccessToken"]


def test_an_unsigned_admin_call_is_refused_with_cognitos_error(local_run: LocalRun) -> None:
    """GIVEN a page that POSTs ListUsers (every e-mail) unsigned WHEN it arrives THEN 400
    MissingAuthenticationTokenException, as Cognito answers, and no CORS header."""
    pool_id = local_run.state.outputs.user_pool_id
    answer = httpx.post(
        f"{local_run.endpoint_url}/",
        headers={
            "Origin": EVIL,
            "Content-Type": JSON_11,
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUsers",
        },
        content=json.dumps({"UserPoolId": pool_id}),
    )
    assert answer.status_code == 400
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
    assert "access-control-allow-origin" not in answer.headers


def test_an_unsigned_operation_cannot_be_turned_into_another(local_run: LocalRun) -> None:
    """GIVEN an unsigned InitiateAuth whose query and body also name `Action=ListUsers` (moto
    reads those before X-Amz-Target) WHEN sent THEN it is InitiateAuth that runs (an error
    about its own parameters), never ListUsers; a form body is refused outright."""
    pool_id = local_run.state.outputs.user_pool_id
    headers = {
        "Content-Type": JSON_11,
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    }
    smuggled = httpx.post(
        f"{local_run.endpoint_url}/?Action=ListUsers",
        headers=headers,
        content=json.dumps({"UserPoolId": pool_id, "x": "&Action=ListUsers&"}),
    )
    assert smuggled.status_code == 400
    assert "Users" not in smuggled.json()
    form = httpx.post(
        f"{local_run.endpoint_url}/",
        headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
        content=f"Action=ListUsers&UserPoolId={pool_id}",
    )
    assert form.status_code == 403
    assert "Users" not in form.json()


@pytest.mark.parametrize(
    ("secret", "token", "code"),
    [
        ("wrong", "run", "InvalidSignatureException"),
        ("run", "wrong", "UnrecognizedClientException"),
        ("testing", "testing", "UnrecognizedClientException"),
    ],
)
def test_a_wrongly_signed_request_is_refused_with_awss_error(
    local_run: LocalRun, secret: str, token: str, code: str
) -> None:
    """GIVEN boto3 with a wrong secret, a wrong session token, or moto's public `testing` pair
    WHEN it calls DescribeUserPoolClient (the machine client's secret lives there) THEN the
    SDK raises AWS's error code for it."""
    run_credentials = credentials_for(local_run.endpoint_url)
    access_key = "testing" if secret == "testing" else run_credentials.access_key_id
    client = boto3.client(
        "cognito-idp",
        endpoint_url=local_run.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=run_credentials.secret_access_key if secret == "run" else secret,
        aws_session_token=run_credentials.session_token if token == "run" else token,
    )
    with pytest.raises(ClientError) as raised:
        client.describe_user_pool_client(
            UserPoolId=local_run.state.outputs.user_pool_id or "",
            ClientId=local_run.state.outputs.client_id or "",
        )
    assert raised.value.response["Error"]["Code"] == code


def test_the_pools_public_documents_and_signed_clients_still_work(local_run: LocalRun) -> None:
    """GIVEN the run WHEN a browser reads the pool's JWKS and the SDK (signed with the run's
    credentials) lists the users THEN both answer 200, the JWKS with `*` CORS."""
    pool_id = local_run.state.outputs.user_pool_id
    jwks = httpx.get(
        f"{local_run.endpoint_url}/{pool_id}/.well-known/jwks.json", headers={"Origin": EVIL}
    )
    assert jwks.status_code == 200
    assert jwks.headers["access-control-allow-origin"] == "*"
    users = local_client("cognito-idp", local_run.endpoint_url).list_users(UserPoolId=pool_id)
    assert users["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_foreign_host_gets_a_4xx_on_every_port(local_run: LocalRun) -> None:
    """GIVEN DNS rebinding (a page's own name re-pointed at 127.0.0.1) WHEN its requests
    reach the API, the local AWS endpoint, the hosted UI and the demo page with
    `Host: rebind.evil.example` THEN each answers 403 before any handler; the same requests
    with `localhost` answer as usual."""
    pool_id = local_run.state.outputs.user_pool_id
    urls = {
        "api": f"{local_run.base_url}/user/profile",
        "aws": f"{local_run.endpoint_url}/{pool_id}/.well-known/jwks.json",
        "hosted UI": f"{local_run.auth_url}/.well-known/openid-configuration",
        "demo": local_run.demo_url,
    }
    for where, url in urls.items():
        port = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
        foreign = httpx.get(url, headers={"Host": f"rebind.evil.example:{port}"})
        assert foreign.status_code == 403, (where, foreign.status_code, foreign.text[:200])
        other_port = httpx.get(url, headers={"Host": "localhost:1"})
        assert other_port.status_code == 403, where
        assert httpx.get(url).status_code in (200, 401), where


def test_the_local_endpoint_binds_loopback_only(local_run: LocalRun) -> None:
    """GIVEN a server asked to listen on every interface WHEN started THEN it refuses with one
    line and exit code 2."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "local.emulator.server", "--host", "0.0.0.0", "--port", "1"],  # noqa: S104
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: refusing to listen on 0.0.0.0: local servers bind to loopback only "
        "(127.0.0.1 or ::1)"
    ]


def test_the_kept_state_is_private_after_a_fresh_start(local_run: LocalRun) -> None:
    """GIVEN a fresh `local up` WHEN it serves THEN its state folder, the snapshot, the run's
    credentials and the run state are readable by this user only."""
    root = local_run.state_dir
    assert (root / "aws" / "snapshot.bin").exists()
    assert credentials_path(root / "aws").exists()
    assert_private(root)


def test_a_users_script_gets_the_runs_credentials_from_local_env(local_run: LocalRun) -> None:
    """GIVEN the running run WHEN a user's own script takes `python -m local env`'s exports
    THEN plain boto3 with those variables (and nothing else) reaches the local endpoint."""
    printed = local_cli(local_run.state_dir, "env")
    assert printed.returncode == 0, printed.stderr
    variables = {}
    for line in printed.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        variables[name] = value.strip("'")
    assert variables["AWS_ENDPOINT_URL"] == local_run.endpoint_url
    assert variables["AWS_ACCESS_KEY_ID"] != "testing"
    session = boto3.session.Session(
        aws_access_key_id=variables["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=variables["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=variables["AWS_SESSION_TOKEN"],
        region_name=variables["AWS_DEFAULT_REGION"],
    )
    stacks = session.client("cloudformation", endpoint_url=variables["AWS_ENDPOINT_URL"])
    assert stacks.describe_stacks()["Stacks"]
    assert os.environ.get("AWS_ACCESS_KEY_ID") != variables["AWS_ACCESS_KEY_ID"]


def test_the_apis_cors_answers_that_echo_an_origin_vary_on_it(local_run: LocalRun) -> None:
    """GIVEN the API's CORS configuration (the demo page's origin) WHEN a request and a
    preflight come from that origin THEN both echo it and say `Vary: Origin`, so no cache
    hands one origin's answer to another."""
    origin = local_run.demo_url.rstrip("/")
    answer = httpx.get(f"{local_run.base_url}/user/profile", headers={"Origin": origin})
    assert answer.headers["access-control-allow-origin"] == origin
    assert answer.headers["vary"] == "Origin"
    preflight = httpx.request(
        "OPTIONS",
        f"{local_run.base_url}/user/profile",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["vary"] == "Origin"
