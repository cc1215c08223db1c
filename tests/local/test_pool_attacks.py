"""The deployed local pool under the issue-30 probe's attacks, over the real `local up` run.

Each test is one finding: the request the probe sent, sent unsigned as a web page or a script
would, and Cognito's answer that must come back now.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulator.caller.outbox import latest_code
from local.runtime.client import LOCAL_REGION, local_client
from tests.local.conftest import LocalRun

pytestmark = pytest.mark.local

PASSWORD = "Correct-Horse-9-battery"


def _unsigned(run: LocalRun) -> object:
    """A browser app's Cognito client: no credentials at all."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=run.endpoint_url,
        region_name=LOCAL_REGION,
        config=Config(signature_version=UNSIGNED),
    )


def _user(run: LocalRun) -> str:
    """A confirmed user of the deployed pool (made with the admin API); its e-mail."""
    email = f"target-{uuid.uuid4().hex[:10]}@example.com"
    admin = local_client("cognito-idp", run.endpoint_url)
    pool_id = run.outputs.user_pool_id
    admin.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )
    admin.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    return email


def test_the_machine_client_does_not_sign_users_in(scoped_run: LocalRun) -> None:
    """GIVEN the deployed machine client (a secret, no user flow) WHEN a page sends
    InitiateAuth USER_PASSWORD_AUTH with a user's right password and no SECRET_HASH THEN
    InvalidParameterException, no tokens (was: 200 with tokens)."""
    email = _user(scoped_run)
    machine = scoped_run.outputs.machine_client_id
    assert machine is not None
    with pytest.raises(ClientError) as raised:
        _unsigned(scoped_run).initiate_auth(  # type: ignore[attr-defined]
            ClientId=machine,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_deployed_client_does_not_tell_unknown_users_apart(local_run: LocalRun) -> None:
    """GIVEN the deployed client (PreventUserExistenceErrors=ENABLED) WHEN a page tries a wrong
    password for a known user and any password for an unknown one, and ForgotPassword for the
    unknown one THEN the same NotAuthorizedException for both (was UserNotFoundException for
    the unknown one) and a delivery masked as a real one's (was `nobody...@h***.com`)."""
    known, unknown = _user(local_run), f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    client_id = local_run.outputs.client_id
    cognito = _unsigned(local_run)
    answers = []
    for name in (known, unknown):
        with pytest.raises(ClientError) as raised:
            cognito.initiate_auth(  # type: ignore[attr-defined]
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": "Wrong-Horse-9-battery"},
            )
        answers.append(raised.value.response["Error"])
    assert answers[0] == answers[1]
    assert answers[0]["Code"] == "NotAuthorizedException"
    details = cognito.forgot_password(  # type: ignore[attr-defined]
        ClientId=client_id, Username=unknown
    )["CodeDeliveryDetails"]
    assert details["Destination"] == "n***@e***"


def test_guessing_a_password_locks_the_user_out(local_run: LocalRun) -> None:
    """GIVEN a user of the deployed pool WHEN a page sends five wrong passwords THEN the right
    one, sent at once, is NotAuthorizedException "Password attempts exceeded" (was: 300 wrong
    passwords at 528/s, then tokens)."""
    email = _user(local_run)
    cognito = _unsigned(local_run)

    def sign_in(password: str) -> dict[str, str]:
        with pytest.raises(ClientError) as raised:
            cognito.initiate_auth(  # type: ignore[attr-defined]
                ClientId=local_run.outputs.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        error: dict[str, str] = raised.value.response["Error"]
        return error

    for _ in range(5):
        assert sign_in("Wrong-Horse-9-battery")["Message"] == "Incorrect username or password."
    refused = sign_in(PASSWORD)
    assert (refused["Code"], refused["Message"]) == (
        "NotAuthorizedException",
        "Password attempts exceeded",
    )


def test_an_email_change_needs_its_code_and_the_access_token_keeps_working(
    local_run: LocalRun,
) -> None:
    """GIVEN a signed-in user of the deployed pool WHEN it sets its e-mail to someone else's
    THEN GetUser with the same access token shows it unverified (was: email_verified true,
    then UserNotFoundException) and the code went to the new address; `not-an-email` is
    InvalidParameterException (was: 200)."""
    email = _user(local_run)
    cognito = _unsigned(local_run)
    access = cognito.initiate_auth(  # type: ignore[attr-defined]
        ClientId=local_run.outputs.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    claimed = f"ceo-{uuid.uuid4().hex[:6]}@bigcorp.example"
    cognito.update_user_attributes(  # type: ignore[attr-defined]
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": claimed}]
    )
    user = cognito.get_user(AccessToken=access)  # type: ignore[attr-defined]
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (attributes["email"], attributes["email_verified"]) == (claimed, "false")
    assert latest_code(local_run.endpoint_url, claimed, kinds=("verify_email",))
    with pytest.raises(ClientError) as raised:
        cognito.update_user_attributes(  # type: ignore[attr-defined]
            AccessToken=access, UserAttributes=[{"Name": "email", "Value": "not-an-email"}]
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
