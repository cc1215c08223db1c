"""`POST /oauth2/revoke` (RFC 7009) as Cognito's revoke endpoint answers, and
`revocation_endpoint` in both discovery documents. The revocation is the pool's RevokeToken:
afterwards the token endpoint's refresh grant (the pool's refresh API) refuses the token."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.local.conftest import LocalRun
from tests.local.hosted_ui.conftest import UiUnderTest
from tests.local.hosted_ui.oauth import Pkce


def _basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {encoded}"}


def _tokens(hosted_ui: UiUnderTest, client_id: str | None = None, **form: str) -> dict[str, Any]:
    agent, pkce = hosted_ui.agent(client_id), Pkce.new()
    answer = agent.redeem(agent.code(pkce, scope="openid email"), pkce, **form)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _refused(answer: httpx.Response, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error
    assert answer.headers["cache-control"] == "no-store"


def test_both_discovery_documents_list_the_revocation_endpoint(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN the hosted UI's discovery and the pool's own (the issuer's path on the local AWS
    endpoint) WHEN read THEN both list revocation_endpoint: the hosted UI's /oauth2/revoke."""
    ours = httpx.get(f"{hosted_ui.base_url}/.well-known/openid-configuration").json()
    assert ours["revocation_endpoint"] == f"{hosted_ui.base_url}/oauth2/revoke"
    pool_id = local_run.outputs.user_pool_id
    pools = httpx.get(f"{local_run.endpoint_url}/{pool_id}/.well-known/openid-configuration")
    assert pools.json()["revocation_endpoint"] == f"{local_run.auth_url}/oauth2/revoke"
    served = httpx.post(pools.json()["revocation_endpoint"], data={"client_id": "x"})
    assert served.status_code != 404  # the listed endpoint exists on the run's hosted UI


def test_revoke_refuses_a_missing_token_and_access_or_id_tokens(hosted_ui: UiUnderTest) -> None:
    """GIVEN a public client WHEN revoke has no token THEN 400 invalid_request; WHEN the token
    is an access or ID token THEN 400 unsupported_token_type (Cognito revokes refresh tokens,
    and with them their access tokens)."""
    tokens = _tokens(hosted_ui)
    http = hosted_ui.agent().http
    _refused(
        http.post("/oauth2/revoke", data={"client_id": hosted_ui.client_id}), 400, "invalid_request"
    )
    for kind in ("access_token", "id_token"):
        form = {"client_id": hosted_ui.client_id, "token": tokens[kind]}
        _refused(http.post("/oauth2/revoke", data=form), 400, "unsupported_token_type")


def test_revoke_authenticates_the_client_as_cognito_does(hosted_ui: UiUnderTest) -> None:
    """GIVEN no client, an unknown one, a secret client without or with a wrong secret WHEN
    revoke is asked THEN 401 invalid_client (with Basic: a WWW-Authenticate challenge)."""
    http = hosted_ui.agent().http
    secret_id = hosted_ui.secret_client["ClientId"]
    for form, headers in (
        ({"token": "x"}, {}),
        ({"token": "x", "client_id": "unknown"}, {}),
        ({"token": "x", "client_id": secret_id}, {}),
        ({"token": "x"}, _basic(secret_id, "wrong-secret")),
    ):
        answer = http.post("/oauth2/revoke", data=form, headers=headers)
        _refused(answer, 401, "invalid_client")
        if headers:
            assert answer.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "token", ["not a token!", "x" * 2000 + "!", "\u00e9"], ids=["space", "long", "non-ascii"]
)
def test_revoke_answers_200_for_what_cannot_be_a_refresh_token(
    hosted_ui: UiUnderTest, token: str
) -> None:
    """GIVEN a token no pool could have issued WHEN revoked THEN 200 with an empty body (RFC
    7009 2.2, Cognito: 'HTTP 200 if ... the client submitted an invalid token')."""
    form = {"client_id": hosted_ui.client_id, "token": token}
    answer = hosted_ui.agent().http.post("/oauth2/revoke", data=form)
    assert answer.status_code == 200, answer.text
    assert answer.content == b""


def test_revoke_on_a_client_without_token_revocation_is_invalid_request(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN an app client with EnableTokenRevocation off WHEN revoke is asked THEN 400
    invalid_request (Cognito: 'the feature is disabled for the app client')."""
    cognito, pool_id = hosted_ui.ui.pool.cognito, hosted_ui.ui.pool.pool_id
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="tests-no-revocation",
        EnableTokenRevocation=False,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[hosted_ui.redirect_uri],
    )["UserPoolClient"]
    try:
        form = {"client_id": client["ClientId"], "token": "some-refresh-token"}
        answer = hosted_ui.agent().http.post("/oauth2/revoke", data=form)
        _refused(answer, 400, "invalid_request")
    finally:
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])


def test_revoke_takes_only_a_form_body(hosted_ui: UiUnderTest) -> None:
    """GIVEN a JSON body WHEN posted to revoke THEN 400 invalid_request, nothing revoked."""
    answer = hosted_ui.agent().http.post(
        "/oauth2/revoke", json={"client_id": hosted_ui.client_id, "token": "x"}
    )
    _refused(answer, 400, "invalid_request")


def test_a_revoked_refresh_token_no_longer_refreshes(
    hosted_ui: UiUnderTest, local_run: LocalRun
) -> None:
    """GIVEN tokens from the code flow WHEN the refresh token is revoked THEN 200 with an empty
    body; the refresh grant then answers invalid_grant with the pool's 'Refresh Token has been
    revoked'; revoking it again is 200 (RFC 7009: already revoked is no error). The access
    token still opens the API until it expires: the JWT authorizer verifies offline, as on AWS
    (README says so)."""
    tokens = _tokens(hosted_ui)
    http = hosted_ui.agent().http
    form = {"client_id": hosted_ui.client_id, "token": tokens["refresh_token"]}
    revoked = http.post("/oauth2/revoke", data=form)
    assert revoked.status_code == 200, revoked.text
    assert revoked.content == b""
    refresh = {
        "grant_type": "refresh_token",
        "client_id": hosted_ui.client_id,
        "refresh_token": tokens["refresh_token"],
    }
    answer = http.post("/oauth2/token", data=refresh)
    _refused(answer, 400, "invalid_grant")
    assert answer.json()["error_description"] == "Refresh Token has been revoked"
    assert http.post("/oauth2/revoke", data=form).status_code == 200
    api = httpx.get(
        f"{local_run.base_url}/user/profile",
        headers={"authorization": f"Bearer {tokens['access_token']}"},
    )
    assert api.status_code == 200, api.text


def test_a_confidential_client_revokes_with_basic_auth(hosted_ui: UiUnderTest) -> None:
    """GIVEN a client with a secret and its tokens WHEN it revokes with HTTP Basic (Cognito's
    way for such clients) THEN 200, and its refresh grant then answers invalid_grant."""
    client = hosted_ui.secret_client
    secret = _basic(client["ClientId"], client["ClientSecret"])
    agent, pkce = hosted_ui.agent(client["ClientId"]), Pkce.new()
    code = agent.code(pkce, scope="openid email")
    body = agent.http.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": hosted_ui.redirect_uri,
            "code_verifier": pkce.verifier,
        },
        headers=secret,
    ).json()
    revoked = agent.http.post(
        "/oauth2/revoke", data={"token": body["refresh_token"]}, headers=secret
    )
    assert revoked.status_code == 200, revoked.text
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    _refused(agent.http.post("/oauth2/token", data=refresh, headers=secret), 400, "invalid_grant")


def test_with_rotation_each_refresh_answers_a_new_refresh_token_and_retires_the_old(
    hosted_ui: UiUnderTest,
) -> None:
    """GIVEN an app client with refresh-token rotation (no grace period) WHEN the hosted UI's
    refresh grant runs THEN it goes through GetTokensFromRefreshToken: the answer has a new
    refresh token, the old one is then refused (invalid_grant) and the new one refreshes."""
    cognito, pool_id = hosted_ui.ui.pool.cognito, hosted_ui.ui.pool.pool_id
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="tests-rotation",
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[hosted_ui.redirect_uri],
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )["UserPoolClient"]
    try:
        client_id = client["ClientId"]
        first = _tokens(hosted_ui, client_id)
        http = hosted_ui.agent(client_id).http

        def refresh(token: str) -> httpx.Response:
            form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": token}
            return http.post("/oauth2/token", data=form)

        rotated = refresh(first["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        new_token = rotated.json()["refresh_token"]
        assert new_token != first["refresh_token"]
        _refused(refresh(first["refresh_token"]), 400, "invalid_grant")
        assert refresh(new_token).status_code == 200
    finally:
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
