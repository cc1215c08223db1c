"""TOTP MFA with real RFC 6238 codes (pyotp as the authenticator app): a wrong code is
refused at VerifySoftwareToken and at the SOFTWARE_TOKEN_MFA challenge."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def _enrolled_user(pool: LocalPool) -> tuple[str, pyotp.TOTP]:
    email = pool.confirmed_user()
    access = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    secret = pool.cognito.associate_software_token(AccessToken=access)["SecretCode"]
    totp = pyotp.TOTP(secret)
    with pytest.raises(ClientError) as raised:
        pool.cognito.verify_software_token(AccessToken=access, UserCode=_wrong(totp.now()))
    assert _error(raised.value)[0] == "CodeMismatchException"
    assert pool.cognito.verify_software_token(AccessToken=access, UserCode=totp.now())[
        "Status"
    ] == ("SUCCESS")
    pool.cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return email, totp


def _srp_challenge(pool: LocalPool, email: str) -> tuple[AWSSRP, dict[str, Any]]:
    client = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.get_auth_params()
    )
    answered: dict[str, Any] = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=client.process_challenge(
            started["ChallengeParameters"], {"USERNAME": email}
        ),
    )
    return client, answered


def test_after_the_srp_password_the_totp_code_is_needed(pool: LocalPool) -> None:
    """GIVEN a user with TOTP on WHEN SRP proves the password THEN SOFTWARE_TOKEN_MFA is asked;
    a wrong code is CodeMismatchException (session kept), the current code gives tokens."""
    email, totp = _enrolled_user(pool)
    _, answered = _srp_challenge(pool, email)
    assert answered["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in answered
    respond = {
        "ClientId": pool.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": answered["Session"],
    }
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(
            **respond,
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _wrong(totp.now())},
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    done = pool.cognito.respond_to_auth_challenge(
        **respond,
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp)},
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_the_password_flow_asks_for_the_code_too(pool: LocalPool) -> None:
    """GIVEN a user with TOTP on WHEN USER_PASSWORD_AUTH THEN SOFTWARE_TOKEN_MFA, and a wrong
    code is refused, the right one gives tokens; the session is used once."""
    email, totp = _enrolled_user(pool)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    assert started["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    respond = {
        "ClientId": pool.client_id,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": started["Session"],
    }
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(
            **respond,
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _wrong(totp.now())},
        )
    assert _error(raised.value)[0] == "CodeMismatchException"
    answers = {"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp)}
    assert pool.cognito.respond_to_auth_challenge(**respond, ChallengeResponses=answers)[
        "AuthenticationResult"
    ]
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(**respond, ChallengeResponses=answers)
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_each_user_gets_its_own_secret(pool: LocalPool) -> None:
    """GIVEN two enrolled users WHEN their secrets are compared THEN they differ (moto's
    fixed secret is not used)."""
    _, first = _enrolled_user(pool)
    _, second = _enrolled_user(pool)
    assert first.secret != second.secret


def test_the_password_alone_cannot_re_key_a_users_authenticator(pool: LocalPool) -> None:
    """GIVEN a user with TOTP on and an attacker who knows only the password WHEN the SRP
    password step's SOFTWARE_TOKEN_MFA session is sent to AssociateSoftwareToken and
    VerifySoftwareToken THEN both are NotAuthorizedException (Cognito takes a session there only
    from an MFA_SETUP challenge) and the victim's authenticator still signs in."""
    email, totp = _enrolled_user(pool)
    _, answered = _srp_challenge(pool, email)
    assert answered["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(ClientError) as raised:
        pool.cognito.associate_software_token(Session=answered["Session"])
    assert _error(raised.value) == ("NotAuthorizedException", "Invalid session for the user.")
    attacker = pyotp.TOTP(pyotp.random_base32(length=32))
    with pytest.raises(ClientError) as raised:
        pool.cognito.verify_software_token(Session=answered["Session"], UserCode=attacker.now())
    assert _error(raised.value)[0] == "NotAuthorizedException"
    done = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=answered["Session"],
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp)},
    )
    assert done["AuthenticationResult"]["AccessToken"]


def _next_code(totp: pyotp.TOTP) -> str:
    """The next window's code (accepted: one step of skew), unused by the enrolment."""
    return totp.at(time.time() + 30)


def test_an_mfa_setup_challenges_session_enrols_an_authenticator(pool: LocalPool) -> None:
    """GIVEN a pool that requires MFA and a user without TOTP WHEN the password step answers
    MFA_SETUP THEN its session associates and verifies a token, and the challenge answer gives
    tokens."""
    cognito = pool.cognito
    pool_id = cognito.create_user_pool(PoolName="mfa-required")["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="c",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username="setup-user", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username="setup-user", Password=PASSWORD, Permanent=True
    )
    srp = AWSSRP(
        username="setup-user",
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client_id,
        client=cognito,
    )
    challenge = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    started = cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=srp.process_challenge(
            challenge["ChallengeParameters"], {"USERNAME": "setup-user"}
        ),
    )
    assert started["ChallengeName"] == "MFA_SETUP"
    associated = cognito.associate_software_token(Session=started["Session"])
    totp = pyotp.TOTP(associated["SecretCode"])
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=totp.now())
    assert verified["Status"] == "SUCCESS"
    done = cognito.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "setup-user"},
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_signed_in_user_re_keys_with_the_access_token(pool: LocalPool) -> None:
    """GIVEN a user with TOTP WHEN it calls AssociateSoftwareToken with its access token THEN it
    gets a new secret, as on Cognito."""
    email, totp = _enrolled_user(pool)
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    done = pool.cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=started["Session"],
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp)},
    )
    access = done["AuthenticationResult"]["AccessToken"]
    assert pool.cognito.associate_software_token(AccessToken=access)["SecretCode"] != totp.secret
