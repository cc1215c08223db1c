"""A client's ExplicitAuthFlows and secret hold on every sign-in flow (issue 30, finding 5).

moto's password flows checked neither: the machine client (a secret, no user flow) signed a
user in with USER_PASSWORD_AUTH and no SECRET_HASH. Cognito refuses a flow the client does not
allow (`InvalidParameterException`) and a missing or wrong secret hash
(`NotAuthorizedException`), on InitiateAuth and AdminInitiateAuth alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _secret_hash(secret: str, client_id: str, username: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _client(pool: LocalPool, flows: list[str], *, secret: bool) -> dict[str, Any]:
    made: dict[str, Any] = pool.cognito.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="rules",
        GenerateSecret=secret,
        ExplicitAuthFlows=flows,
    )["UserPoolClient"]
    return made


def _password_auth(pool: LocalPool, client_id: str, email: str, **extra: str) -> Any:
    return pool.cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD, **extra},
    )


def test_a_machine_client_cannot_sign_a_user_in_with_the_password_flow(pool: LocalPool) -> None:
    """GIVEN a client with a secret and only ALLOW_REFRESH_TOKEN_AUTH (the machine client's
    shape) WHEN USER_PASSWORD_AUTH is tried with the right password, with and without a
    SECRET_HASH THEN InvalidParameterException, and no tokens."""
    email = pool.confirmed_user()
    machine = _client(pool, ["ALLOW_REFRESH_TOKEN_AUTH"], secret=True)
    right_hash = _secret_hash(machine["ClientSecret"], machine["ClientId"], email)
    for extra in ({}, {"SECRET_HASH": right_hash}):
        with pytest.raises(ClientError) as raised:
            _password_auth(pool, machine["ClientId"], email, **extra)
        assert _error(raised.value) == (
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
        )


def _credentials(flow: str, email: str, srp: AWSSRP) -> dict[str, str]:
    if flow == "USER_SRP_AUTH":
        return dict(srp.get_auth_params())
    return {"USERNAME": email, "PASSWORD": PASSWORD}


def _sign_in(pool: LocalPool, client_id: str, flow: str, parameters: dict[str, str]) -> Any:
    if flow.startswith("ADMIN"):
        return pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id, ClientId=client_id, AuthFlow=flow, AuthParameters=parameters
        )
    return pool.cognito.initiate_auth(ClientId=client_id, AuthFlow=flow, AuthParameters=parameters)


def test_a_missing_or_wrong_secret_hash_is_not_authorized_in_every_flow(pool: LocalPool) -> None:
    """GIVEN a client with a secret that allows the password, admin and SRP flows WHEN each is
    tried without SECRET_HASH or with a wrong one THEN NotAuthorizedException; with the right
    one the password flow gives tokens."""
    email = pool.confirmed_user()
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]
    made = _client(pool, flows, secret=True)
    client_id, right = made["ClientId"], _secret_hash(made["ClientSecret"], made["ClientId"], email)
    srp = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=client_id,
        client=pool.cognito,
    )
    for extra in ({}, {"SECRET_HASH": "d3Jvbmc="}):
        for flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_SRP_AUTH"):
            with pytest.raises(ClientError) as raised:
                _sign_in(pool, client_id, flow, {**_credentials(flow, email, srp), **extra})
            assert _error(raised.value)[0] == "NotAuthorizedException"
            assert "secret hash" in _error(raised.value)[1]
    tokens = _password_auth(pool, client_id, email, SECRET_HASH=right)["AuthenticationResult"]
    assert tokens["AccessToken"]


def test_a_flow_the_client_leaves_out_is_refused_with_cognitos_error(pool: LocalPool) -> None:
    """GIVEN a client that allows only SRP WHEN the password and admin password flows are tried
    with the right password THEN InvalidParameterException for each, as Cognito answers."""
    email = pool.confirmed_user()
    client_id = _client(pool, ["ALLOW_USER_SRP_AUTH"], secret=False)["ClientId"]
    with pytest.raises(ClientError) as raised:
        _password_auth(pool, client_id, email)
    assert _error(raised.value) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
    with pytest.raises(ClientError) as raised:
        pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
    assert _error(raised.value) == (
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    )
