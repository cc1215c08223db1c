"""issuerFormat=updated offline: the pool's tokens, its discovery document and the local JWT
authorizer all use https://issuer-cognito-idp.<region>.amazonaws.com/<poolId>, and the
authorizer matches it exactly, as API Gateway does."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.emulator.caller import EmulatorProcess
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.discovery import JwtAuthorizerSpec
from local.hosted_ui.pool import Pool
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool
from tests.local.emulator.conftest import AwsClient

REGION = "us-east-1"
UPDATED = {"Type": "UPDATED"}


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def updated_issuer(pool_id: str) -> str:
    return f"https://issuer-cognito-idp.{REGION}.amazonaws.com/{pool_id}"


def _pool_settings(issuer_configuration: dict[str, str] | None) -> dict[str, Any]:
    """What CreateUserPool and UpdateUserPool both take (UpdateUserPool resets the rest)."""
    settings: dict[str, Any] = {
        "AutoVerifiedAttributes": ["email"],
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
    }
    if issuer_configuration is not None:
        settings["IssuerConfiguration"] = issuer_configuration
    return settings


@pytest.fixture(scope="module")
def updated_pool(emulator: EmulatorProcess, aws: AwsClient) -> LocalPool:
    cognito = aws("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="updated-issuer", **_pool_settings(UPDATED))[
        "UserPool"
    ]["Id"]
    made = LocalPool(emulator.endpoint_url, cognito, pool_id, "")
    made.client_id = made.new_client()
    return made


def _signed_in(pool: LocalPool, email: str) -> dict[str, str]:
    """USER_PASSWORD_AUTH's AuthenticationResult for the user."""
    credentials = {"USERNAME": email, "PASSWORD": PASSWORD}
    flow = "USER_PASSWORD_AUTH"
    answer = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow=flow, AuthParameters=credentials
    )
    result: dict[str, str] = answer["AuthenticationResult"]
    return result


def _id_token(pool: LocalPool, email: str) -> str:
    return _signed_in(pool, email)["IdToken"]


@pytest.fixture(scope="module")
def authorizer(updated_pool: LocalPool) -> Iterator[JwtAuthorizer]:
    """The local authorizer as the data plane builds it for an API whose JWT authorizer
    names the updated issuer (discovery.py maps it to the emulator's endpoint)."""
    spec = JwtAuthorizerSpec(
        authorizer_id="a1",
        name="updated",
        issuer=updated_issuer(updated_pool.pool_id),
        audiences=(updated_pool.client_id,),
        identity_source="$request.header.Authorization",
    )
    discovery_url = spec.local_discovery_url(updated_pool.endpoint_url)
    assert discovery_url == (
        f"{updated_pool.endpoint_url}/{updated_pool.pool_id}/.well-known/openid-configuration"
    )
    config = AuthorizerConfig(
        issuer=spec.issuer, audiences=spec.audiences, discovery_url=discovery_url
    )
    keys = JwksCache.for_config(config)
    try:
        yield JwtAuthorizer(config, keys)
    finally:
        keys.close()


def test_updated_pool_signs_tokens_with_the_updated_issuer(updated_pool: LocalPool) -> None:
    """GIVEN a pool with IssuerConfiguration UPDATED WHEN a user signs in
    THEN the ID and access tokens carry iss = https://issuer-cognito-idp.<region>..."""
    answer = _signed_in(updated_pool, updated_pool.confirmed_user())
    for token in (answer["IdToken"], answer["AccessToken"]):
        assert _claims(token)["iss"] == updated_issuer(updated_pool.pool_id)


def test_discovery_names_the_updated_issuer_and_serves_its_keys(updated_pool: LocalPool) -> None:
    """GIVEN the updated pool WHEN its discovery document is read at /<poolId>/.well-known/
    openid-configuration THEN `issuer` is the updated URL and jwks_uri serves the pool's key."""
    url = f"{updated_pool.endpoint_url}/{updated_pool.pool_id}/.well-known/openid-configuration"
    document = httpx.get(url, timeout=10).json()
    assert document["issuer"] == updated_issuer(updated_pool.pool_id)
    keys = httpx.get(document["jwks_uri"], timeout=10).json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]


def test_local_authorizer_accepts_the_updated_pools_tokens(
    updated_pool: LocalPool, authorizer: JwtAuthorizer
) -> None:
    """GIVEN the local authorizer configured with the updated issuer WHEN the pool's ID token
    arrives THEN it passes and the event's claims name the updated issuer."""
    token = _id_token(updated_pool, updated_pool.confirmed_user())
    decision = authorizer.authorize({"authorization": f"Bearer {token}"})
    assert decision.allowed, decision.reason
    assert decision.claims["iss"] == updated_issuer(updated_pool.pool_id)


def test_local_authorizer_refuses_the_same_pools_original_format_tokens(
    updated_pool: LocalPool, authorizer: JwtAuthorizer
) -> None:
    """GIVEN the authorizer that names the updated issuer WHEN the pool is switched back to
    the original format and a user's new token (iss https://cognito-idp...) arrives
    THEN 401 with the invalid-issuer description: the issuer is compared exactly."""
    email = updated_pool.confirmed_user()
    cognito = updated_pool.cognito
    cognito.update_user_pool(UserPoolId=updated_pool.pool_id, **_pool_settings(None))
    try:
        token = _id_token(updated_pool, email)
    finally:
        cognito.update_user_pool(UserPoolId=updated_pool.pool_id, **_pool_settings(UPDATED))
    assert _claims(token)["iss"] == (
        f"https://cognito-idp.{REGION}.amazonaws.com/{updated_pool.pool_id}"
    )
    decision = authorizer.authorize({"authorization": f"Bearer {token}"})
    assert not decision.allowed
    assert decision.status_code == 401
    assert "valid issuer" in decision.headers["www-authenticate"]


def test_hosted_ui_names_the_pools_issuer_format(updated_pool: LocalPool, aws: AwsClient) -> None:
    """GIVEN the updated pool and a pool without IssuerConfiguration WHEN the hosted UI reads
    them through DescribeUserPool THEN its discovery issuer follows each pool's format."""
    cognito = aws("cognito-idp")
    original_id = cognito.create_user_pool(PoolName="original-issuer")["UserPool"]["Id"]
    assert Pool(cognito, updated_pool.pool_id).issuer == updated_issuer(updated_pool.pool_id)
    assert Pool(cognito, original_id).issuer == (
        f"https://cognito-idp.{REGION}.amazonaws.com/{original_id}"
    )
