"""The local pool's own state survives a restart with kept state: outbox, codes, SRP
verifiers and revocations are on moto's pool objects, so the snapshot keeps them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import read_outbox
from local.runtime.client import local_client
from tests.local.webauthn_authenticator import SoftwareAuthenticator, b64url
from tools.ports import free_port

PASSWORD = "Kept-State-Secret-1!"


def test_outbox_codes_verifiers_and_revocations_survive_a_restart(tmp_path: Path) -> None:
    """GIVEN a pool with a pending sign-up code, a user signed in with SRP and a revoked
    refresh token WHEN the emulator restarts on its kept state THEN the outbox still lists the
    code and it still confirms, SRP still checks the password, the revoked token stays revoked."""
    state_dir = tmp_path / "aws"
    port = free_port()
    first = EmulatorProcess(port, state_dir=state_dir, parent_pid=os.getpid()).start()
    try:
        cognito = local_client("cognito-idp", first.endpoint_url)
        pool_id = cognito.create_user_pool(
            PoolName="kept", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
        )["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for email in ("signed-in@example.com", "pending@example.com"):
            cognito.sign_up(
                ClientId=client_id,
                Username=email,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
        [sent] = read_outbox(first.endpoint_url, destination="signed-in@example.com")
        cognito.confirm_sign_up(
            ClientId=client_id, Username="signed-in@example.com", ConfirmationCode=sent.code
        )
        srp = AWSSRP(
            username="signed-in@example.com",
            password=PASSWORD,
            pool_id=pool_id,
            client_id=client_id,
            client=cognito,
        )
        token = srp.authenticate_user()["AuthenticationResult"]["RefreshToken"]
        cognito.revoke_token(Token=token, ClientId=client_id)
    finally:
        first.stop()

    again = EmulatorProcess(port, state_dir=state_dir, parent_pid=os.getpid()).start()
    try:
        cognito = local_client("cognito-idp", again.endpoint_url)
        [pending] = read_outbox(again.endpoint_url, destination="pending@example.com")
        cognito.confirm_sign_up(
            ClientId=client_id, Username="pending@example.com", ConfirmationCode=pending.code
        )
        with pytest.raises(ClientError) as raised:
            cognito.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=token)
        assert raised.value.response["Error"]["Message"] == "Refresh Token has been revoked"
        srp.client = cognito
        assert srp.authenticate_user()["AuthenticationResult"]["AccessToken"]
        srp.password = PASSWORD + "x"
        with pytest.raises(ClientError) as raised:
            srp.authenticate_user()
        assert raised.value.response["Error"]["Code"] == "NotAuthorizedException"
    finally:
        again.stop()


def test_registered_passkeys_survive_a_restart(tmp_path: Path) -> None:
    """GIVEN a user who registered a passkey WHEN the emulator restarts on its kept state
    THEN ListWebAuthnCredentials still shows it, with the same id."""
    state_dir, port = tmp_path / "aws", free_port()
    key = SoftwareAuthenticator()
    first = EmulatorProcess(port, state_dir=state_dir, parent_pid=os.getpid()).start()
    try:
        cognito = local_client("cognito-idp", first.endpoint_url)
        pool_id = cognito.create_user_pool(
            PoolName="kept-passkeys",
            Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
        )["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool_id, Username="pat", MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username="pat", Password=PASSWORD, Permanent=True
        )
        access = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "pat", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]
        options = cognito.start_web_authn_registration(AccessToken=access)
        credential = key.register(options["CredentialCreationOptions"])
        cognito.complete_web_authn_registration(AccessToken=access, Credential=credential)
    finally:
        first.stop()

    again = EmulatorProcess(port, state_dir=state_dir, parent_pid=os.getpid()).start()
    try:
        cognito = local_client("cognito-idp", again.endpoint_url)
        listed = cognito.list_web_authn_credentials(AccessToken=access)["Credentials"]
        assert [c["CredentialId"] for c in listed] == [b64url(key.credential_id)]
    finally:
        again.stop()
