"""Scopes end to end offline: the real deploy with requireScopes=true machineClient=true.

Tokens come the way users get them: a demo user through InitiateAuth (the deployed pre token
trigger adds the user scopes), the machine client through the local token endpoint that the
pool's discovery document lists. Every request goes over HTTP to the local data plane.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest

from local.runtime.client import local_client
from stacks.contract import ApiOutput, AuthOutput
from tests.local.conftest import LocalRun, local_cli
from tools.token import get_machine_token, get_tokens


@dataclass(frozen=True)
class ScopedTokens:
    id_token: str
    access_token: str
    machine_token: str
    sub: str
    token_endpoint: str
    machine_client: str


@pytest.fixture(scope="session")
def scoped(scoped_run: LocalRun, tmp_path_factory: pytest.TempPathFactory) -> ScopedTokens:
    outputs = scoped_run.outputs
    assert outputs.user_pool_id is not None
    assert outputs.client_id is not None
    assert outputs.machine_client_id is not None
    cognito = local_client("cognito-idp", scoped_run.endpoint_url)
    user = get_tokens(
        cognito,
        user_pool_id=outputs.user_pool_id,
        client_id=outputs.client_id,
        email=f"scoped-{uuid.uuid4().hex[:8]}@example.com",
        password_store=tmp_path_factory.mktemp("scoped-users") / "users.json",
    )
    discovery = httpx.get(
        f"{scoped_run.endpoint_url}/{outputs.user_pool_id}/.well-known/openid-configuration"
    ).json()
    machine = get_machine_token(
        cognito,
        user_pool_id=outputs.user_pool_id,
        client_id=outputs.machine_client_id,
        token_endpoint=discovery["token_endpoint"],
    )
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    return ScopedTokens(
        id_token=user.id_token,
        access_token=user.access_token,
        machine_token=machine.access_token,
        sub=claims["sub"],
        token_endpoint=discovery["token_endpoint"],
        machine_client=outputs.machine_client_id,
    )


@pytest.fixture(scope="session")
def api(scoped_run: LocalRun) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scoped_run.base_url, timeout=30) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_discovery_lists_the_local_hosted_uis_endpoints(
    scoped: ScopedTokens, scoped_run: LocalRun
) -> None:
    """GIVEN the scoped run WHEN the pool's discovery document (on the local AWS endpoint, under
    the issuer's path) is read THEN its OAuth endpoints are the local hosted UI's, as Cognito's
    lists its domain's, not the Cognito domain of the TokenEndpoint output."""
    pool_id = scoped_run.outputs.user_pool_id
    document = httpx.get(
        f"{scoped_run.endpoint_url}/{pool_id}/.well-known/openid-configuration"
    ).json()
    auth = scoped_run.auth_url
    assert scoped.token_endpoint == f"{auth}/oauth2/token"
    assert document["authorization_endpoint"] == f"{auth}/oauth2/authorize"
    assert document["userinfo_endpoint"] == f"{auth}/oauth2/userInfo"
    assert document["end_session_endpoint"] == f"{auth}/logout"
    assert document["jwks_uri"].startswith(f"{scoped_run.endpoint_url}/{pool_id}/")


def test_user_access_token_carries_the_scopes_the_trigger_added(scoped: ScopedTokens) -> None:
    """GIVEN an InitiateAuth sign-in WHEN the access token is read THEN the deployed pre token
    trigger (run locally with the V2 event) added profile.read and profile.write."""
    claims = jwt.decode(scoped.access_token, options={"verify_signature": False})
    assert claims["scope"].split() == [
        "aws.cognito.signin.user.admin",
        "profile-api/profile.read",
        "profile-api/profile.write",
    ]
    machine = jwt.decode(scoped.machine_token, options={"verify_signature": False})
    assert machine["scope"] == "profile-api/profiles.read"
    assert machine["sub"] == machine["client_id"] == scoped.machine_client


def test_updated_issuer_runs_end_to_end(scoped: ScopedTokens, scoped_run: LocalRun) -> None:
    """GIVEN the scoped run, deployed with issuerFormat=updated WHEN its tokens, the stacks'
    Issuer and DiscoveryUrl outputs and the pool's discovery document are read THEN all name
    https://issuer-cognito-idp.<region>.amazonaws.com/<poolId> (the routes below then prove
    that the local authorizer, configured from the deployed API, accepts such tokens)."""
    outputs = scoped_run.outputs
    issuer = f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{outputs.user_pool_id}"
    for token in (scoped.id_token, scoped.access_token, scoped.machine_token):
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == issuer
    assert outputs.api[ApiOutput.ISSUER] == issuer
    assert outputs.auth is not None
    assert outputs.auth[AuthOutput.ISSUER] == issuer
    assert outputs.auth[AuthOutput.DISCOVERY_URL] == f"{issuer}/.well-known/openid-configuration"
    document = httpx.get(
        f"{scoped_run.endpoint_url}/{outputs.user_pool_id}/.well-known/openid-configuration"
    ).json()
    assert document["issuer"] == issuer


@pytest.mark.parametrize(
    ("route", "token", "status"),
    [
        ("GET /user/profile", "id", 403),
        ("POST /user/profile", "id", 403),
        ("GET /profiles/{sub}", "id", 403),
        ("GET /user/profile", "access", 200),
        ("POST /user/profile", "access", 201),
        ("GET /profiles/{sub}", "access", 403),
        ("GET /user/profile", "machine", 403),
        ("POST /user/profile", "machine", 403),
        ("GET /profiles/{sub}", "machine", 200),
    ],
)
def test_route_by_token_matrix(
    api: httpx.Client, scoped: ScopedTokens, route: str, token: str, status: int
) -> None:
    """GIVEN scoped routes WHEN each kind of token calls each route THEN only the token with
    the route's scope gets through; the others get 403 {"message":"Forbidden"}."""
    tokens = {"id": scoped.id_token, "access": scoped.access_token, "machine": scoped.machine_token}
    method, path = route.split(" ")
    if path == "/profiles/{sub}":  # make sure the user has a stored profile to read
        api.post("/user/profile", json={"name": "Ada"}, headers=_bearer(scoped.access_token))
    response = api.request(
        method,
        path.replace("{sub}", scoped.sub),
        headers=_bearer(tokens[token]),
        json={"name": "Ada"} if method == "POST" else None,
    )
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json() == {"message": "Forbidden"}


def test_machine_reads_the_users_stored_profile(api: httpx.Client, scoped: ScopedTokens) -> None:
    """GIVEN a user who stored a profile WHEN the machine client reads /profiles/{their sub}
    THEN 200 with that profile; an unknown sub is 404 Not Found, a malformed one 400."""
    stored = api.post(
        "/user/profile",
        json={"name": "Grace", "bio": "Compilers."},
        headers=_bearer(scoped.access_token),
    )
    assert stored.status_code == 201
    machine = _bearer(scoped.machine_token)
    found = api.get(f"/profiles/{scoped.sub}", headers=machine)
    assert found.json()["profile"]["name"] == "Grace"
    missing = api.get(f"/profiles/{uuid.uuid4()}", headers=machine)
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    assert api.get("/profiles/bad%20sub", headers=machine).status_code == 400


@pytest.mark.parametrize(
    ("form", "secret_ok", "error"),
    [
        ({"grant_type": "client_credentials"}, False, "invalid_client"),
        ({"grant_type": "client_credentials", "scope": "profile-api/nope"}, True, "invalid_scope"),
        (
            {"grant_type": "client_credentials", "scope": "profile-api/profile.write"},
            True,
            "invalid_scope",
        ),
        ({"grant_type": "implicit"}, True, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_refuses_with_cognitos_errors(
    scoped: ScopedTokens, scoped_run: LocalRun, form: dict[str, str], secret_ok: bool, error: str
) -> None:
    """GIVEN the deployed machine client WHEN its token request to the pool's grant (on the
    local AWS endpoint) has a wrong secret, an unknown scope, a user scope or a foreign grant
    THEN 400 with Cognito's error code."""
    outputs = scoped_run.outputs
    pool_token_endpoint = f"{scoped_run.endpoint_url}/{outputs.user_pool_id}/oauth2/token"
    cognito = local_client("cognito-idp", scoped_run.endpoint_url)
    secret = cognito.describe_user_pool_client(
        UserPoolId=outputs.user_pool_id, ClientId=scoped.machine_client
    )["UserPoolClient"]["ClientSecret"]
    auth = (scoped.machine_client, secret if secret_ok else secret + "x")
    response = httpx.post(pool_token_endpoint, data=form, auth=auth, timeout=30)
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_make_token_machine_prints_a_client_credentials_token(scoped_run: LocalRun) -> None:
    """GIVEN the scoped run WHEN `python -m local token --machine` runs (make token MACHINE=1)
    THEN it prints a token with the machine scope and a curl line for /profiles/<sub>."""
    result = local_cli(scoped_run.state_dir, "token", "--machine", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "scope: profile-api/profiles.read" in result.stdout
    assert "/profiles/<sub>" in result.stdout


def test_smoke_passes_on_the_scoped_run(scoped_run: LocalRun) -> None:
    """GIVEN scoped routes (as prod has them) WHEN `python -m local smoke` runs THEN it passes:
    it calls the API with the access token, which the trigger gave the user scopes."""
    result = local_cli(scoped_run.state_dir, "smoke", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "PASSED: 7 passed, 0 failed"


def test_machine_token_without_a_machine_client_says_how_to_deploy_one(
    local_run: LocalRun,
) -> None:
    """GIVEN the default run (no machineClient) WHEN `make token MACHINE=1` runs THEN exit 2
    with one line naming the context to deploy, and no traceback."""
    result = local_cli(local_run.state_dir, "token", "--machine", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: this deployment has no machine client: deploy with machineClient=true "
        '(make local CONTEXT="machineClient=true")'
    ]


def test_hosted_ui_token_endpoint_serves_client_credentials_too(
    api: httpx.Client, scoped: ScopedTokens, scoped_run: LocalRun
) -> None:
    """GIVEN the hosted UI's /oauth2/token (the one token endpoint of the domain, as on Cognito)
    WHEN the machine client asks with HTTP Basic THEN a client-credentials token that opens
    /profiles/{sub}; WHEN its secret is wrong THEN 401 invalid_client and no token; WHEN it asks
    for a user scope THEN invalid_scope."""
    outputs = scoped_run.outputs
    cognito = local_client("cognito-idp", scoped_run.endpoint_url)
    secret = cognito.describe_user_pool_client(
        UserPoolId=outputs.user_pool_id, ClientId=scoped.machine_client
    )["UserPoolClient"]["ClientSecret"]
    url = f"{scoped_run.auth_url}/oauth2/token"
    form = {"grant_type": "client_credentials"}
    granted = httpx.post(url, data=form, auth=(scoped.machine_client, secret), timeout=30)
    assert granted.status_code == 200, granted.text
    token = granted.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["client_id"] == (
        scoped.machine_client
    )
    assert api.get(f"/profiles/{uuid.uuid4()}", headers=_bearer(token)).status_code == 404
    wrong = httpx.post(url, data=form, auth=(scoped.machine_client, secret + "x"), timeout=30)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert "access_token" not in wrong.json()
    user_scope = form | {"scope": "profile-api/profile.write"}
    refused = httpx.post(url, data=user_scope, auth=(scoped.machine_client, secret), timeout=30)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_scope")
    discovery = httpx.get(f"{scoped_run.auth_url}/.well-known/openid-configuration").json()
    assert "client_credentials" in discovery["grant_types_supported"]
