"""Refresh and revocation as Cognito answers them: GetTokensFromRefreshToken and
REFRESH_TOKEN_AUTH, rotation with its grace period, RevokeToken, GlobalSignOut."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt

from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool

REVOKED = ("NotAuthorizedException", "Refresh Token has been revoked")


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _sign_in(pool: LocalPool, email: str, client_id: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=client_id or pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return result


def _claims(pool: LocalPool, token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, pool.keys()).claims)


def test_refresh_keeps_the_sign_ins_auth_time_and_origin(pool: LocalPool) -> None:
    """GIVEN a sign-in WHEN its refresh token is used a second later (both APIs) THEN new
    tokens whose auth_time and origin_jti are the sign-in's, and no new refresh token."""
    email = pool.confirmed_user()
    signed_in = _sign_in(pool, email)
    time.sleep(1.1)
    by_initiate = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"]},
    )["AuthenticationResult"]
    by_get = pool.cognito.get_tokens_from_refresh_token(
        ClientId=pool.client_id, RefreshToken=signed_in["RefreshToken"]
    )["AuthenticationResult"]
    original = _claims(pool, signed_in["AccessToken"])
    for result in (by_initiate, by_get):
        assert "RefreshToken" not in result
        for token in (result["AccessToken"], result["IdToken"]):
            claims = _claims(pool, token)
            assert claims["auth_time"] == original["auth_time"]
            assert claims["origin_jti"] == original["origin_jti"]
            assert claims["iat"] > original["auth_time"]


def test_a_refresh_token_of_another_client_or_made_up_is_refused(pool: LocalPool) -> None:
    """GIVEN a refresh token of client A WHEN client B uses it, or a made-up token is used
    THEN NotAuthorizedException "Invalid Refresh Token"."""
    email = pool.confirmed_user()
    token = _sign_in(pool, email)["RefreshToken"]
    other = pool.new_client()
    for client_id, refresh_token in ((other, token), (pool.client_id, "not-a-token")):
        with pytest.raises(ClientError) as raised:
            pool.cognito.get_tokens_from_refresh_token(
                ClientId=client_id, RefreshToken=refresh_token
            )
        assert _error(raised.value) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_revoke_token_revokes_the_refresh_token_and_its_access_tokens(pool: LocalPool) -> None:
    """GIVEN a sign-in WHEN RevokeToken revokes its refresh token THEN both refresh APIs answer
    "Refresh Token has been revoked" and GetUser "Access Token has been revoked"; another
    sign-in of the same user is untouched."""
    email = pool.confirmed_user()
    revoked, kept = _sign_in(pool, email), _sign_in(pool, email)
    pool.cognito.revoke_token(Token=revoked["RefreshToken"], ClientId=pool.client_id)
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_tokens_from_refresh_token(
            ClientId=pool.client_id, RefreshToken=revoked["RefreshToken"]
        )
    assert _error(raised.value) == REVOKED
    with pytest.raises(ClientError) as raised:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": revoked["RefreshToken"]},
        )
    assert _error(raised.value) == REVOKED
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_user(AccessToken=revoked["AccessToken"])
    assert _error(raised.value) == ("NotAuthorizedException", "Access Token has been revoked")
    assert pool.cognito.get_user(AccessToken=kept["AccessToken"])["Username"]


def test_revoke_token_refuses_access_tokens_and_other_clients(pool: LocalPool) -> None:
    """GIVEN RevokeToken WHEN given an access token, or another client's refresh token THEN
    UnsupportedTokenTypeException / UnauthorizedException and nothing is revoked."""
    email = pool.confirmed_user()
    signed_in = _sign_in(pool, email)
    with pytest.raises(ClientError) as raised:
        pool.cognito.revoke_token(Token=signed_in["AccessToken"], ClientId=pool.client_id)
    assert _error(raised.value)[0] == "UnsupportedTokenTypeException"
    with pytest.raises(ClientError) as raised:
        pool.cognito.revoke_token(Token=signed_in["RefreshToken"], ClientId=pool.new_client())
    assert _error(raised.value)[0] == "UnauthorizedException"
    assert pool.cognito.get_tokens_from_refresh_token(
        ClientId=pool.client_id, RefreshToken=signed_in["RefreshToken"]
    )["AuthenticationResult"]["AccessToken"]


def _secret_hash(secret: str, client_id: str, username: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_a_client_with_a_secret_must_send_it_to_revoke(pool: LocalPool) -> None:
    """GIVEN a client with a secret WHEN RevokeToken comes without it, then with it THEN
    NotAuthorizedException, then the token is revoked."""
    client_id = pool.new_client(GenerateSecret=True)
    secret = pool.cognito.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]["ClientSecret"]
    email = pool.confirmed_user()
    token = pool.cognito.admin_initiate_auth(
        UserPoolId=pool.pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": email,
            "PASSWORD": PASSWORD,
            "SECRET_HASH": _secret_hash(secret, client_id, email),
        },
    )["AuthenticationResult"]["RefreshToken"]
    with pytest.raises(ClientError) as raised:
        pool.cognito.revoke_token(Token=token, ClientId=client_id)
    assert _error(raised.value)[0] == "NotAuthorizedException"
    pool.cognito.revoke_token(Token=token, ClientId=client_id, ClientSecret=secret)
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_tokens_from_refresh_token(
            ClientId=client_id, RefreshToken=token, ClientSecret=secret
        )
    assert _error(raised.value) == REVOKED


def test_global_sign_out_revokes_every_sign_in(pool: LocalPool) -> None:
    """GIVEN two sign-ins of a user WHEN GlobalSignOut with one access token THEN both refresh
    tokens are revoked and GetUser answers "Access Token has been revoked"."""
    email = pool.confirmed_user()
    first, second = _sign_in(pool, email), _sign_in(pool, email)
    pool.cognito.global_sign_out(AccessToken=first["AccessToken"])
    for signed_in in (first, second):
        with pytest.raises(ClientError) as raised:
            pool.cognito.get_tokens_from_refresh_token(
                ClientId=pool.client_id, RefreshToken=signed_in["RefreshToken"]
            )
        assert _error(raised.value) == REVOKED
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_user(AccessToken=second["AccessToken"])
    assert _error(raised.value) == ("NotAuthorizedException", "Access Token has been revoked")


def test_admin_global_sign_out_revokes_too(pool: LocalPool) -> None:
    """GIVEN a sign-in WHEN AdminUserGlobalSignOut THEN its refresh token is revoked."""
    email = pool.confirmed_user()
    signed_in = _sign_in(pool, email)
    pool.cognito.admin_user_global_sign_out(UserPoolId=pool.pool_id, Username=email)
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_tokens_from_refresh_token(
            ClientId=pool.client_id, RefreshToken=signed_in["RefreshToken"]
        )
    assert _error(raised.value) == REVOKED


@pytest.fixture(scope="module")
def rotating_client(pool: LocalPool) -> str:
    return pool.new_client(
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 2}
    )


def test_with_rotation_refresh_token_auth_is_refused(pool: LocalPool, rotating_client: str) -> None:
    """GIVEN a client with refresh-token rotation WHEN InitiateAuth REFRESH_TOKEN_AUTH THEN
    NotAuthorizedException: such clients refresh with GetTokensFromRefreshToken."""
    email = pool.confirmed_user()
    token = _sign_in(pool, email, rotating_client)["RefreshToken"]
    with pytest.raises(ClientError) as raised:
        pool.cognito.initiate_auth(
            ClientId=rotating_client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token},
        )
    assert _error(raised.value)[0] == "NotAuthorizedException"
    assert "GetTokensFromRefreshToken" in _error(raised.value)[1]


def test_with_rotation_each_refresh_replaces_the_token_after_its_grace_period(
    pool: LocalPool, rotating_client: str
) -> None:
    """GIVEN rotation with a 2 s grace period WHEN a refresh returns a new refresh token THEN
    the old one still works within the grace period, is revoked after it, and the new one
    works; revoking the new one revokes the whole family."""
    email = pool.confirmed_user()
    old = _sign_in(pool, email, rotating_client)["RefreshToken"]
    first = pool.cognito.get_tokens_from_refresh_token(ClientId=rotating_client, RefreshToken=old)
    new = first["AuthenticationResult"]["RefreshToken"]
    assert new != old
    retry = pool.cognito.get_tokens_from_refresh_token(ClientId=rotating_client, RefreshToken=old)
    assert retry["AuthenticationResult"]["AccessToken"]
    time.sleep(2.2)
    with pytest.raises(ClientError) as raised:
        pool.cognito.get_tokens_from_refresh_token(ClientId=rotating_client, RefreshToken=old)
    assert _error(raised.value) == REVOKED
    latest = retry["AuthenticationResult"]["RefreshToken"]
    assert pool.cognito.get_tokens_from_refresh_token(
        ClientId=rotating_client, RefreshToken=latest
    )["AuthenticationResult"]["RefreshToken"]
