"""Choice-based sign-in (InitiateAuth USER_AUTH) as Cognito answers it, driven with boto3:
SELECT_CHALLENGE lists only what the choice_pool allows and the user can answer, a usable preference
goes straight to its challenge, PASSWORD and PASSWORD_SRP sign in, and every refusal is
Cognito's error without tokens."""

from __future__ import annotations

import base64
import secrets

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller import EmulatorProcess
from local.emulator.server.cognito import srp
from tests.local.emulator.cognito.conftest import LocalPool
from tests.local.emulator.cognito.test_client_rules import _secret_hash
from tests.local.emulator.cognito.test_srp import _answer as srp_answer
from tests.local.emulator.cognito.user_auth_pool import (
    INVALID_SESSION,
    PASSWORD,
    UserAuthPool,
    error_of,
    refused,
)
from tests.local.emulator.conftest import AwsClient


def test_without_a_preference_the_user_chooses_among_what_it_can_answer(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a choice_pool allowing every factor and a user with a password and an e-mail (no phone,
    no passkey) WHEN USER_AUTH names no preference THEN SELECT_CHALLENGE offers PASSWORD,
    PASSWORD_SRP and EMAIL_OTP only, with a Session and no tokens."""
    email = choice_pool.user()
    answer = choice_pool.start(email)
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    assert answer["Session"]
    assert "AuthenticationResult" not in answer


def test_a_preference_the_user_cannot_answer_gets_the_choice(choice_pool: UserAuthPool) -> None:
    """GIVEN a user without a passkey or phone WHEN USER_AUTH prefers WEB_AUTHN, or SMS_OTP
    THEN SELECT_CHALLENGE without WEB_AUTHN or SMS_OTP."""
    email = choice_pool.user()
    for preferred in ("WEB_AUTHN", "SMS_OTP"):
        answer = choice_pool.start(email, PREFERRED_CHALLENGE=preferred)
        assert answer["ChallengeName"] == "SELECT_CHALLENGE"
        assert preferred not in answer["AvailableChallenges"]


def test_the_pool_offers_only_its_allowed_first_factors(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a choice_pool with no SignInPolicy (Cognito's default: passwords only) WHEN a user with
    an e-mail prefers EMAIL_OTP THEN SELECT_CHALLENGE offers only PASSWORD and PASSWORD_SRP,
    and choosing EMAIL_OTP is InvalidParameterException."""
    passwords_only = UserAuthPool.create(emulator.endpoint_url, aws, None)
    email = passwords_only.user()
    answer = passwords_only.start(email, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    with pytest.raises(ClientError) as raised:
        passwords_only.respond("SELECT_CHALLENGE", answer["Session"], email, ANSWER="EMAIL_OTP")
    assert error_of(raised.value)[0] == "InvalidParameterException"
    assert passwords_only.messages(email, "email_otp") == []


def test_preferred_password_signs_in_at_once(choice_pool: UserAuthPool) -> None:
    """GIVEN a user WHEN USER_AUTH prefers PASSWORD with the right password THEN tokens for
    that user."""
    email = choice_pool.user()
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    tokens = answer["AuthenticationResult"]
    assert all(tokens[k] for k in ("IdToken", "AccessToken", "RefreshToken"))
    user = choice_pool.cognito.get_user(AccessToken=tokens["AccessToken"])
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email


def test_a_wrong_password_is_refused_and_counts_towards_the_lockout(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a user WHEN USER_AUTH PASSWORD gets a wrong password five times THEN "Incorrect
    username or password." each time, then "Password attempts exceeded" even for the right
    one (the lockout every password flow shares)."""
    email = choice_pool.user()
    for _ in range(5):
        with pytest.raises(ClientError) as raised:
            choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD + "x")
        assert error_of(raised.value) == (
            "NotAuthorizedException",
            "Incorrect username or password.",
        )
    with pytest.raises(ClientError) as raised:
        choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert error_of(raised.value) == ("NotAuthorizedException", "Password attempts exceeded")


def test_choosing_password_with_the_password_signs_in(choice_pool: UserAuthPool) -> None:
    """GIVEN SELECT_CHALLENGE WHEN the answer is PASSWORD with the password (as Amplify sends
    it) THEN tokens; the same Session again THEN "Invalid session for the user."."""
    email = choice_pool.user()
    session = choice_pool.start(email)["Session"]
    answer = choice_pool.choose_password(session, email)
    assert answer["AuthenticationResult"]["AccessToken"]
    assert refused(lambda: choice_pool.choose_password(session, email)) == INVALID_SESSION


def test_preferred_password_without_it_poses_the_password_challenge(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a user WHEN USER_AUTH prefers PASSWORD without PASSWORD THEN ChallengeName
    PASSWORD; answering it without PASSWORD is InvalidParameterException, with it tokens."""
    email = choice_pool.user()
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD")
    assert answer["ChallengeName"] == "PASSWORD"
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("PASSWORD", answer["Session"], email)
    assert error_of(raised.value) == (
        "InvalidParameterException",
        "Missing required parameter PASSWORD",
    )
    signed_in = choice_pool.respond("PASSWORD", answer["Session"], email, PASSWORD=PASSWORD)
    assert signed_in["AuthenticationResult"]["IdToken"]


def test_preferred_password_srp_answers_the_password_verifier(choice_pool: UserAuthPool) -> None:
    """GIVEN a user WHEN USER_AUTH prefers PASSWORD_SRP with SRP_A (as Amplify does) THEN
    PASSWORD_VERIFIER, and the SDKs' proof of the password signs in."""
    email = choice_pool.user()
    a_secret = int.from_bytes(secrets.token_bytes(32), "big")
    srp_a = format(pow(srp.G, a_secret, srp.N), "x")
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=srp_a)
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    as_srp_pool = LocalPool(
        choice_pool.endpoint_url, choice_pool.cognito, choice_pool.pool_id, choice_pool.client_id
    )
    proof = srp_answer(as_srp_pool, answer, a=pow(srp.G, a_secret, srp.N), a_secret=a_secret)
    signed_in = choice_pool.cognito.respond_to_auth_challenge(
        ClientId=choice_pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=answer["Session"],
        ChallengeResponses=proof,
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_choosing_password_srp_answers_the_password_verifier(choice_pool: UserAuthPool) -> None:
    """GIVEN SELECT_CHALLENGE WHEN the answer is PASSWORD_SRP with SRP_A THEN
    PASSWORD_VERIFIER with the SRP parameters."""
    email = choice_pool.user()
    session = choice_pool.start(email)["Session"]
    srp_a = format(pow(srp.G, 12345, srp.N), "x")
    answer = choice_pool.respond(
        "SELECT_CHALLENGE", session, email, ANSWER="PASSWORD_SRP", SRP_A=srp_a
    )
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {"SALT", "SECRET_BLOCK", "SRP_B", "USER_ID_FOR_SRP"} <= set(
        answer["ChallengeParameters"]
    )
    base64.b64decode(answer["ChallengeParameters"]["SECRET_BLOCK"], validate=True)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, "InvalidParameterException"),
        ({"ANSWER": "NOT_A_CHALLENGE"}, "InvalidParameterException"),
        ({"ANSWER": "WEB_AUTHN"}, "InvalidParameterException"),  # not offered: no passkey
        ({"ANSWER": "SMS_OTP"}, "InvalidParameterException"),  # not offered: no phone
    ],
)
def test_a_bad_selection_is_invalid_parameter_and_the_session_survives(
    choice_pool: UserAuthPool, answers: dict[str, str], expected: str
) -> None:
    """GIVEN SELECT_CHALLENGE WHEN the answer is missing, unknown or not offered THEN
    InvalidParameterException, and the Session still takes a good answer."""
    email = choice_pool.user()
    session = choice_pool.start(email)["Session"]
    with pytest.raises(ClientError) as raised:
        choice_pool.respond("SELECT_CHALLENGE", session, email, **answers)
    assert error_of(raised.value)[0] == expected
    answer = choice_pool.choose_password(session, email)
    assert answer["AuthenticationResult"]["AccessToken"]


def test_an_unknown_preferred_challenge_is_invalid_parameter(choice_pool: UserAuthPool) -> None:
    """GIVEN a user WHEN PREFERRED_CHALLENGE is not a challenge name THEN
    InvalidParameterException."""
    email = choice_pool.user()
    with pytest.raises(ClientError) as raised:
        choice_pool.start(email, PREFERRED_CHALLENGE="MAGIC_LINK")
    assert error_of(raised.value)[0] == "InvalidParameterException"


def test_a_client_without_allow_user_auth_is_refused(choice_pool: UserAuthPool) -> None:
    """GIVEN a client whose ExplicitAuthFlows leave out ALLOW_USER_AUTH WHEN InitiateAuth
    USER_AUTH THEN InvalidParameterException, as for any flow the client does not allow."""
    email = choice_pool.user()
    client_id = choice_pool.new_client(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with pytest.raises(ClientError) as raised:
        choice_pool.start(email, client_id)
    assert error_of(raised.value) == (
        "InvalidParameterException",
        "USER_AUTH flow not enabled for this client",
    )


def test_a_session_answers_only_through_its_own_client(choice_pool: UserAuthPool) -> None:
    """GIVEN a SELECT_CHALLENGE Session of one client WHEN another client of the choice_pool answers
    with it THEN "Invalid session for the user."."""
    email = choice_pool.user()
    session = choice_pool.start(email)["Session"]
    other = choice_pool.new_client()
    with pytest.raises(ClientError) as raised:
        choice_pool.cognito.respond_to_auth_challenge(
            ClientId=other,
            ChallengeName="SELECT_CHALLENGE",
            Session=session,
            ChallengeResponses={"USERNAME": email, "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
        )
    assert error_of(raised.value) == INVALID_SESSION


def test_an_unknown_or_made_up_session_is_refused(choice_pool: UserAuthPool) -> None:
    """GIVEN no sign-in WHEN SELECT_CHALLENGE is answered with a made-up Session THEN
    "Invalid session for the user."."""
    email = choice_pool.user()
    assert refused(lambda: choice_pool.choose_password("x" * 64, email)) == INVALID_SESSION


def test_the_session_is_for_its_user_only(choice_pool: UserAuthPool) -> None:
    """GIVEN one user's SELECT_CHALLENGE Session WHEN answered naming another user (with that
    user's password) THEN "Invalid session for the user."."""
    first, second = choice_pool.user(), choice_pool.user()
    session = choice_pool.start(first)["Session"]
    assert refused(lambda: choice_pool.choose_password(session, second)) == INVALID_SESSION


def test_disabled_and_unconfirmed_users_are_refused_before_any_challenge(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a disabled user and an unconfirmed one WHEN USER_AUTH THEN "User is disabled."
    and UserNotConfirmedException, as in the other flows."""
    disabled = choice_pool.user()
    choice_pool.cognito.admin_disable_user(UserPoolId=choice_pool.pool_id, Username=disabled)
    with pytest.raises(ClientError) as raised:
        choice_pool.start(disabled)
    assert error_of(raised.value) == ("NotAuthorizedException", "User is disabled.")
    unconfirmed = "unconfirmed-" + disabled
    choice_pool.cognito.sign_up(
        ClientId=choice_pool.client_id,
        Username=unconfirmed,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": unconfirmed}],
    )
    with pytest.raises(ClientError) as raised:
        choice_pool.start(unconfirmed)
    assert error_of(raised.value)[0] == "UserNotConfirmedException"


def test_an_unknown_user_gets_a_decoy_that_never_signs_in(choice_pool: UserAuthPool) -> None:
    """GIVEN a client preventing user-existence errors WHEN an unknown name runs USER_AUTH
    THEN SELECT_CHALLENGE like a user's; its password is refused as a wrong one."""
    unknown = "nobody-" + choice_pool.user()
    answer = choice_pool.start(unknown)
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    with pytest.raises(ClientError) as raised:
        choice_pool.respond(
            "SELECT_CHALLENGE", answer["Session"], unknown, ANSWER="PASSWORD", PASSWORD=PASSWORD
        )
    assert error_of(raised.value) == ("NotAuthorizedException", "Incorrect username or password.")


def test_an_unknown_user_is_named_when_the_client_allows_it(choice_pool: UserAuthPool) -> None:
    """GIVEN a client that does not prevent user-existence errors WHEN an unknown name runs
    USER_AUTH THEN UserNotFoundException."""
    client_id = choice_pool.new_client(PreventUserExistenceErrors="LEGACY")
    with pytest.raises(ClientError) as raised:
        choice_pool.start("nobody-" + choice_pool.user(), client_id)
    assert error_of(raised.value)[0] == "UserNotFoundException"


def test_admin_initiate_auth_runs_the_same_choice(choice_pool: UserAuthPool) -> None:
    """GIVEN a user WHEN AdminInitiateAuth USER_AUTH, then AdminRespondToAuthChallenge
    SELECT_CHALLENGE with PASSWORD THEN the same choice, then tokens."""
    email = choice_pool.user()
    answer = choice_pool.cognito.admin_initiate_auth(
        UserPoolId=choice_pool.pool_id,
        ClientId=choice_pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email},
    )
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    signed_in = choice_pool.cognito.admin_respond_to_auth_challenge(
        UserPoolId=choice_pool.pool_id,
        ClientId=choice_pool.client_id,
        ChallengeName="SELECT_CHALLENGE",
        Session=answer["Session"],
        ChallengeResponses={"USERNAME": email, "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
    )
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_a_client_with_a_secret_needs_its_secret_hash_at_every_step(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a client with a secret WHEN USER_AUTH has no SECRET_HASH THEN "Unable to verify
    secret hash for client <id>"; with it SELECT_CHALLENGE, whose answer without it is refused
    the same way and with it signs in."""
    email = choice_pool.user()
    client_id = choice_pool.new_client(GenerateSecret=True)
    secret = choice_pool.cognito.describe_user_pool_client(
        UserPoolId=choice_pool.pool_id, ClientId=client_id
    )["UserPoolClient"]["ClientSecret"]
    secret_hash = _secret_hash(secret, client_id, email)
    refusal = ("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")
    assert refused(lambda: choice_pool.start(email, client_id)) == refusal
    session = choice_pool.start(email, client_id, SECRET_HASH=secret_hash)["Session"]
    answers = {"USERNAME": email, "ANSWER": "PASSWORD", "PASSWORD": PASSWORD}

    def respond(**extra: str) -> object:
        return choice_pool.cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SELECT_CHALLENGE",
            Session=session,
            ChallengeResponses=answers | extra,
        )

    assert refused(respond) == refusal
    assert respond(SECRET_HASH=secret_hash)
