"""Every trigger of the deployed test app (tests/local/triggers/app), driven with boto3: each
one's effect as a team would see it, each one's error as Cognito words it, and nothing stored
that Cognito would not store. The custom senders and the pre token claim on a password sign-in
are in test_app_senders.py; timeouts in test_trigger_responses.py."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller.outbox import read_outbox
from tests.local.emulator.test_cloudformation_addon import jwt_claims
from tests.local.hosted_ui.oauth import create_user
from tests.local.triggers.conftest import TriggersApp

pytestmark = pytest.mark.local

PASSWORD = "Correct-Horse-9!"
LEGACY_USER, LEGACY_PASSWORD = "legacy@legacy.example", "Legacy-Passw0rd!"
QUESTION = "What is 6 x 7?"


def _address(domain: str = "example.com", prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@{domain}"


def _refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def _metadata(behaviour: str | None) -> dict[str, Any]:
    """The ClientMetadata that makes the app's handlers fail as `behaviour` says (None: none)."""
    return {} if behaviour is None else {"ClientMetadata": {"behaviour": behaviour}}


def _sign_up(app: TriggersApp, email: str, behaviour: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = app.cognito.sign_up(
        ClientId=app.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        **_metadata(behaviour),
    )
    return answer


def _user(app: TriggersApp, email: str) -> dict[str, Any] | None:
    try:
        user: dict[str, Any] = app.cognito.admin_get_user(UserPoolId=app.pool_id, Username=email)
    except ClientError as error:
        if error.response["Error"]["Code"] == "UserNotFoundException":
            return None
        raise
    return user


def _row(app: TriggersApp, key: str) -> dict[str, Any] | None:
    item = app.aws("dynamodb").get_item(TableName=app.table, Key={"sub": {"S": key}}).get("Item")
    return None if item is None else {name: value["S"] for name, value in item.items()}


def _sub(user: dict[str, Any]) -> str:
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))


def _password_sign_in(app: TriggersApp, email: str, password: str = PASSWORD) -> dict[str, Any]:
    answer: dict[str, Any] = app.cognito.initiate_auth(
        ClientId=app.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return answer


@pytest.mark.parametrize(
    ("domain", "behaviour", "expected"),
    [
        (
            "blocked.example",
            None,
            (
                "UserLambdaValidationException",
                "PreSignUp failed with error Sign-ups from blocked.example are closed.",
            ),
        ),
        (
            "example.com",
            "raise",
            (
                "UserLambdaValidationException",
                "PreSignUp failed with error PreSignUp_SignUp refused by the test.",
            ),
        ),
        ("example.com", "invalid", ("InvalidLambdaResponseException", None)),
    ],
    ids=["blocked-domain", "raise", "invalid-answer"],
)
def test_given_pre_sign_up_refuses_when_signing_up_then_cognitos_error_and_no_user(
    triggers_app: TriggersApp, domain: str, behaviour: str | None, expected: tuple[str, Any]
) -> None:
    email = _address(domain)
    with pytest.raises(ClientError) as raised:
        _sign_up(triggers_app, email, behaviour)
    code, message = _refusal(raised)
    assert code == expected[0]
    assert expected[1] is None or message == expected[1]
    assert _user(triggers_app, email) is None
    assert triggers_app.delivered(email) is None  # no code was sent either


def test_given_a_trusted_domain_when_signing_up_then_pre_sign_up_confirms_with_no_code(
    triggers_app: TriggersApp,
) -> None:
    email = _address("trusted.example")
    assert _sign_up(triggers_app, email)["UserConfirmed"] is True
    user = _user(triggers_app, email)
    assert user is not None
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert triggers_app.delivered(email) is None
    assert "AccessToken" in _password_sign_in(triggers_app, email)["AuthenticationResult"]


def test_given_post_confirmation_when_a_sign_up_is_confirmed_then_the_users_row_exists(
    triggers_app: TriggersApp,
) -> None:
    email = _address()
    _sign_up(triggers_app, email)
    user = _user(triggers_app, email)
    assert user is not None
    assert _row(triggers_app, _sub(user)) is None
    delivered = triggers_app.delivered(email)
    assert delivered is not None
    triggers_app.cognito.confirm_sign_up(
        ClientId=triggers_app.client_id, Username=email, ConfirmationCode=delivered["code"]
    )
    assert _row(triggers_app, _sub(user)) == {"sub": _sub(user), "email": email}


def test_given_post_confirmation_raises_when_confirming_then_cognitos_error_and_still_confirmed(
    triggers_app: TriggersApp,
) -> None:
    """As on Cognito, the confirmation happened before the trigger ran: it stays."""
    email = _address()
    _sign_up(triggers_app, email)
    delivered = triggers_app.delivered(email)
    assert delivered is not None
    with pytest.raises(ClientError) as raised:
        triggers_app.cognito.confirm_sign_up(
            ClientId=triggers_app.client_id,
            Username=email,
            ConfirmationCode=delivered["code"],
            ClientMetadata={"behaviour": "raise"},
        )
    assert _refusal(raised) == (
        "UserLambdaValidationException",
        "PostConfirmation failed with error PostConfirmation_ConfirmSignUp refused by the test.",
    )
    user = _user(triggers_app, email)
    assert user is not None
    assert user["UserStatus"] == "CONFIRMED"
    assert _row(triggers_app, _sub(user)) is None


def test_given_pre_authentication_when_a_locked_user_signs_in_then_refused_with_no_tokens(
    triggers_app: TriggersApp,
) -> None:
    email = _address(prefix="locked")
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    with pytest.raises(ClientError) as raised:
        _password_sign_in(triggers_app, email)
    assert _refusal(raised) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error This account is locked.",
    )
    user = _user(triggers_app, email)
    assert user is not None
    assert _row(triggers_app, f"sign-in#{_sub(user)}") is None  # post authentication never ran


def test_given_post_authentication_when_a_user_signs_in_then_the_sign_in_row_exists(
    triggers_app: TriggersApp,
) -> None:
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    user = _user(triggers_app, email)
    assert user is not None
    assert _row(triggers_app, f"sign-in#{_sub(user)}") is None
    _password_sign_in(triggers_app, email)
    row = _row(triggers_app, f"sign-in#{_sub(user)}")
    assert row is not None
    assert row["at"].isdigit()


def _respond(
    app: TriggersApp, challenge: dict[str, Any], responses: Any, behaviour: str | None
) -> dict[str, Any]:
    """RespondToAuthChallenge to `challenge` (its name and session)."""
    answer: dict[str, Any] = app.cognito.respond_to_auth_challenge(
        ClientId=app.client_id,
        ChallengeName=challenge["ChallengeName"],
        Session=challenge.get("Session", ""),
        ChallengeResponses=responses,
        **_metadata(behaviour),
    )
    return answer


def _srp_sign_in(
    app: TriggersApp, email: str, flow: str, behaviour: str | None = None
) -> dict[str, Any]:
    """InitiateAuth with pycognito's SRP_A, then RespondToAuthChallenge with the
    PASSWORD_VERIFIER proof it computes (and ClientMetadata asking for `behaviour`)."""
    srp = AWSSRP(email, PASSWORD, app.pool_id, app.client_id, client=app.cognito)
    parameters = srp.get_auth_params()
    if flow == "CUSTOM_AUTH":
        parameters["CHALLENGE_NAME"] = "SRP_A"
    challenge = app.cognito.initiate_auth(
        ClientId=app.client_id, AuthFlow=flow, AuthParameters=parameters
    )
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    proof = srp.process_challenge(challenge["ChallengeParameters"], parameters)
    return _respond(app, challenge, proof, behaviour)


def test_given_post_authentication_raises_when_a_sign_in_ends_then_cognitos_error_no_tokens(
    triggers_app: TriggersApp,
) -> None:
    """RespondToAuthChallenge's ClientMetadata reaches post authentication (SRP sign-in)."""
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    with pytest.raises(ClientError) as raised:
        _srp_sign_in(triggers_app, email, "USER_SRP_AUTH", "raise")
    assert _refusal(raised) == (
        "UserLambdaValidationException",
        "PostAuthentication failed with error PostAuthentication_Authentication refused by the "
        "test.",
    )
    user = _user(triggers_app, email)
    assert user is not None
    assert _row(triggers_app, f"sign-in#{_sub(user)}") is None


def test_given_custom_message_and_a_custom_email_sender_when_signing_up_then_the_sender_has_it(
    triggers_app: TriggersApp,
) -> None:
    """With a CustomEmailSender attached Cognito sends no e-mail itself, so the CustomMessage
    trigger has no e-mail to brand: the code goes to the sender, the outbox stays empty."""
    email = _address()
    _sign_up(triggers_app, email)
    delivered = triggers_app.delivered(email)
    assert delivered is not None
    assert delivered["source"] == "CustomEmailSender_SignUp"
    assert "Example Co" not in str(delivered)
    messages = read_outbox(triggers_app.endpoint_url, user_pool_id=triggers_app.pool_id)
    assert [m for m in messages if m.destination == email] == []


def test_given_user_migration_when_the_legacy_user_signs_in_then_it_exists_confirmed(
    triggers_app: TriggersApp,
) -> None:
    for email, password in ((LEGACY_USER, "Wrong-Passw0rd!"), (_address("legacy.example"), "x")):
        with pytest.raises(ClientError) as raised:  # the client hides user existence
            _password_sign_in(triggers_app, email, password)
        assert _refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")
        assert _user(triggers_app, email) is None
    tokens = _password_sign_in(triggers_app, LEGACY_USER, LEGACY_PASSWORD)
    assert "AccessToken" in tokens["AuthenticationResult"]
    user = _user(triggers_app, LEGACY_USER)
    assert user is not None
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    again = _password_sign_in(triggers_app, LEGACY_USER, LEGACY_PASSWORD)  # now a pool user
    assert "AccessToken" in again["AuthenticationResult"]


def test_given_user_migration_answers_no_user_when_a_password_is_forgotten_then_invalid_response(
    triggers_app: TriggersApp,
) -> None:
    """ForgotPassword's ClientMetadata reaches UserMigration_ForgotPassword."""
    email = _address("legacy.example")
    with pytest.raises(ClientError) as raised:
        triggers_app.cognito.forgot_password(
            ClientId=triggers_app.client_id, Username=email, **_metadata("invalid")
        )
    assert _refusal(raised)[0] == "InvalidLambdaResponseException"
    assert _user(triggers_app, email) is None
    assert triggers_app.delivered(email) is None


def _question(app: TriggersApp, email: str) -> dict[str, Any]:
    challenge: dict[str, Any] = app.cognito.initiate_auth(
        ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email}
    )
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert challenge["ChallengeParameters"]["question"] == QUESTION
    return challenge


def _answer(
    app: TriggersApp, email: str, session: str, answer: str, behaviour: str | None = None
) -> dict[str, Any]:
    challenge = {"ChallengeName": "CUSTOM_CHALLENGE", "Session": session}
    return _respond(app, challenge, {"USERNAME": email, "ANSWER": answer}, behaviour)


def test_given_the_custom_auth_triggers_when_42_is_answered_then_tokens_carry_the_tenant(
    triggers_app: TriggersApp,
) -> None:
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    wrong = _answer(triggers_app, email, _question(triggers_app, email)["Session"], "41")
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"  # define asks again
    tokens = _answer(triggers_app, email, wrong["Session"], "42")["AuthenticationResult"]
    assert jwt_claims(tokens["IdToken"])["tenant"] == "example"
    assert jwt_claims(tokens["AccessToken"])["tenant"] == "example"


def test_given_the_custom_auth_triggers_when_every_answer_is_wrong_then_not_authorized(
    triggers_app: TriggersApp,
) -> None:
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    session = _question(triggers_app, email)["Session"]
    for _ in range(2):
        session = _answer(triggers_app, email, session, "41")["Session"]
    with pytest.raises(ClientError) as raised:
        _answer(triggers_app, email, session, "41")  # define's third strike fails it
    assert _refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (
            "raise",
            (
                "UserLambdaValidationException",
                "VerifyAuthChallengeResponse failed with error "
                "VerifyAuthChallengeResponse_Authentication refused by the test.",
            ),
        ),
        ("invalid", ("InvalidLambdaResponseException", None)),
    ],
)
def test_given_a_custom_auth_trigger_fails_when_answering_then_cognitos_error_no_tokens(
    triggers_app: TriggersApp, behaviour: str, expected: tuple[str, Any]
) -> None:
    """RespondToAuthChallenge's ClientMetadata reaches verify first, which fails so."""
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    session = _question(triggers_app, email)["Session"]
    with pytest.raises(ClientError) as raised:
        _answer(triggers_app, email, session, "42", behaviour)
    code, message = _refusal(raised)
    assert code == expected[0]
    assert expected[1] is None or message == expected[1]


def test_given_custom_auth_with_srp_a_when_the_proof_and_42_are_given_then_tokens(
    triggers_app: TriggersApp,
) -> None:
    """pycognito's AWSSRP computes the PASSWORD_VERIFIER proof; the question follows it."""
    email = _address()
    create_user(triggers_app.cognito, triggers_app.pool_id, email, PASSWORD)
    custom = _srp_sign_in(triggers_app, email, "CUSTOM_AUTH")
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert custom["ChallengeParameters"]["question"] == QUESTION
    tokens = _answer(triggers_app, email, custom["Session"], "42")["AuthenticationResult"]
    assert jwt_claims(tokens["AccessToken"])["tenant"] == "example"
