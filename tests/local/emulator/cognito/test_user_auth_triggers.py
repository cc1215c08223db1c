"""The pool's triggers in a USER_AUTH sign-in, through boto3 against the emulator: the pre
authentication trigger when it starts, CustomMessage_Authentication for the e-mailed code, the
post authentication trigger before the tokens (triggered_pool.py's recording function)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import latest_code
from tests.local.emulator.cognito.triggered_pool import TriggeredPool, deploy, new_email
from tests.local.emulator.cognito.user_auth_pool import (
    ALL_FACTORS,
    PASSWORD,
    USER_AUTH_FLOWS,
    refused,
)
from tests.local.emulator.conftest import AwsClient

NAME = "user-auth-triggers"


@pytest.fixture(scope="module")
def pool(
    aws: AwsClient, emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> TriggeredPool:
    """A pool allowing every first factor with PreAuthentication, PostAuthentication and
    CustomMessage on the recording function, and an ALLOW_USER_AUTH client."""
    record: Path = tmp_path_factory.mktemp(NAME) / "events.jsonl"
    arn = deploy(aws, NAME, record, {})
    cognito = aws("cognito-idp")
    triggers = ("PreAuthentication", "PostAuthentication", "CustomMessage")
    pool_id = cognito.create_user_pool(
        PoolName=NAME,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ALL_FACTORS}},
        LambdaConfig=dict.fromkeys(triggers, arn),
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName=NAME, ExplicitAuthFlows=USER_AUTH_FLOWS
    )["UserPoolClient"]["ClientId"]
    return TriggeredPool(emulator.endpoint_url, cognito, pool_id, client_id, record)


def _confirmed(pool: TriggeredPool) -> str:
    email = new_email()
    pool.sign_up(email)
    code = latest_code(pool.endpoint_url, email)
    pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username=email, ConfirmationCode=code)
    return email


def _email_otp(pool: TriggeredPool, email: str, **behaviours: str) -> Any:
    """USER_AUTH preferring EMAIL_OTP, with `behaviours` as InitiateAuth's ClientMetadata."""
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        ClientMetadata=behaviours,
    )


def _answer(pool: TriggeredPool, email: str, session: str, **behaviours: str) -> Any:
    """The EMAIL_OTP challenge answered with the outbox's code."""
    return pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="EMAIL_OTP",
        Session=session,
        ChallengeResponses={"USERNAME": email, "EMAIL_OTP_CODE": pool.messages(email)[-1].code},
        ClientMetadata=behaviours,
    )


def test_an_email_otp_sign_in_runs_the_triggers_in_cognitos_order(pool: TriggeredPool) -> None:
    """GIVEN the three triggers WHEN a user signs in with an e-mailed code, InitiateAuth's
    metadata asking CustomMessage for its own words THEN PreAuthentication_Authentication,
    CustomMessage_Authentication (with codeParameter), PostAuthentication_Authentication ran in
    that order, and the outbox's message is the trigger's, with the 8-digit code."""
    email = _confirmed(pool)
    started = _email_otp(pool, email, CustomMessage="custom")
    message = pool.messages(email)[-1]
    assert (message.kind, message.subject) == ("email_otp", "Welcome aboard")
    assert message.message == f"Your code: {message.code}!"
    assert len(message.code) == 8
    assert _answer(pool, email, started["Session"])["AuthenticationResult"]["AccessToken"]
    sources = [s for s in pool.sources(email) if s.endswith("_Authentication")]
    assert sources == [
        "PreAuthentication_Authentication",
        "CustomMessage_Authentication",
        "PostAuthentication_Authentication",
    ]
    custom = next(e for e in pool.events(email) if e["triggerSource"].startswith("CustomMess"))
    assert custom["request"]["codeParameter"] == "{####}"


def test_post_authentication_refusal_gives_no_tokens(pool: TriggeredPool) -> None:
    """GIVEN PostAuthentication raises for RespondToAuthChallenge's metadata WHEN the right
    code is sent back THEN UserLambdaValidationException "PostAuthentication failed with error
    ..." and no tokens."""
    email = _confirmed(pool)
    started = _email_otp(pool, email)
    code, message = refused(
        lambda: _answer(pool, email, started["Session"], PostAuthentication="raise")
    )
    assert code == "UserLambdaValidationException"
    assert message.startswith("PostAuthentication failed with error ")


def test_a_failing_custom_message_sends_nothing_and_poses_no_challenge(
    pool: TriggeredPool,
) -> None:
    """GIVEN CustomMessage raises WHEN a user asks for an e-mailed code THEN
    UserLambdaValidationException "CustomMessage failed with error ...", and no message went
    out."""
    email = _confirmed(pool)
    sent = len(pool.messages(email))
    code, message = refused(lambda: _email_otp(pool, email, CustomMessage="raise"))
    assert code == "UserLambdaValidationException"
    assert message.startswith("CustomMessage failed with error ")
    assert len(pool.messages(email)) == sent


def test_a_password_choice_runs_pre_and_post_authentication(pool: TriggeredPool) -> None:
    """GIVEN the triggers WHEN a user picks PASSWORD from SELECT_CHALLENGE THEN tokens, after
    PreAuthentication_Authentication and PostAuthentication_Authentication."""
    email = _confirmed(pool)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": email}
    )
    signed_in = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert signed_in["AuthenticationResult"]["IdToken"]
    sources = [s for s in pool.sources(email) if s.endswith("_Authentication")]
    assert sources == ["PreAuthentication_Authentication", "PostAuthentication_Authentication"]


@pytest.fixture(scope="module")
def sender_pool(
    aws: AwsClient, emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
) -> TriggeredPool:
    """A pool allowing every first factor whose CustomEmailSender is the recording function
    (with a key of the local KMS), and an ALLOW_USER_AUTH client."""
    name = NAME + "-sender"
    record: Path = tmp_path_factory.mktemp(name) / "events.jsonl"
    sender = {"LambdaArn": deploy(aws, name, record, {}), "LambdaVersion": "V1_0"}
    key_id = aws("kms").create_key()["KeyMetadata"]["KeyId"]
    cognito = aws("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=name,
        UsernameAttributes=["email"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ALL_FACTORS}},
        LambdaConfig={"CustomEmailSender": sender, "KMSKeyID": key_id},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=USER_AUTH_FLOWS
    )["UserPoolClient"]["ClientId"]
    return TriggeredPool(emulator.endpoint_url, cognito, pool_id, client_id, record)


def test_a_custom_email_sender_gets_the_sign_in_code_encrypted(
    aws: AwsClient, sender_pool: TriggeredPool
) -> None:
    """GIVEN a CustomEmailSender WHEN a user asks for an e-mailed sign-in code THEN the sender
    got CustomEmailSender_Authentication with the code encrypted by the pool's KMS key,
    nothing is in the outbox, and the decrypted code signs in."""
    email = new_email()
    sender_pool.cognito.admin_create_user(
        UserPoolId=sender_pool.pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    sender_pool.cognito.admin_set_user_password(
        UserPoolId=sender_pool.pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    started = _email_otp(sender_pool, email)
    [event] = [e for e in sender_pool.events(email) if e["triggerSource"].startswith("Custom")]
    assert event["triggerSource"] == "CustomEmailSender_Authentication"
    code = (
        aws("kms")
        .decrypt(
            CiphertextBlob=base64.b64decode(event["request"]["code"]),
            EncryptionContext={"userpool-id": sender_pool.pool_id},
        )["Plaintext"]
        .decode()
    )
    assert len(code) == 8
    assert sender_pool.messages(email) == []
    signed_in = sender_pool.cognito.respond_to_auth_challenge(
        ClientId=sender_pool.client_id,
        ChallengeName="EMAIL_OTP",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, "EMAIL_OTP_CODE": code},
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]
