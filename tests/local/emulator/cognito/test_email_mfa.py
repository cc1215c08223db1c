"""E-mail MFA as a second factor, driven with boto3: a pool with EmailMfaConfiguration, a user
who turns it on with SetUserMFAPreference, and the EMAIL_OTP challenge after the password (or
SELECT_MFA_TYPE when TOTP is on too) with its code in the outbox."""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.user_auth_pool import (
    ALL_FACTORS,
    PASSWORD,
    UserAuthPool,
    refused,
    wrong,
)
from tests.local.emulator.conftest import AwsClient

SUBJECT, TEMPLATE = "Your sign-in code", "Sign in with {####} within 3 minutes."
SES = {
    "EmailSendingAccount": "DEVELOPER",
    "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
    "From": "no-reply@example.com",
}
WRONG_CODE = ("CodeMismatchException", "Invalid code or auth state for the user.")


@pytest.fixture(scope="module")
def pool(emulator: EmulatorProcess, aws: AwsClient) -> UserAuthPool:
    """A pool allowing every first factor, sending e-mail through SES (as e-mail MFA needs),
    with optional MFA by TOTP or e-mail."""
    return _email_mfa_pool(emulator, aws, ALL_FACTORS, "OPTIONAL")


def _email_mfa_pool(
    emulator: EmulatorProcess, aws: AwsClient, factors: list[str], mode: str
) -> UserAuthPool:
    """A pool (e-mail sign-in names) allowing `factors`, sending e-mail through SES (as e-mail
    MFA needs), with MFA `mode` by TOTP or e-mail."""
    made = UserAuthPool.create(emulator.endpoint_url, aws, factors, EmailConfiguration=SES)
    made.cognito.set_user_pool_mfa_config(
        UserPoolId=made.pool_id,
        MfaConfiguration=mode,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={"Message": TEMPLATE, "Subject": SUBJECT},
    )
    return made


def _password_sign_in(pool: UserAuthPool, email: str) -> Any:
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )


def _access_token(pool: UserAuthPool, email: str) -> str:
    return str(_password_sign_in(pool, email)["AuthenticationResult"]["AccessToken"])


def _email_mfa_user(pool: UserAuthPool, *, preferred: bool = True) -> str:
    email = pool.user()
    pool.cognito.set_user_mfa_preference(
        AccessToken=_access_token(pool, email),
        EmailMfaSettings={"Enabled": True, "PreferredMfa": preferred},
    )
    return email


def test_set_user_mfa_preference_turns_email_mfa_on(pool: UserAuthPool) -> None:
    """GIVEN a user WHEN SetUserMFAPreference enables and prefers e-mail MFA THEN GetUser and
    AdminGetUser list EMAIL_OTP in UserMFASettingList and as PreferredMfaSetting."""
    email = _email_mfa_user(pool)
    admin = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    assert admin["UserMFASettingList"] == ["EMAIL_OTP"]
    assert admin["PreferredMfaSetting"] == "EMAIL_OTP"


def test_after_the_password_the_user_answers_an_emailed_code(pool: UserAuthPool) -> None:
    """GIVEN a user with e-mail MFA WHEN USER_PASSWORD_AUTH has the right password THEN
    ChallengeName EMAIL_OTP with the masked address and no tokens; an `email_mfa` message in
    the pool's words; a wrong code is CodeMismatchException, the right one gives tokens."""
    email = _email_mfa_user(pool)
    answer = _password_sign_in(pool, email)
    assert answer["ChallengeName"] == "EMAIL_OTP"
    assert "AuthenticationResult" not in answer
    assert answer["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    message = pool.messages(email, "email_mfa")[-1]
    assert message.subject == SUBJECT
    assert message.message == TEMPLATE.replace("{####}", message.code)
    error = refused(
        lambda: pool.respond("EMAIL_OTP", answer["Session"], email, EMAIL_OTP_CODE=wrong("1"))
    )
    assert error == WRONG_CODE
    done = pool.respond("EMAIL_OTP", answer["Session"], email, EMAIL_OTP_CODE=message.code)
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_user_with_mfa_is_offered_no_passwordless_factor(pool: UserAuthPool) -> None:
    """GIVEN a user with e-mail MFA WHEN USER_AUTH THEN SELECT_CHALLENGE offers only the
    password ones; PASSWORD then asks for the e-mailed code."""
    email = _email_mfa_user(pool)
    answer = pool.start(email)
    assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    mfa = pool.choose_password(answer["Session"], email)
    assert mfa["ChallengeName"] == "EMAIL_OTP"
    code = pool.last_code(email, "email_mfa")
    done = pool.respond("EMAIL_OTP", mfa["Session"], email, EMAIL_OTP_CODE=code)
    assert done["AuthenticationResult"]["IdToken"]


def _with_totp(pool: UserAuthPool, email: str) -> pyotp.TOTP:
    """Enrol a TOTP authenticator too (no preference between the two)."""
    access = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="EMAIL_OTP",
        Session=_password_sign_in(pool, email)["Session"],
        ChallengeResponses={
            "USERNAME": email,
            "EMAIL_OTP_CODE": pool.last_code(email, "email_mfa"),
        },
    )["AuthenticationResult"]["AccessToken"]
    totp = pyotp.TOTP(pool.cognito.associate_software_token(AccessToken=access)["SecretCode"])
    pool.cognito.verify_software_token(AccessToken=access, UserCode=totp.now())
    pool.cognito.set_user_mfa_preference(
        AccessToken=access,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
        EmailMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    return totp


def test_with_totp_and_email_and_no_preference_the_user_selects(pool: UserAuthPool) -> None:
    """GIVEN a user with TOTP and e-mail MFA and no preference WHEN the password is right THEN
    SELECT_MFA_TYPE with MFAS_CAN_CHOOSE naming both; ANSWER EMAIL_OTP sends a code that
    signs in; ANSWER SOFTWARE_TOKEN_MFA asks for a TOTP code that signs in."""
    email = _email_mfa_user(pool, preferred=False)
    totp = _with_totp(pool, email)
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    assert sorted(user["UserMFASettingList"]) == ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"]
    answer = _password_sign_in(pool, email)
    assert answer["ChallengeName"] == "SELECT_MFA_TYPE"
    choices = json.loads(answer["ChallengeParameters"]["MFAS_CAN_CHOOSE"])
    assert sorted(choices) == ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"]
    mfa = pool.respond("SELECT_MFA_TYPE", answer["Session"], email, ANSWER="EMAIL_OTP")
    assert mfa["ChallengeName"] == "EMAIL_OTP"
    code = pool.last_code(email, "email_mfa")
    assert pool.respond("EMAIL_OTP", mfa["Session"], email, EMAIL_OTP_CODE=code)
    again = _password_sign_in(pool, email)
    step = pool.respond("SELECT_MFA_TYPE", again["Session"], email, ANSWER="SOFTWARE_TOKEN_MFA")
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = pool.respond(
        "SOFTWARE_TOKEN_MFA",
        step["Session"],
        email,
        SOFTWARE_TOKEN_MFA_CODE=totp.at(time.time() + 30),
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_bad_mfa_selection_is_invalid_parameter(pool: UserAuthPool) -> None:
    """GIVEN SELECT_MFA_TYPE WHEN ANSWER is SMS_MFA (not enabled) THEN
    InvalidParameterException."""
    email = _email_mfa_user(pool, preferred=False)
    _with_totp(pool, email)
    session = _password_sign_in(pool, email)["Session"]
    error = refused(lambda: pool.respond("SELECT_MFA_TYPE", session, email, ANSWER="SMS_MFA"))
    assert error[0] == "InvalidParameterException"


def test_turning_email_mfa_off_signs_in_with_the_password_alone(pool: UserAuthPool) -> None:
    """GIVEN a user with e-mail MFA WHEN AdminSetUserMFAPreference disables it THEN the
    password alone gives tokens and UserMFASettingList is empty."""
    email = _email_mfa_user(pool)
    pool.cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.pool_id,
        Username=email,
        EmailMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    assert _password_sign_in(pool, email)["AuthenticationResult"]["AccessToken"]
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=email)
    assert user["UserMFASettingList"] == []
    assert user["PreferredMfaSetting"] == ""


def test_email_mfa_needs_the_pools_email_mfa(emulator: EmulatorProcess, aws: AwsClient) -> None:
    """GIVEN a pool without EmailMfaConfiguration WHEN a user enables e-mail MFA THEN
    InvalidParameterException, and the password alone still signs in."""
    plain = UserAuthPool.create(emulator.endpoint_url, aws, ALL_FACTORS)
    email = plain.user()
    error = refused(
        lambda: plain.cognito.set_user_mfa_preference(
            AccessToken=_access_token(plain, email),
            EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    )
    assert error[0] == "InvalidParameterException"
    assert _password_sign_in(plain, email)["AuthenticationResult"]


def test_mfa_setup_offers_email_and_enrols_the_address_the_user_gives(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool requiring MFA, by TOTP or e-mail WHEN a user without MFA signs in with its
    password THEN MFA_SETUP offers both; EMAIL with a bad address is InvalidParameterException,
    with an address a code goes there (EMAIL_OTP), and the right code signs in and leaves
    e-mail MFA on with that address verified (the user's e-mail, here its sign-in name too)."""
    required = _email_mfa_pool(emulator, aws, ["PASSWORD"], "ON")
    email = required.user()
    answer = _password_sign_in(required, email)
    assert answer["ChallengeName"] == "MFA_SETUP"
    offered = json.loads(answer["ChallengeParameters"]["MFAS_CAN_SETUP"])
    assert offered == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    error = refused(lambda: required.respond("MFA_SETUP", answer["Session"], email, EMAIL="no"))
    assert error == ("InvalidParameterException", "Invalid email address format.")
    address = "mfa-" + email
    code_step = required.respond("MFA_SETUP", answer["Session"], email, EMAIL=address)
    assert code_step["ChallengeName"] == "EMAIL_OTP"
    assert code_step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "m***@e***"
    code = required.last_code(address, "email_mfa")
    done = required.respond("EMAIL_OTP", code_step["Session"], email, EMAIL_OTP_CODE=code)
    assert done["AuthenticationResult"]["AccessToken"]
    user = required.cognito.admin_get_user(UserPoolId=required.pool_id, Username=address)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (attributes["email"], attributes["email_verified"]) == (address, "true")
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]


def test_mfa_setup_refuses_another_users_email_address(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool requiring MFA whose users sign in with their e-mail WHEN a user's MFA_SETUP
    names another user's address as EMAIL THEN AliasExistsException, no code goes to that
    address, and the other user keeps the only account with it (no second account takes over
    its sign-in name)."""
    required = _email_mfa_pool(emulator, aws, ["PASSWORD"], "ON")
    victim, attacker = required.user(), required.user()
    answer = _password_sign_in(required, attacker)
    error = refused(
        lambda: required.respond("MFA_SETUP", answer["Session"], attacker, EMAIL=victim)
    )
    assert error == ("AliasExistsException", "An account with the given email already exists.")
    assert required.messages(victim, "email_mfa") == []
    users = required.cognito.list_users(UserPoolId=required.pool_id, Filter=f'email = "{victim}"')
    assert len(users["Users"]) == 1
