"""The deployed pool's own settings, honoured offline: `-c refreshTokenRotation=true` (the user
client rotates refresh tokens, as CDK deploys it on AWS) and `-c mfa=true` (prod's optional
TOTP), signed into with pycognito's SRP and pyotp's codes on the scoped run."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller.outbox import latest_code
from local.runtime.client import local_client
from tests.local.conftest import LocalRun

PASSWORD = "Rotating-And-Mfa-7!"


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


@pytest.fixture(scope="module")
def cognito(scoped_run: LocalRun) -> Any:
    return local_client("cognito-idp", scoped_run.endpoint_url)


def _user(scoped_run: LocalRun, cognito: Any) -> str:
    email = f"rot-{uuid.uuid4().hex[:8]}@example.com"
    client_id = scoped_run.outputs.client_id
    cognito.sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    code = latest_code(scoped_run.endpoint_url, email)
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    return email


def _srp(scoped_run: LocalRun, cognito: Any, email: str) -> AWSSRP:
    return AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=scoped_run.outputs.user_pool_id,
        client_id=scoped_run.outputs.client_id,
        client=cognito,
    )


def test_the_deployed_user_client_rotates_refresh_tokens(
    scoped_run: LocalRun, cognito: Any
) -> None:
    """GIVEN -c refreshTokenRotation=true WHEN a user signs in with SRP and refreshes THEN the
    deployed client has rotation on, GetTokensFromRefreshToken returns a new refresh token and
    REFRESH_TOKEN_AUTH is refused."""
    outputs = scoped_run.outputs
    described = cognito.describe_user_pool_client(
        UserPoolId=outputs.user_pool_id, ClientId=outputs.client_id
    )["UserPoolClient"]
    assert described["RefreshTokenRotation"] == {
        "Feature": "ENABLED",
        "RetryGracePeriodSeconds": 10,
    }
    email = _user(scoped_run, cognito)
    signed_in = _srp(scoped_run, cognito, email).authenticate_user()["AuthenticationResult"]
    refreshed = cognito.get_tokens_from_refresh_token(
        ClientId=outputs.client_id, RefreshToken=signed_in["RefreshToken"]
    )["AuthenticationResult"]
    assert refreshed["RefreshToken"] != signed_in["RefreshToken"]
    with pytest.raises(ClientError) as raised:
        cognito.initiate_auth(
            ClientId=outputs.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refreshed["RefreshToken"]},
        )
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_optional_totp_works_offline_end_to_end(scoped_run: LocalRun, cognito: Any) -> None:
    """GIVEN -c mfa=true (optional TOTP) WHEN a user enrolls an authenticator and signs in with
    SRP THEN the pool asks for SOFTWARE_TOKEN_MFA, refuses a wrong code with
    CodeMismatchException and gives tokens for the current one."""
    outputs = scoped_run.outputs
    pool = cognito.describe_user_pool(UserPoolId=outputs.user_pool_id)["UserPool"]
    assert pool["MfaConfiguration"] == "OPTIONAL"
    email = _user(scoped_run, cognito)
    access = _srp(scoped_run, cognito, email).authenticate_user()["AuthenticationResult"][
        "AccessToken"
    ]
    totp = pyotp.TOTP(cognito.associate_software_token(AccessToken=access)["SecretCode"])
    cognito.verify_software_token(AccessToken=access, UserCode=totp.now())
    cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    srp = _srp(scoped_run, cognito, email)
    started = cognito.initiate_auth(
        ClientId=outputs.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    challenge = cognito.respond_to_auth_challenge(
        ClientId=outputs.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=srp.process_challenge(
            started["ChallengeParameters"], {"USERNAME": email}
        ),
    )
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    respond = {
        "ClientId": outputs.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": challenge["Session"],
    }
    with pytest.raises(ClientError) as raised:
        cognito.respond_to_auth_challenge(
            **respond,
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _wrong(totp.now())},
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    done = cognito.respond_to_auth_challenge(
        **respond,
        # The enrolment used this step's code: a TOTP code is accepted once, so the next one.
        ChallengeResponses={
            "USERNAME": email,
            "SOFTWARE_TOKEN_MFA_CODE": totp.at(time.time() + 30),
        },
    )
    assert done["AuthenticationResult"]["AccessToken"]
