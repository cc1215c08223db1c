"""The issuer swap end to end: `local up -c auth=auth0|okta|jwt ...` and `local token`.

One real local run per provider (module-scoped, so one at a time; the three runs share one
xdist group, see tests/conftest.py), from the saved deployed state of that configuration when
there is one (tests/local/runs.py), else the real CDK deploy of ApiStack with that issuer, the
stand-in issuer serving discovery and keys on localhost, the data plane fetching them, and the
token command printing provider-shaped tokens. Variants (wrong audience, wrong issuer form,
expired) are re-signed with the run's own key, so only the checked claim is wrong.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from local.emulator.caller.issuers import LocalIssuer
from local.emulator.caller.token_shapes import Provider
from local.gateway.authorizer.jwt_authorizer import E_AUDIENCE, E_EXPIRED, E_ISSUER, E_SIGNATURE
from local.gateway.discovery import route_scopes
from local.runtime.client import local_client
from stacks.contract import PROFILE_PATH, context_args
from tests.local.conftest import LocalRun, local_cli
from tests.local.runs import SavedStates, context_pairs
from tools.forge import forged_copy
from tools.tls import shared_tls_context

pytestmark = pytest.mark.local


@dataclass(frozen=True)
class ScopeCheck:
    """A user token with `changes` applied must get `status` on the scoped/unscoped route."""

    name: str
    changes: dict[str, Any]
    status: int


@dataclass(frozen=True)
class SwapCase:
    provider: Provider
    context: dict[str, str]
    issuer: str  # what ApiStack must deploy, exactly
    wrong_issuer: str  # the usual mistake for this provider
    route_scopes: tuple[str, ...]
    scope_checks: tuple[ScopeCheck, ...] = field(default=())


# readScopes/writeScopes put the provider's scope names on the routes; the routes' scopes are read
# from the deployed API, so the token command follows whatever the route configuration asks for.
CASES = [
    SwapCase(
        provider=Provider.AUTH0,
        context={
            "auth": "auth0",
            "auth0Domain": "dev-abc123.us.auth0.com",
            "audience": "https://profile-api",
            "readScopes": "read:profile",
            "writeScopes": "write:profile",
        },
        issuer="https://dev-abc123.us.auth0.com/",
        wrong_issuer="https://dev-abc123.us.auth0.com",  # without Auth0's trailing slash
        route_scopes=("read:profile", "write:profile"),
        scope_checks=(
            # AWS reads `scope`/`scp` only: RBAC permissions alone do not open a scoped route.
            ScopeCheck("permissions-only", {"scope": "openid profile email"}, 403),
            ScopeCheck("scope-string", {"scope": "openid read:profile"}, 200),
        ),
    ),
    SwapCase(
        provider=Provider.OKTA,
        context={
            "auth": "okta",
            "oktaDomain": "dev-123456.okta.com",
            "audience": "api://default",
            "readScopes": "profile.read",
            "writeScopes": "profile.write",
        },
        issuer="https://dev-123456.okta.com/oauth2/default",
        wrong_issuer="https://dev-123456.okta.com",  # the org authorization server's issuer
        route_scopes=("profile.read", "profile.write"),
        scope_checks=(
            ScopeCheck("scp-without-route-scope", {"scp": ["openid", "profile"]}, 403),
            ScopeCheck("scp-array", {"scp": ["openid", "profile.read"]}, 200),
        ),
    ),
    SwapCase(
        provider=Provider.OIDC,
        context={
            "auth": "jwt",
            "issuer": "https://idp.example.com/realms/main",
            "audience": "profile-api,profile-cli",
        },
        issuer="https://idp.example.com/realms/main",
        wrong_issuer="https://idp.example.com/realms/main/",  # a stray trailing slash
        route_scopes=(),
        scope_checks=(
            # Routes without scopes accept a token with no scope claim at all.
            ScopeCheck("no-scope-claim", {"scope": None}, 200),
            ScopeCheck("second-audience", {"aud": "profile-cli"}, 200),
        ),
    ),
]


@dataclass
class SwapRun:
    case: SwapCase
    run: LocalRun
    user_token: str
    machine_token: str
    signer: LocalIssuer
    token_output: str

    def get(self, token: str) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        url = f"{self.run.base_url}{PROFILE_PATH}"
        return httpx.get(url, headers=headers, timeout=30, verify=shared_tls_context())

    def variant(self, **changes: Any) -> str:
        """The user token with `changes` (None removes a claim), signed with the run's key."""
        claims = jwt.decode(self.user_token, options={"verify_signature": False})
        claims |= changes
        claims = {name: value for name, value in claims.items() if value is not None}
        header = jwt.get_unverified_header(self.user_token)
        extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
        return jwt.encode(
            claims,
            self.signer.private_key,
            algorithm="RS256",
            headers={**extra, "typ": header.get("typ")},
        )


def _token_command(run: LocalRun) -> str:
    """`make token` for this run: `python -m local token`, as the Makefile calls it."""
    done = local_cli(run.state_dir, "token", timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _printed(output: str, name: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(f"{name}=")]
    assert len(lines) == 1, output
    return lines[0].split("=", 1)[1]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: str(case.provider))
def swap_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    saved_states: SavedStates,
) -> Iterator[SwapRun]:
    case: SwapCase = request.param
    tmp = tmp_path_factory.mktemp(f"swap-{case.provider}")
    run = saved_states.start(context_pairs(context_args(case.context)), tmp)
    try:
        output = _token_command(run)
        assert run.state.issuer is not None, "the run recorded no stand-in issuer"
        yield SwapRun(
            case=case,
            run=run,
            user_token=_printed(output, "USER_TOKEN"),
            machine_token=_printed(output, "MACHINE_TOKEN"),
            signer=LocalIssuer.load(run.state.issuer),
            token_output=output,
        )
    finally:
        exit_code = run.stop()
    assert exit_code == 0, run.log_text()[-2000:]
    assert not (run.state_dir / "issuer-key.pem").exists(), "the run's key outlived it"


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_deployed_issuer_is_the_configured_string_and_keys_are_served_locally(
    swap_run: SwapRun,
) -> None:
    """GIVEN `local up` with this provider WHEN the deployed authorizer is read THEN its issuer
    is the configured string exactly, and the stand-in's discovery document names that same
    string with a local jwks_uri."""
    state = swap_run.run.state
    assert state.issuer is not None
    apigw = local_client("apigatewayv2", state.endpoint_url)
    authorizers = apigw.get_authorizers(ApiId=state.outputs.api_id)["Items"]
    assert [a["JwtConfiguration"]["Issuer"] for a in authorizers] == [swap_run.case.issuer]
    document = httpx.get(state.issuer.discovery_url).json()
    assert document["issuer"] == swap_run.case.issuer
    assert document["jwks_uri"].startswith("http://localhost:")


def test_user_and_machine_tokens_from_the_token_command_open_the_api(swap_run: SwapRun) -> None:
    """GIVEN the tokens `make token` printed WHEN GET /user/profile THEN 200 for both, and the
    function sees the caller's sub and the provider's issuer."""
    for token in (swap_run.user_token, swap_run.machine_token):
        response = swap_run.get(token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["sub"] == claims_of(token)["sub"]
        assert body["claims"]["iss"] == swap_run.case.issuer


def test_tokens_have_the_providers_shape(swap_run: SwapRun) -> None:
    """GIVEN the printed tokens WHEN decoded THEN they look as the provider issues them."""
    user, machine = claims_of(swap_run.user_token), claims_of(swap_run.machine_token)
    header = jwt.get_unverified_header(swap_run.user_token)
    audience = swap_run.case.context["audience"].split(",")[0]
    assert user["iss"] == machine["iss"] == swap_run.case.issuer
    if swap_run.case.provider is Provider.AUTH0:
        assert header["typ"] == "JWT"
        assert user["aud"] == [audience, f"{swap_run.case.issuer}userinfo"]
        assert user["sub"].startswith("auth0|")
        assert isinstance(user["scope"], str)
        assert isinstance(user["permissions"], list)
        assert user["azp"] == machine["azp"]
        assert machine["gty"] == "client-credentials"
        assert machine["sub"] == f"{machine['azp']}@clients"
    elif swap_run.case.provider is Provider.OKTA:
        assert "typ" not in header
        assert user["aud"] == machine["aud"] == audience
        assert isinstance(user["scp"], list)
        assert "scope" not in user
        assert user["uid"].startswith("00u")
        assert user["cid"] == machine["cid"]
        assert "uid" not in machine
        assert machine["sub"] == machine["cid"]
    else:
        assert header["typ"] == "at+jwt"
        assert user["aud"] == machine["aud"] == audience
        assert {"sub", "client_id", "jti", "iat", "exp"} <= set(user)
        assert machine["sub"] == machine["client_id"]


def test_tokens_carry_the_scopes_the_routes_ask_for(swap_run: SwapRun) -> None:
    """GIVEN the deployed routes' AuthorizationScopes WHEN `make token` runs THEN both tokens
    carry every one of them in the provider's scope claim."""
    state = swap_run.run.state
    apigw = local_client("apigatewayv2", state.endpoint_url)
    assert route_scopes(apigw, state.outputs.api_id) == swap_run.case.route_scopes
    for token in (swap_run.user_token, swap_run.machine_token):
        claims = claims_of(token)
        granted = claims.get("scp") or claims.get("scope", "").split()
        assert set(swap_run.case.route_scopes) <= set(granted)


def test_bad_tokens_get_401_with_awss_description(swap_run: SwapRun) -> None:
    """GIVEN the user token with one thing wrong WHEN GET THEN 401 {"message":"Unauthorized"}
    and the www-authenticate description naming that check (an Auth0 iss without its trailing
    slash, an Okta org-server iss, a stray slash on an OIDC iss: all 'valid issuer')."""
    now = int(time.time())
    variants = {
        "wrong audience": swap_run.variant(aud="https://other-api.example.com"),
        "wrong issuer form": swap_run.variant(iss=swap_run.case.wrong_issuer),
        "foreign key": forged_copy(swap_run.user_token),
        "expired": swap_run.variant(iat=now - 7200, exp=now - 60),
    }
    expected = {
        "wrong audience": E_AUDIENCE,
        "wrong issuer form": E_ISSUER,
        "foreign key": E_SIGNATURE,
        "expired": E_EXPIRED,
    }
    answers = {}
    for name, token in variants.items():
        response = swap_run.get(token)
        answers[name] = (
            response.status_code,
            response.content,
            response.headers.get("www-authenticate"),
        )
    assert answers == {
        name: (
            401,
            b'{"message":"Unauthorized"}',
            f'Bearer scope="" error="invalid_token" error_description="{description}"',
        )
        for name, description in expected.items()
    }


def test_route_scopes_decide_403_or_200(swap_run: SwapRun) -> None:
    """GIVEN the deployed route scopes WHEN a token's scope claims change THEN 403 {"message":
    "Forbidden"} unless `scope` or `scp` names one of them (permissions never count)."""
    answers = {}
    for check in swap_run.case.scope_checks:
        response = swap_run.get(swap_run.variant(**check.changes))
        answers[check.name] = response.status_code
        if check.status == 403:
            assert response.content == b'{"message":"Forbidden"}'
    assert answers == {check.name: check.status for check in swap_run.case.scope_checks}


def test_token_output_says_where_the_tokens_come_from(swap_run: SwapRun) -> None:
    """GIVEN `make token` WHEN it prints THEN it names the issuer, the audience and the scopes,
    and prints a curl line to try."""
    output = swap_run.token_output
    assert swap_run.case.issuer in output
    assert f'curl -i -H "Authorization: Bearer {swap_run.user_token}"' in output
    for scope in swap_run.case.route_scopes:
        assert scope in output.splitlines()[0]
