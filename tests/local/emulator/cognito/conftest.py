"""A user pool shaped like AuthStack's (e-mail sign-in, auto-verified e-mail, SRP, password and
refresh flows, user-existence errors prevented) on one emulator process per module."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from joserfc import jwk

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import latest_code
from tests.local.emulator.cognito.user_auth_pool import ALL_FACTORS, UserAuthPool
from tests.local.emulator.conftest import AwsClient
from tools.tls import shared_tls_context

PASSWORD = "Correct-Horse-9!"


@dataclass
class LocalPool:
    endpoint_url: str
    cognito: Any
    pool_id: str
    client_id: str

    def keys(self) -> Any:
        """The pool's JWKS as the emulator serves it."""
        url = f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"
        keys = httpx.get(url, timeout=10, verify=shared_tls_context()).json()
        return jwk.KeySet.import_key_set(keys)

    def new_client(self, **config: Any) -> str:
        """Another app client of this pool (e.g. with refresh-token rotation)."""
        created = self.cognito.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=f"c-{uuid.uuid4().hex[:6]}",
            ExplicitAuthFlows=[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",  # as AuthStack's client
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
            **({"PreventUserExistenceErrors": "ENABLED"} | config),
        )
        client_id: str = created["UserPoolClient"]["ClientId"]
        return client_id

    def confirmed_user(self, password: str = PASSWORD) -> str:
        """A new user, signed up and confirmed with the code from the outbox; its e-mail."""
        email = f"u-{uuid.uuid4().hex[:10]}@example.com"
        self.cognito.sign_up(
            ClientId=self.client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        code = latest_code(self.endpoint_url, email)
        self.cognito.confirm_sign_up(ClientId=self.client_id, Username=email, ConfirmationCode=code)
        return email


@pytest.fixture(scope="module")
def pool(emulator: EmulatorProcess, aws: AwsClient) -> LocalPool:
    cognito = aws("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="local-pool-test",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12}},
    )["UserPool"]["Id"]
    made = LocalPool(emulator.endpoint_url, cognito, pool_id, "")
    made.client_id = made.new_client()
    return made


@pytest.fixture(scope="module")
def choice_pool(emulator: EmulatorProcess, aws: AwsClient) -> UserAuthPool:
    """A pool allowing every first factor, with an ALLOW_USER_AUTH client (USER_AUTH tests)."""
    return UserAuthPool.create(emulator.endpoint_url, aws, ALL_FACTORS)
