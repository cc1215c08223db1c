"""The pool's own OAuth endpoints over HTTP against a real emulator: the hosted UI's authorize
decisions (`/_local/oauth/authorize`, through local.hosted_ui.pool_oauth), the token endpoint's
user grants, revoke and userInfo. Tokens are signed once, by the pool: they verify with the
pool's JWKS and the hosted UI's client holds no key."""

from __future__ import annotations

import ast
import base64
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from local.hosted_ui import pool_oauth
from local.hosted_ui.pool_oauth import PoolOAuth
from tests.local.emulator.conftest import AwsClient
from tests.local.hosted_ui.oauth import create_user

PASSWORD = "Passw0rd!Passw0rd"
CALLBACK = "https://app.example.com/cb"


@dataclass(frozen=True)
class OAuthPool:
    id: str
    client_id: str
    endpoint_url: str
    oauth: PoolOAuth

    def url(self, endpoint: str) -> str:
        return f"{self.endpoint_url}/{self.id}/oauth2/{endpoint}"


@pytest.fixture(scope="module")
def pool(aws: AwsClient, emulator: EmulatorProcess) -> OAuthPool:
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="oauth", UsernameAttributes=["email"])["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        AllowedOAuthFlows=["code", "implicit"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=[CALLBACK],
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    for email in ("ana@example.com", "bo@example.com", "cy@example.com"):
        create_user(idp, pool_id, email, PASSWORD)
    oauth = PoolOAuth(emulator.endpoint_url, pool_id)
    return OAuthPool(pool_id, client["ClientId"], emulator.endpoint_url, oauth)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _query(pool: OAuthPool, **extra: str) -> dict[str, str]:
    return {
        "client_id": pool.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email",
        "state": "s1",
    } | extra


def _verify(pool: OAuthPool, token: str) -> dict[str, Any]:
    jwks = jwt.PyJWKClient(f"{pool.endpoint_url}/{pool.id}/.well-known/jwks.json")
    key = jwks.get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], options={"verify_aud": False}
    )
    return claims


def _code_tokens(pool: OAuthPool, email: str) -> tuple[dict[str, Any], str]:
    verifier, challenge = _pkce()
    query = _query(pool, code_challenge=challenge, code_challenge_method="S256", nonce="n-1")
    decided = pool.oauth.sign_in(query, email, PASSWORD)
    assert decided.kind == "redirect", decided
    code = parse_qs(urlparse(decided.location).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "client_id": pool.client_id,
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    answer = httpx.post(pool.url("token"), data=form)
    assert answer.status_code == 200, answer.text
    assert decided.session is not None
    return answer.json(), decided.session


def test_a_code_sign_in_gives_tokens_the_pool_signed_once(pool: OAuthPool) -> None:
    """GIVEN a user signing in for a code authorize request with PKCE and a nonce WHEN the
    code is redeemed at the pool's token endpoint THEN ID, access and refresh tokens whose
    signatures verify with the pool's JWKS, the granted scopes, the nonce and at_hash; and
    no hosted UI module imports a JWT or key library (the pool alone signs)."""
    body, _ = _code_tokens(pool, "ana@example.com")
    access, identity = _verify(pool, body["access_token"]), _verify(pool, body["id_token"])
    assert access["scope"] == "openid email"
    assert identity["nonce"] == "n-1"
    assert identity["at_hash"]
    assert identity["email_verified"] is True
    assert identity["auth_time"] == access["auth_time"]
    assert set(body) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    signing = ("jwt", "joserfc", "cryptography", "tools.jwt_signing", "local.emulator.caller.keys")
    for module in Path(pool_oauth.__file__).parent.glob("*.py"):
        imported = _imports(module)
        assert not [name for name in imported if name.startswith(signing)], module


def _imports(path: Path) -> set[str]:
    """The modules a source file imports (hosted UI modules must sign nothing)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_refresh_keeps_scope_and_auth_time_and_revoke_ends_it(pool: OAuthPool) -> None:
    """GIVEN OAuth tokens WHEN refreshed THEN the same scopes and auth_time; WHEN the refresh
    token is revoked THEN 200 and the next refresh is invalid_grant with the pool's message."""
    body, _ = _code_tokens(pool, "bo@example.com")
    auth_time = _verify(pool, body["access_token"])["auth_time"]
    form = {"grant_type": "refresh_token", "client_id": pool.client_id}
    form["refresh_token"] = body["refresh_token"]
    refreshed = httpx.post(pool.url("token"), data=form)
    assert refreshed.status_code == 200, refreshed.text
    claims = _verify(pool, refreshed.json()["access_token"])
    assert (claims["scope"], claims["auth_time"]) == ("openid email", auth_time)
    revoke = {"token": body["refresh_token"], "client_id": pool.client_id}
    assert httpx.post(pool.url("revoke"), data=revoke).status_code == 200
    refused = httpx.post(pool.url("token"), data=form)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Refresh Token has been revoked",
    }


def test_user_info_answers_the_users_attributes(pool: OAuthPool) -> None:
    """GIVEN an OAuth access token with openid WHEN userInfo is asked THEN the attributes."""
    body, _ = _code_tokens(pool, "cy@example.com")
    answer = httpx.get(
        pool.url("userInfo"), headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == "cy@example.com"


def test_a_signed_in_session_resumes_without_the_form_until_ended(pool: OAuthPool) -> None:
    """GIVEN a signed-in session handle WHEN authorizing again THEN a redirect with a code (no
    form); WHEN the session is ended THEN "gone"."""
    _, session = _code_tokens(pool, "ana@example.com")
    again = pool.oauth.resume(_query(pool), session)
    assert again.kind == "redirect"
    assert "code=" in again.location
    pool.oauth.end(session)
    assert pool.oauth.resume(_query(pool), session).kind == "gone"


def test_implicit_tokens_come_in_the_fragment(pool: OAuthPool) -> None:
    """GIVEN an implicit authorize request WHEN the user signs in THEN the tokens and state
    come in the redirect's fragment."""
    decided = pool.oauth.sign_in(_query(pool, response_type="token"), "bo@example.com", PASSWORD)
    fragment = parse_qs(urlparse(decided.location).fragment)
    assert fragment["state"] == ["s1"]
    assert fragment["token_type"] == ["Bearer"]
    assert _verify(pool, fragment["access_token"][0])["scope"] == "openid email"


@pytest.mark.parametrize(
    ("query", "kind", "error"),
    [
        ({"client_id": "nope"}, "page_error", ""),
        ({"redirect_uri": "https://evil.example.com/"}, "page_error", ""),
        ({"response_type": "id_token"}, "error_redirect", "unsupported_response_type"),
        ({"scope": "openid admin"}, "error_redirect", "invalid_scope"),
        (
            {"code_challenge": "short", "code_challenge_method": "S256"},
            "error_redirect",
            "invalid_request",
        ),
        ({"nonce": "bad nonce"}, "error_redirect", "invalid_request"),
    ],
)
def test_a_bad_authorize_request_is_an_error_page_or_an_error_redirect(
    pool: OAuthPool, query: dict[str, str], kind: str, error: str
) -> None:
    """GIVEN an authorize request with one thing wrong WHEN checked THEN an error page before
    the redirect_uri is trusted, an error redirect after."""
    decided = pool.oauth.check(_query(pool, **query))
    assert decided.kind == kind
    if error:
        assert parse_qs(urlparse(decided.location).query)["error"] == [error]


def test_a_wrong_password_is_the_login_pages_error(pool: OAuthPool) -> None:
    """GIVEN a wrong password WHEN signing in THEN the login page's message, no redirect."""
    decided = pool.oauth.sign_in(_query(pool), "ana@example.com", "wrong-Passw0rd")
    assert (decided.kind, decided.message) == ("login_error", "Incorrect username or password.")


@pytest.mark.parametrize(
    ("endpoint", "method", "headers", "body"),
    [
        ("token", "POST", {"content-type": "application/json"}, b"{}"),
        (
            "token",
            "POST",
            {"content-type": "application/x-www-form-urlencoded"},
            b"grant_type=refresh_token",
        ),
        (
            "token",
            "POST",
            {"content-type": "application/x-www-form-urlencoded"},
            b"grant_type=authorization_code&client_id=x",
        ),
        (
            "token",
            "POST",
            {"content-type": "application/x-www-form-urlencoded", "authorization": "Basic %%%"},
            b"grant_type=refresh_token",
        ),
        (
            "token",
            "POST",
            {"content-type": "application/x-www-form-urlencoded"},
            b"grant_type=refresh_token&a=1&a=2",
        ),
        (
            "token",
            "POST",
            {"content-type": "application/x-www-form-urlencoded"},
            b"grant_type=refresh_token&x=\xff",
        ),
        ("revoke", "POST", {"content-type": "application/x-www-form-urlencoded"}, b"token=abc"),
        ("revoke", "GET", {}, b""),
        ("userInfo", "GET", {"authorization": "Bearer a.b.c"}, b""),
        ("userInfo", "GET", {"authorization": "Bearer " + "[" * 2000}, b""),
        ("userInfo", "PUT", {}, b""),
    ],
)
def test_bad_requests_to_the_pools_endpoints_are_4xx_never_5xx(
    pool: OAuthPool, endpoint: str, method: str, headers: dict[str, str], body: bytes
) -> None:
    """GIVEN a malformed request WHEN sent to the pool's token, revoke or userInfo endpoint
    THEN a JSON 4xx and no token."""
    answer = httpx.request(method, pool.url(endpoint), headers=headers, content=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert "error" in answer.json()
    assert "access_token" not in answer.text


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b"not json", b'{"userPoolId": "us-east-1_nope"}', b'{"action": "fly"}'],
)
def test_bad_authorize_decision_requests_are_4xx(pool: OAuthPool, body: bytes) -> None:
    """GIVEN a malformed body WHEN posted (signed) to /_local/oauth/authorize THEN a 4xx."""
    from local.runtime.client import local_http

    if body == b'{"action": "fly"}':
        body = b'{"action": "fly", "userPoolId": "%s"}' % pool.id.encode()
    with local_http(pool.endpoint_url) as http:
        answer = http.post("/_local/oauth/authorize", content=body)
    assert 400 <= answer.status_code < 500, answer.text


@pytest.mark.parametrize("query", [None, [], {"client_id": 3}, {"scope": "x" * 3000}])
def test_bad_queries_are_error_pages(pool: OAuthPool, query: Any) -> None:
    """GIVEN a query that is not an object of short texts WHEN checked THEN an error page."""
    assert pool.oauth._ask("check", query=query).kind == "page_error"


def test_an_oauth_token_without_the_admin_scope_cannot_manage_passkeys(
    pool: OAuthPool, aws: AwsClient
) -> None:
    """GIVEN an access token from the code grant with scopes `openid email` (no
    aws.cognito.signin.user.admin) WHEN it asks StartWebAuthnRegistration or
    ListWebAuthnCredentials THEN NotAuthorizedException, as Cognito answers."""
    tokens, _ = _code_tokens(pool, "cy@example.com")
    idp = aws("cognito-idp")
    for call in (idp.start_web_authn_registration, idp.list_web_authn_credentials):
        with pytest.raises(ClientError) as raised:
            call(AccessToken=tokens["access_token"])
        assert raised.value.response["Error"] == {
            "Code": "NotAuthorizedException",
            "Message": "Access Token does not have required scopes",
        }
