"""A user pool that offers passkeys (WEB_AUTHN as a first factor, a client with
ALLOW_USER_AUTH) and the steps the passkey tests share: sign a user in with a password,
register a software authenticator's passkey, list the user's passkeys."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool
from tests.local.emulator.conftest import AwsClient
from tests.local.webauthn_authenticator import SoftwareAuthenticator

FACTORS = ["PASSWORD", "WEB_AUTHN"]


def passkey_pool(
    emulator: EmulatorProcess, aws: AwsClient, factors: list[str], **config: Any
) -> LocalPool:
    """A new pool whose sign-in policy offers `factors`, and its ALLOW_USER_AUTH client."""
    cognito = aws("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=f"passkeys-{uuid.uuid4().hex[:6]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={
            "PasswordPolicy": {"MinimumLength": 12},
            "SignInPolicy": {"AllowedFirstAuthFactors": factors},
        },
        **config,
    )["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="passkeys",
        ExplicitAuthFlows=[
            "ALLOW_USER_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    return LocalPool(emulator.endpoint_url, cognito, pool_id, client["UserPoolClient"]["ClientId"])


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """A refusal's code and message (always a 400)."""
    error = raised.value.response["Error"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def signed_in(pool: LocalPool) -> dict[str, str]:
    """A new confirmed user's tokens from a password sign-in, and its e-mail."""
    email = pool.confirmed_user()
    tokens: dict[str, str] = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return tokens | {"email": email}


def access_token(pool: LocalPool) -> str:
    """A new confirmed user's access token."""
    return signed_in(pool)["AccessToken"]


def register(pool: LocalPool, access: str, key: SoftwareAuthenticator) -> dict[str, Any]:
    """Start and complete a registration of `key`'s passkey; the creation options."""
    options = pool.cognito.start_web_authn_registration(AccessToken=access)
    pool.cognito.complete_web_authn_registration(
        AccessToken=access, Credential=key.register(options["CredentialCreationOptions"])
    )
    return dict(options["CredentialCreationOptions"])


def listed(pool: LocalPool, access: str) -> list[dict[str, Any]]:
    """The user's passkeys (ListWebAuthnCredentials' first page)."""
    return list(pool.cognito.list_web_authn_credentials(AccessToken=access)["Credentials"])
