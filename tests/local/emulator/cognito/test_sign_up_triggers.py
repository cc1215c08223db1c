"""The pre sign-up and post confirmation triggers as Cognito runs them, through boto3 against the
emulator, with a deployed function that records its events (triggered_pool.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import latest_code
from local.hosted_ui.accounts import Accounts, SignInError
from local.hosted_ui.pool import AppClient, Pool
from tests.local.emulator.conftest import AwsClient

from .triggered_pool import PASSWORD, TriggeredPool, new_email, pool_fixture

pool = pool_fixture("sign-up-triggers")


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def _refused_by(caught: pytest.ExceptionInfo[ClientError], trigger: str) -> None:
    """Cognito's answer for a trigger that raised ValueError(f"{trigger} says no")."""
    code, message = _error(caught)
    assert code == "UserLambdaValidationException"
    assert message.startswith(f"{trigger} failed with error "), message
    assert message.endswith(f"{trigger} says no."), message


def _attributes(pool: TriggeredPool, email: str) -> dict[str, str]:
    user = pool.user(email)
    assert user is not None
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_pre_sign_up_gets_attributes_validation_data_and_client_metadata(
    pool: TriggeredPool,
) -> None:
    """GIVEN a pool with PreSignUp WHEN a user signs up with ValidationData and ClientMetadata
    THEN the function gets Cognito's PreSignUp_SignUp event, and the user waits for its code."""
    email = new_email()
    answer = pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        ValidationData=[{"Name": "invite", "Value": "abc"}],
        ClientMetadata={"source": "test"},
    )
    assert answer["UserConfirmed"] is False
    assert "CodeDeliveryDetails" in answer
    first = pool.events(email)[0]
    assert first["triggerSource"] == "PreSignUp_SignUp"
    assert first["version"] == "1"
    assert first["userPoolId"] == pool.pool_id
    assert first["callerContext"]["clientId"] == pool.client_id
    assert first["request"]["userAttributes"]["email"] == email
    assert first["request"]["validationData"] == {"invite": "abc"}
    assert first["request"]["clientMetadata"] == {"source": "test"}
    assert pool.user(email) is not None
    assert pool.messages(email), "the confirmation code was sent"


def test_refused_sign_up_leaves_no_user_and_sends_no_code(pool: TriggeredPool) -> None:
    """GIVEN PreSignUp raises WHEN a user signs up THEN UserLambdaValidationException
    "PreSignUp failed with error <message>.", no user, no code; the name stays free."""
    email = new_email()
    with pytest.raises(ClientError) as caught:
        pool.sign_up(email, PreSignUp="raise")
    _refused_by(caught, "PreSignUp")
    assert pool.user(email) is None
    assert pool.messages(email) == []
    assert pool.sign_up(email)["UserConfirmed"] is False  # nothing was kept


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        ("invalid", "InvalidLambdaResponseException"),
        ("bad-flag", "InvalidLambdaResponseException"),
        ("verify-phone", "InvalidParameterException"),
        ("verify-only", "InvalidParameterException"),
    ],
)
def test_answers_cognito_refuses_leave_no_user(
    pool: TriggeredPool, behaviour: str, code: str
) -> None:
    """GIVEN PreSignUp answers no event, a non-boolean flag, auto-verifies a phone number the
    user lacks, or auto-verifies without auto-confirming WHEN a user signs up THEN Cognito's
    error and no user."""
    email = new_email()
    with pytest.raises(ClientError) as caught:
        pool.sign_up(email, PreSignUp=behaviour)
    assert _error(caught)[0] == code
    assert pool.user(email) is None
    assert pool.messages(email) == []


def test_auto_confirmed_user_gets_no_code_and_runs_post_confirmation(pool: TriggeredPool) -> None:
    """GIVEN PreSignUp answers autoConfirmUser and autoVerifyEmail WHEN a user signs up THEN it
    is CONFIRMED with a verified e-mail, no code is sent, and PostConfirmation_ConfirmSignUp
    runs."""
    email = new_email()
    answer = pool.sign_up(email, PreSignUp="confirm")
    assert answer["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in answer
    user = pool.user(email)
    assert user is not None
    assert user["UserStatus"] == "CONFIRMED"
    assert _attributes(pool, email)["email_verified"] == "true"
    assert pool.messages(email) == []
    assert pool.sources(email) == ["PreSignUp_SignUp", "PostConfirmation_ConfirmSignUp"]


def test_an_auto_confirmed_sign_ups_session_signs_in_through_user_auth(
    pool: TriggeredPool,
) -> None:
    """GIVEN PreSignUp answers autoConfirmUser WHEN USER_AUTH gets SignUp's own Session (what
    Amplify's autoSignIn sends when signUp completes at once) THEN tokens for that user, once;
    the Session again is "Invalid session for the user."."""
    client_id = pool.cognito.create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="auto-sign-in",
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    email = new_email()
    answer = pool.cognito.sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        ClientMetadata={"PreSignUp": "confirm"},
    )
    assert answer["UserConfirmed"] is True

    def sign_in() -> dict[str, Any]:
        signed_in: dict[str, Any] = pool.cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": email},
            Session=answer["Session"],
        )
        return signed_in

    assert sign_in()["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as caught:
        sign_in()
    assert _error(caught) == ("NotAuthorizedException", "Invalid session for the user.")


def test_pre_sign_up_runs_for_admin_create_user_and_its_flags_are_ignored(
    pool: TriggeredPool,
) -> None:
    """GIVEN PreSignUp WHEN an admin creates users THEN PreSignUp_AdminCreateUser runs; its
    refusal leaves no user, its autoConfirmUser changes nothing (FORCE_CHANGE_PASSWORD)."""
    refused, created = new_email(), new_email()
    with pytest.raises(ClientError) as caught:
        pool.cognito.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=refused,
            UserAttributes=[{"Name": "email", "Value": refused}],
            ClientMetadata={"PreSignUp": "raise"},
            MessageAction="SUPPRESS",
        )
    assert _error(caught)[0] == "UserLambdaValidationException"
    assert pool.user(refused) is None
    pool.cognito.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=created,
        UserAttributes=[{"Name": "email", "Value": created}],
        ValidationData=[{"Name": "by", "Value": "admin"}],
        ClientMetadata={"PreSignUp": "confirm"},
        MessageAction="SUPPRESS",
    )
    user = pool.user(created)
    assert user is not None
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    (event,) = pool.events(created)
    assert event["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert event["request"]["validationData"] == {"by": "admin"}


def test_post_confirmation_runs_after_each_confirmation(pool: TriggeredPool) -> None:
    """GIVEN PostConfirmation WHEN a user confirms its sign-up, an admin confirms another, and
    the first resets its password THEN PostConfirmation_ConfirmSignUp (twice) and
    PostConfirmation_ConfirmForgotPassword run with the user's attributes and ClientMetadata."""
    email, other = new_email(), new_email()
    pool.sign_up(email)
    code = latest_code(pool.endpoint_url, email)
    pool.cognito.confirm_sign_up(
        ClientId=pool.client_id,
        Username=email,
        ConfirmationCode=code,
        ClientMetadata={"step": "confirm"},
    )
    confirmed = pool.events(email)[-1]
    assert confirmed["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert confirmed["request"]["clientMetadata"] == {"step": "confirm"}
    assert confirmed["request"]["userAttributes"]["email_verified"] == "true"
    assert confirmed["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    pool.sign_up(other)
    pool.cognito.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=other)
    assert pool.sources(other)[-1] == "PostConfirmation_ConfirmSignUp"
    pool.cognito.forgot_password(ClientId=pool.client_id, Username=email)
    reset = latest_code(pool.endpoint_url, email, kinds=("forgot_password",))
    pool.cognito.confirm_forgot_password(
        ClientId=pool.client_id, Username=email, ConfirmationCode=reset, Password=PASSWORD + "x"
    )
    assert pool.sources(email)[-1] == "PostConfirmation_ConfirmForgotPassword"


def test_failing_post_confirmation_is_answered_but_the_user_stays_confirmed(
    pool: TriggeredPool,
) -> None:
    """GIVEN PostConfirmation raises WHEN a user confirms its sign-up THEN
    UserLambdaValidationException "PostConfirmation failed with error ...", and the user is
    CONFIRMED (Cognito confirms before it runs the trigger)."""
    email = new_email()
    pool.sign_up(email)
    code = latest_code(pool.endpoint_url, email)
    with pytest.raises(ClientError) as caught:
        pool.cognito.confirm_sign_up(
            ClientId=pool.client_id,
            Username=email,
            ConfirmationCode=code,
            ClientMetadata={"PostConfirmation": "raise"},
        )
    _refused_by(caught, "PostConfirmation")
    user = pool.user(email)
    assert user is not None
    assert user["UserStatus"] == "CONFIRMED"


def test_pre_sign_up_past_cognitos_five_seconds_leaves_no_user(
    aws: AwsClient, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """GIVEN a PreSignUp function that takes 6 s (its timeout 10 s) WHEN a user signs up THEN
    Cognito's timeout answer after 5 s, and no user."""
    slow = TriggeredPool.make(aws, emulator.endpoint_url, "sign-up-slow", tmp_path / "e.jsonl")
    email = new_email()
    with pytest.raises(ClientError) as caught:
        slow.sign_up(email, PreSignUp="slow")
    assert _error(caught) == (
        "UnexpectedLambdaException",
        "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
    )
    assert slow.user(email) is None


def test_hosted_ui_sign_up_shows_the_pre_sign_up_refusal(
    aws: AwsClient, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    """GIVEN a PreSignUp function that refuses every sign-up WHEN the hosted UI signs a user
    up THEN its page gets Cognito's message (no server error), and there is no user."""
    refusing = TriggeredPool.make(
        aws, emulator.endpoint_url, "sign-up-refusing", tmp_path / "e.jsonl", {"PreSignUp": "raise"}
    )
    client = AppClient(refusing.client_id, None, (), (), frozenset(), (), oauth_enabled=False)
    accounts = Accounts(Pool(refusing.cognito, refusing.pool_id))
    email = new_email()
    with pytest.raises(SignInError, match=r"^PreSignUp failed with error .*PreSignUp says no"):
        accounts.sign_up(client, email, PASSWORD, [{"Name": "email", "Value": email}])
    assert refusing.user(email) is None
