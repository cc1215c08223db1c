"""The emulator's OAuth token endpoint and pre token trigger, over HTTP against a real server.

Pools, clients and trigger functions are created through the AWS APIs (no CDK here); tokens
are checked against the JWKS the pool's discovery document names, as the local authorizer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.conftest import AwsClient
from tests.local.emulator.lambda_functions import create_function as _function
from tools.tls import shared_tls_context

PASSWORD = "Passw0rd!Passw0rd"
TRIGGER = """
def handler(event, context):
    if event["callerContext"]["clientId"] == "fail-me":
        raise ValueError("boom")
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "accessTokenGeneration": {
            "scopesToAdd": ["rs/read"],
            "claimsToAddOrOverride": {"source": event["triggerSource"], "sub": "forged"},
        },
        "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
    }
    return event
"""
FAILING_TRIGGER = "def handler(event, context):\n    raise ValueError('trigger says no')\n"


@dataclass(frozen=True)
class Pool:
    id: str
    user_client: str
    machine_client: str
    machine_secret: str
    code_client: str
    code_secret: str
    token_endpoint: str
    jwks_uri: str


def _pool(aws: AwsClient, emulator: EmulatorProcess, name: str, lambda_config: Any) -> Pool:
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName=name, UsernameAttributes=["email"], LambdaConfig=lambda_config
    )["UserPool"]["Id"]
    idp.create_resource_server(
        UserPoolId=pool_id,
        Identifier="rs",
        Name="rs",
        Scopes=[
            {"ScopeName": "read", "ScopeDescription": "r"},
            {"ScopeName": "admin", "ScopeDescription": "a"},
            {"ScopeName": "audit", "ScopeDescription": "a"},
        ],
    )
    user = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="user",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    machine = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="machine",
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["rs/admin", "rs/audit"],
    )["UserPoolClient"]
    code = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="code",
        GenerateSecret=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "rs/read"],
        CallbackURLs=["https://app.example.com/cb"],
    )["UserPoolClient"]
    discovery = httpx.get(f"{emulator.endpoint_url}/{pool_id}/.well-known/openid-configuration")
    document = discovery.json()
    return Pool(
        id=pool_id,
        user_client=user["ClientId"],
        machine_client=machine["ClientId"],
        machine_secret=machine["ClientSecret"],
        code_client=code["ClientId"],
        code_secret=code["ClientSecret"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
    )


@pytest.fixture(scope="module")
def pool(aws: AwsClient, emulator: EmulatorProcess) -> Pool:
    """A pool whose V2 pre token trigger adds a scope and claims."""
    arn = _function(aws, "pre-token-v2", TRIGGER)
    config = {"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V2_0"}}
    return _pool(aws, emulator, "scoped", config)


def _verify(pool: Pool, token: str) -> dict[str, Any]:
    """Verify as the local authorizer does: the pool's JWKS, RS256, the pool's issuer."""
    key = jwt.PyJWKClient(pool.jwks_uri).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool.id}",
        options={"verify_aud": False},
    )
    return claims


def _sign_in(aws: AwsClient, pool: Pool, email: str) -> dict[str, Any]:
    idp = aws("cognito-idp")
    idp.sign_up(
        ClientId=pool.user_client,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.admin_confirm_sign_up(UserPoolId=pool.id, Username=email)
    result: dict[str, Any] = idp.initiate_auth(
        ClientId=pool.user_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return result


def _token(pool: Pool, data: dict[str, str], auth: tuple[str, str] | None) -> httpx.Response:
    return httpx.post(
        pool.token_endpoint, data=data, auth=auth, timeout=30, verify=shared_tls_context()
    )


# --- the token endpoint ---------------------------------------------------------------------


def test_discovery_lists_the_local_token_endpoint(pool: Pool, emulator: EmulatorProcess) -> None:
    """GIVEN a pool WHEN its discovery document is read THEN token_endpoint is this server's
    /<poolId>/oauth2/token, next to the JWKS."""
    assert pool.token_endpoint == f"{emulator.endpoint_url}/{pool.id}/oauth2/token"
    assert pool.jwks_uri == f"{emulator.endpoint_url}/{pool.id}/.well-known/jwks.json"


def test_client_credentials_with_basic_auth_gets_every_allowed_scope(pool: Pool) -> None:
    """GIVEN the machine client's id and secret in HTTP Basic and no scope WHEN it asks for a
    token THEN 200 with a Bearer access token carrying all its custom scopes, sub = client id,
    signed with the pool's key."""
    response = _token(
        pool, {"grant_type": "client_credentials"}, (pool.machine_client, pool.machine_secret)
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert response.headers["cache-control"] == "no-store"
    claims = _verify(pool, body["access_token"])
    assert claims["scope"] == "rs/admin rs/audit"
    assert claims["sub"] == claims["client_id"] == pool.machine_client
    assert claims["token_use"] == "access"
    assert "aud" not in claims
    assert "source" not in claims  # a V2 trigger does not run for client_credentials


def test_client_credentials_with_form_auth_and_one_scope(pool: Pool) -> None:
    """GIVEN client_id/client_secret as form fields and scope=rs/audit WHEN asked THEN the
    token carries exactly that scope."""
    response = _token(
        pool,
        {
            "grant_type": "client_credentials",
            "client_id": pool.machine_client,
            "client_secret": pool.machine_secret,
            "scope": "rs/audit",
        },
        None,
    )
    assert response.status_code == 200
    assert _verify(pool, response.json()["access_token"])["scope"] == "rs/audit"


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("wrong_secret", "invalid_client"),
        ("unknown_client", "invalid_client"),
        ("public_client", "invalid_client"),
        ("no_credentials", "invalid_client"),
        ("unknown_scope", "invalid_scope"),
        ("scope_of_another_client", "invalid_scope"),
        ("code_client", "unauthorized_client"),
        ("password_grant", "unsupported_grant_type"),
        ("no_grant_type", "invalid_request"),
    ],
)
def test_bad_token_requests_get_cognitos_error_and_no_token(
    pool: Pool, case: str, error: str
) -> None:
    """GIVEN a token request with one thing wrong WHEN posted THEN 400 with Cognito's JSON
    error code and no access token."""
    machine = (pool.machine_client, pool.machine_secret)
    data = {"grant_type": "client_credentials"}
    requests: dict[str, tuple[dict[str, str], tuple[str, str] | None]] = {
        "wrong_secret": (data, (pool.machine_client, "not-the-secret")),
        "unknown_client": (data, ("no-such-client", pool.machine_secret)),
        "public_client": (data | {"client_id": pool.user_client}, None),
        "no_credentials": (data, None),
        "unknown_scope": (data | {"scope": "rs/nope"}, machine),
        "scope_of_another_client": (data | {"scope": "rs/admin rs/read"}, machine),
        "code_client": (data, (pool.code_client, pool.code_secret)),
        "password_grant": ({"grant_type": "password"}, machine),
        "no_grant_type": ({}, machine),
    }
    body, auth = requests[case]
    response = _token(pool, body, auth)
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_token_endpoint_wants_a_form_post(pool: Pool) -> None:
    """GIVEN a GET or a JSON body WHEN sent THEN 405 / 400 invalid_request, never a 5xx."""
    assert httpx.get(pool.token_endpoint).status_code == 405
    response = httpx.post(
        pool.token_endpoint,
        json={"grant_type": "client_credentials"},
        auth=(pool.machine_client, pool.machine_secret),
    )
    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})


form_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["client_credentials", "rs/admin", "rs/admin rs/nope", "", " "]),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    grant_type=st.one_of(st.none(), form_text),
    scope=st.one_of(st.none(), form_text),
    client_id=st.one_of(st.none(), form_text),
    secret=st.one_of(st.none(), form_text),
    authorization=st.one_of(
        st.none(),
        # Any printable header value (httpx itself refuses surrounding whitespace).
        st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60),
        st.builds(
            lambda s: f"Basic {s}", st.text(alphabet="abcXYZ09+/=:%", min_size=1, max_size=40)
        ),
    ),
)
def test_arbitrary_token_requests_never_5xx_and_never_get_a_token(
    pool: Pool,
    grant_type: str | None,
    scope: str | None,
    client_id: str | None,
    secret: str | None,
    authorization: str | None,
) -> None:
    """GIVEN any form fields and Authorization header that do not hold the machine client's
    secret WHEN posted THEN a 400 JSON OAuth error, never a 5xx and never a token."""
    fields = {"grant_type": grant_type, "scope": scope, "client_id": client_id}
    fields["client_secret"] = secret
    form = {key: value for key, value in fields.items() if value is not None}
    headers = {} if authorization is None else {"authorization": authorization}
    response = httpx.post(
        pool.token_endpoint, data=form, headers=headers, timeout=30, verify=shared_tls_context()
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert "access_token" not in response.text


# --- the pre token generation trigger -------------------------------------------------------


def test_v2_trigger_runs_on_initiate_auth_and_refresh(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a pool with a V2 trigger WHEN a user signs in with InitiateAuth and refreshes
    THEN the trigger saw each (TokenGeneration_Authentication, then _RefreshTokens): the
    access token has its added scope and claim, the ID token its claim, and `sub` (which
    Cognito protects) is the user's, not the trigger's."""
    tokens = _sign_in(aws, pool, "ada@example.com")
    access = _verify(pool, tokens["AccessToken"])
    identity = _verify(pool, tokens["IdToken"])
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "rs/read"]
    assert access["source"] == "TokenGeneration_Authentication"
    assert access["sub"] == identity["sub"] != "forged"
    assert identity["tier"] == "gold"
    refreshed = aws("cognito-idp").initiate_auth(
        ClientId=pool.user_client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )["AuthenticationResult"]
    assert _verify(pool, refreshed["AccessToken"])["source"] == "TokenGeneration_RefreshTokens"
    # moto's GetUser still knows the rewritten access token.
    user = aws("cognito-idp").get_user(AccessToken=tokens["AccessToken"])
    assert user["UserAttributes"]


def test_failing_trigger_fails_the_sign_in(aws: AwsClient, emulator: EmulatorProcess) -> None:
    """GIVEN a trigger that raises WHEN a user signs in THEN InitiateAuth fails with
    UserLambdaValidationException, as Cognito fails it, and no token is issued."""
    arn = _function(aws, "pre-token-failing", FAILING_TRIGGER)
    failing = _pool(
        aws,
        emulator,
        "failing",
        {"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V2_0"}},
    )
    with pytest.raises(ClientError) as raised:
        _sign_in(aws, failing, "grace@example.com")
    assert raised.value.response["Error"]["Code"] == "UserLambdaValidationException"
    assert "trigger says no" in raised.value.response["Error"]["Message"]


def test_v3_trigger_also_runs_for_client_credentials(
    aws: AwsClient, emulator: EmulatorProcess
) -> None:
    """GIVEN a pool with a V3 trigger WHEN the machine client gets a token THEN the trigger
    ran with TokenGeneration_ClientCredentials (V3 is the version Cognito runs for M2M)."""
    arn = _function(aws, "pre-token-v3", TRIGGER)
    v3 = _pool(
        aws,
        emulator,
        "v3",
        {"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V3_0"}},
    )
    response = _token(
        v3, {"grant_type": "client_credentials"}, (v3.machine_client, v3.machine_secret)
    )
    claims = _verify(v3, response.json()["access_token"])
    assert claims["source"] == "TokenGeneration_ClientCredentials"
    assert claims["scope"].split() == ["rs/admin", "rs/audit", "rs/read"]
