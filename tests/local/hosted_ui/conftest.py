"""The hosted UI over the shared local run's emulator and deployed pool, served in a thread.

The app is the one `local up` serves, over real HTTP, asking the run's pool for every decision;
the tests verify its tokens with the pool's own key. A confidential client (with a secret)
and a second public client are created in the real pool for the checks that need them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from local.emulator.caller.keys import pool_signing_key
from local.hosted_ui import HostedUi, build_hosted_ui
from local.runtime.client import local_client
from tests.local.conftest import LocalRun, serve_config_in_thread
from tests.local.hosted_ui.oauth import Agent
from tools.jwt_signing import SigningKey
from tools.ports import free_port
from tools.tls import shared_tls_context


@contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    """Serve an ASGI app over real HTTP on a loopback port for the duration."""
    with serve_config_in_thread(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    ):
        yield


@dataclass(frozen=True)
class UiUnderTest:
    ui: HostedUi
    base_url: str  # where it serves (a loopback port of its own)
    client_id: str  # the deployed app client
    redirect_uri: str  # its demo page callback
    secret_client: dict[str, Any]  # a confidential client (code grant) created for the tests
    other_client_id: str  # another public client with the same callback
    pool_key: SigningKey  # the pool's own key (the hosted UI holds none: the pool signs)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.pool_key.private_key.public_key()

    def verify(self, token: str, *, use: str = "access") -> dict[str, Any]:
        """The claims of a token the pool signed (signature, issuer, expiry, token_use)."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            issuer=self.ui.pool.issuer,
            options={"verify_aud": False, "require": ["exp", "iat", "token_use"]},
        )
        assert claims["token_use"] == use
        return claims

    def agent(self, client_id: str | None = None) -> Agent:
        http = httpx.Client(
            base_url=self.base_url,
            follow_redirects=False,
            timeout=30,
            verify=shared_tls_context(),
        )
        pool = self.ui.pool
        return Agent(
            http, client_id or self.client_id, self.redirect_uri, pool.cognito, pool.pool_id
        )


@pytest.fixture(scope="session")
def hosted_ui(local_run: LocalRun) -> Iterator[UiUnderTest]:
    cognito = local_client("cognito-idp", local_run.endpoint_url)
    pool_id = local_run.outputs.user_pool_id
    assert pool_id is not None
    port = free_port()
    base_url = f"http://localhost:{port}"
    ui = build_hosted_ui(cognito, pool_id, base_url=base_url, endpoint_url=local_run.endpoint_url)
    oauth = {
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "CallbackURLs": [local_run.demo_url],
        "LogoutURLs": [local_run.demo_url],
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }
    secret_client = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="tests-confidential", GenerateSecret=True, **oauth
    )["UserPoolClient"]
    other = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="tests-other", **oauth)[
        "UserPoolClient"
    ]
    client_id = local_run.outputs.client_id
    assert client_id is not None
    with serving(ui.app, port):
        yield UiUnderTest(
            ui,
            base_url,
            client_id,
            local_run.demo_url,
            secret_client,
            other["ClientId"],
            pool_signing_key(local_run.endpoint_url, pool_id),
        )
    for created in (secret_client, other):
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
