"""Passwordless sign-up as Cognito answers it, driven with boto3: SignUp without a password
where the pool allows a passwordless first factor, ConfirmSignUp's Session signing the user in
once through USER_AUTH (Amplify's autoSignIn), and a user without a password never signing in
with one."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from pycognito.aws_srp import AWSSRP

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import latest_code
from tests.local.emulator.cognito.user_auth_pool import (
    INVALID_SESSION,
    PASSWORD,
    UserAuthPool,
    refused,
)
from tests.local.emulator.conftest import AwsClient


def _sign_up(pool: UserAuthPool, *extra: dict[str, str]) -> tuple[str, Any]:
    """SignUp of a new passwordless user with an e-mail (and `extra` attributes): its e-mail
    and SignUp's answer."""
    email = f"pl-{uuid.uuid4().hex[:10]}@example.com"
    answer = pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, *extra],
    )
    return email, answer


def _signed_up(pool: UserAuthPool) -> tuple[str, str]:
    """A new passwordless user, signed up (not confirmed): its e-mail and SignUp's Session."""
    email, answer = _sign_up(pool)
    assert answer["UserConfirmed"] is False
    return email, answer["Session"]


def _confirmed(pool: UserAuthPool) -> tuple[str, str]:
    """A new passwordless user, confirmed: its e-mail and ConfirmSignUp's Session."""
    email, _ = _signed_up(pool)
    code = latest_code(pool.endpoint_url, email)
    answer = pool.cognito.confirm_sign_up(
        ClientId=pool.client_id, Username=email, ConfirmationCode=code
    )
    return email, answer["Session"]


def _session_sign_in(pool: UserAuthPool, email: str, session: str, client: str = "") -> Any:
    return pool.cognito.initiate_auth(
        ClientId=client or pool.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": email},
        Session=session,
    )


def _password_sign_in(pool: UserAuthPool, email: str, password: str) -> Any:
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )


def test_confirm_sign_up_answers_a_session_that_signs_in_once(choice_pool: UserAuthPool) -> None:
    """GIVEN a passwordless SignUp confirmed with its code WHEN USER_AUTH gets ConfirmSignUp's
    Session THEN tokens for the user, without another code; the Session again THEN "Invalid
    session for the user."."""
    email, session = _confirmed(choice_pool)
    answer = _session_sign_in(choice_pool, email, session)
    access = answer["AuthenticationResult"]["AccessToken"]
    user = choice_pool.cognito.get_user(AccessToken=access)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email
    assert choice_pool.messages(email, "email_otp") == []
    assert refused(lambda: _session_sign_in(choice_pool, email, session)) == INVALID_SESSION


def test_sign_up_session_may_go_to_confirm_sign_up(choice_pool: UserAuthPool) -> None:
    """GIVEN SignUp's Session WHEN ConfirmSignUp sends it back with the code THEN the user is
    confirmed and the answer's Session signs in."""
    email, sign_up_session = _signed_up(choice_pool)
    answer = choice_pool.cognito.confirm_sign_up(
        ClientId=choice_pool.client_id,
        Username=email,
        ConfirmationCode=latest_code(choice_pool.endpoint_url, email),
        Session=sign_up_session,
    )
    assert _session_sign_in(choice_pool, email, answer["Session"])


def test_another_users_sign_up_session_does_not_confirm(choice_pool: UserAuthPool) -> None:
    """GIVEN two sign-ups WHEN ConfirmSignUp for one sends the other's Session THEN "Invalid
    session for the user." and the user stays UNCONFIRMED."""
    email, _ = _signed_up(choice_pool)
    _, other_session = _signed_up(choice_pool)
    code = latest_code(choice_pool.endpoint_url, email)
    error = refused(
        lambda: choice_pool.cognito.confirm_sign_up(
            ClientId=choice_pool.client_id,
            Username=email,
            ConfirmationCode=code,
            Session=other_session,
        )
    )
    assert error == INVALID_SESSION
    user = choice_pool.cognito.admin_get_user(UserPoolId=choice_pool.pool_id, Username=email)
    assert user["UserStatus"] == "UNCONFIRMED"


def test_the_session_signs_in_only_its_user_through_its_client(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN ConfirmSignUp's Session WHEN USER_AUTH names another user, or comes through
    another client THEN "Invalid session for the user." (and the Session is spent)."""
    email, session = _confirmed(choice_pool)
    other = choice_pool.user()
    assert refused(lambda: _session_sign_in(choice_pool, other, session)) == INVALID_SESSION
    email, session = _confirmed(choice_pool)
    other_client = choice_pool.new_client()
    error = refused(lambda: _session_sign_in(choice_pool, email, session, other_client))
    assert error == INVALID_SESSION
    assert refused(lambda: _session_sign_in(choice_pool, email, session)) == INVALID_SESSION


def test_a_made_up_session_does_not_sign_in(choice_pool: UserAuthPool) -> None:
    """GIVEN a confirmed user WHEN USER_AUTH gets a made-up Session THEN "Invalid session for
    the user."."""
    email = choice_pool.user()
    assert refused(lambda: _session_sign_in(choice_pool, email, "x" * 64)) == INVALID_SESSION


def test_a_passwordless_user_is_offered_only_codes(choice_pool: UserAuthPool) -> None:
    """GIVEN a passwordless user WHEN USER_AUTH prefers PASSWORD THEN SELECT_CHALLENGE offering
    EMAIL_OTP only, and its code signs in."""
    email, _ = _confirmed(choice_pool)
    answer = choice_pool.start(email, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    assert answer["AvailableChallenges"] == ["EMAIL_OTP"]
    otp = choice_pool.respond("SELECT_CHALLENGE", answer["Session"], email, ANSWER="EMAIL_OTP")
    code = choice_pool.last_code(email, "email_otp")
    signed_in = choice_pool.respond("EMAIL_OTP", otp["Session"], email, EMAIL_OTP_CODE=code)
    assert signed_in["AuthenticationResult"]["AccessToken"]


def test_a_passwordless_user_never_signs_in_with_a_password(choice_pool: UserAuthPool) -> None:
    """GIVEN a passwordless user WHEN USER_PASSWORD_AUTH with an empty or any password THEN
    "Incorrect username or password."."""
    email, _ = _confirmed(choice_pool)
    for password in ("", PASSWORD):
        error = refused(partial(_password_sign_in, choice_pool, email, password))
        assert error == ("NotAuthorizedException", "Incorrect username or password.")


def test_sign_up_without_a_password_needs_a_passwordless_factor(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool allowing only passwords WHEN SignUp has no Password THEN
    InvalidParameterException, and no user is made."""
    passwords_only = UserAuthPool.create(emulator.endpoint_url, aws, ["PASSWORD"])
    email = f"pl-{uuid.uuid4().hex[:10]}@example.com"
    error = refused(
        lambda: passwords_only.cognito.sign_up(
            ClientId=passwords_only.client_id,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    )
    assert error[0] == "InvalidParameterException"
    users = passwords_only.cognito.list_users(UserPoolId=passwords_only.pool_id)["Users"]
    assert users == []


def test_a_passwordless_user_never_proves_an_empty_password_with_srp(
    choice_pool: UserAuthPool,
) -> None:
    """GIVEN a passwordless user WHEN pycognito runs USER_SRP_AUTH with an empty password
    (what a verifier made from no password would accept) THEN "Incorrect username or
    password."."""
    email, _ = _confirmed(choice_pool)
    srp_client = AWSSRP(
        username=email,
        password="",
        pool_id=choice_pool.pool_id,
        client_id=choice_pool.client_id,
        client=choice_pool.cognito,
    )
    error = refused(srp_client.authenticate_user)
    assert error == ("NotAuthorizedException", "Incorrect username or password.")


def test_sign_up_says_where_the_code_went(choice_pool: UserAuthPool) -> None:
    """GIVEN a pool that auto-verifies e-mail (no recovery setting) WHEN a user signs up with
    an e-mail and a phone number THEN CodeDeliveryDetails names the e-mail the code went to,
    masked (moto answered SMS to a made-up number)."""
    email, answer = _sign_up(choice_pool, {"Name": "phone_number", "Value": "+15555550199"})
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "p***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert choice_pool.messages(email, "signup")


def test_the_sign_up_session_does_not_skip_the_mfa_a_pool_requires(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool requiring MFA (TOTP) that allows EMAIL_OTP, and a user confirmed with
    ConfirmSignUp WHEN USER_AUTH gets ConfirmSignUp's Session THEN the MFA_SETUP challenge a
    password sign-in gets, not tokens: the confirmation code is only the first factor."""
    required = UserAuthPool.create(emulator.endpoint_url, aws, ["PASSWORD", "EMAIL_OTP"])
    required.cognito.set_user_pool_mfa_config(
        UserPoolId=required.pool_id,
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    email, _ = _sign_up(required)
    code = latest_code(required.endpoint_url, email)
    confirmed = required.cognito.confirm_sign_up(
        ClientId=required.client_id, Username=email, ConfirmationCode=code
    )
    answer = _session_sign_in(required, email, confirmed["Session"])
    assert answer["ChallengeName"] == "MFA_SETUP"
    assert "AuthenticationResult" not in answer


def test_sign_up_without_a_password_needs_what_passwordless_sign_in_needs(
    emulator: EmulatorProcess, aws: AwsClient
) -> None:
    """GIVEN a pool allowing EMAIL_OTP WHEN SignUp has no Password and the app client lacks
    ALLOW_USER_AUTH, or the user gives no e-mail (only a phone number, which SMS_OTP would
    need and the pool does not allow), or the pool does not auto-verify e-mail THEN
    InvalidParameterException and no user: Cognito takes a passwordless sign-up only where the
    user can then sign in with a one-time code."""
    factors = ["PASSWORD", "EMAIL_OTP"]
    email_otp = UserAuthPool.create(emulator.endpoint_url, aws, factors)
    unverified = UserAuthPool(emulator.endpoint_url, email_otp.cognito, "", "")
    unverified.pool_id = email_otp.cognito.create_user_pool(
        PoolName=f"unverified-{uuid.uuid4().hex[:6]}",
        UsernameAttributes=["email"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": factors}},
    )["UserPool"]["Id"]
    unverified.client_id = unverified.new_client()
    no_user_auth = email_otp.new_client(flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    phone = {"Name": "phone_number", "Value": "+15555550142"}
    cases: list[tuple[UserAuthPool, str, bool]] = [
        (email_otp, no_user_auth, True),
        (email_otp, email_otp.client_id, False),
        (unverified, unverified.client_id, True),
    ]
    for pool, client_id, with_email in cases:
        name = f"pl-{uuid.uuid4().hex[:10]}@example.com"
        attributes = [{"Name": "email", "Value": name}] if with_email else [phone]
        sign_up = partial(
            pool.cognito.sign_up, ClientId=client_id, Username=name, UserAttributes=attributes
        )
        assert refused(sign_up)[0] == "InvalidParameterException"
    for pool in (email_otp, unverified):
        assert pool.cognito.list_users(UserPoolId=pool.pool_id)["Users"] == []
