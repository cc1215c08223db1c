"""USER_SRP_AUTH as Cognito does it: pycognito (an independent SRP client) signs in with the
right password only; the server's checks of SRP inputs always answer Cognito's errors."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycognito.aws_srp import AWSSRP

from local.emulator.server.cognito import srp
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def test_pycognito_signs_in_with_the_right_password(pool: LocalPool) -> None:
    """GIVEN a confirmed user WHEN pycognito runs USER_SRP_AUTH with the right password THEN
    the pool answers tokens whose sub is the user's."""
    email = pool.confirmed_user()
    tokens = AWSSRP(
        username=email,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    ).authenticate_user()
    result = tokens["AuthenticationResult"]
    assert all(result[k] for k in ("IdToken", "AccessToken", "RefreshToken"))
    user = pool.cognito.get_user(AccessToken=result["AccessToken"])
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == email


def test_pycognito_with_a_wrong_password_is_refused(pool: LocalPool) -> None:
    """GIVEN a confirmed user WHEN pycognito signs in with a wrong password THEN
    NotAuthorizedException "Incorrect username or password." and no tokens."""
    email = pool.confirmed_user()
    with pytest.raises(ClientError) as raised:
        AWSSRP(
            username=email,
            password=PASSWORD + "x",
            pool_id=pool.pool_id,
            client_id=pool.client_id,
            client=pool.cognito,
        ).authenticate_user()
    assert _error(raised.value) == ("NotAuthorizedException", "Incorrect username or password.")


def test_the_new_password_works_after_a_change_and_the_old_one_does_not(pool: LocalPool) -> None:
    """GIVEN a user whose password an admin changed WHEN signing in with SRP THEN the new
    password works and the old one is refused (the verifier follows the password)."""
    email = pool.confirmed_user()
    new_password = "Another-Secret-77!"
    pool.cognito.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=email, Password=new_password, Permanent=True
    )
    srp_client = AWSSRP(
        username=email,
        password=new_password,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    assert srp_client.authenticate_user()["AuthenticationResult"]["AccessToken"]
    srp_client.password = PASSWORD
    with pytest.raises(ClientError) as raised:
        srp_client.authenticate_user()
    assert _error(raised.value)[0] == "NotAuthorizedException"


def _timestamp() -> str:
    now = datetime.now(UTC)
    return f"{now:%a %b} {now.day} {now:%H:%M:%S} UTC {now.year}"


def _challenge(pool: LocalPool, email: str, a: int) -> dict[str, Any]:
    started: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": email, "SRP_A": format(a, "x")},
    )
    return started


def _answer(
    pool: LocalPool,
    started: dict[str, Any],
    *,
    a: int,
    a_secret: int,
    password: str = PASSWORD,
    timestamp: str | None = None,
) -> dict[str, str]:
    params = started["ChallengeParameters"]
    timestamp = timestamp or _timestamp()
    signature = srp.client_signature(
        pool_id=pool.pool_id,
        user_id=params["USER_ID_FOR_SRP"],
        password=password,
        a=a,
        a_secret=a_secret,
        salt_hex=params["SALT"],
        srp_b_hex=params["SRP_B"],
        secret_block_b64=params["SECRET_BLOCK"],
        timestamp=timestamp,
    )
    return {
        "USERNAME": params["USER_ID_FOR_SRP"],
        "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
        "TIMESTAMP": timestamp,
        "PASSWORD_CLAIM_SIGNATURE": signature,
    }


def _client_keys() -> tuple[int, int]:
    a_secret = secrets.randbelow(srp.N - 2) + 1
    return a_secret, pow(srp.G, a_secret, srp.N)


def test_a_secret_block_is_used_once(pool: LocalPool) -> None:
    """GIVEN a correct PASSWORD_VERIFIER answer that signed in WHEN it is sent again THEN
    NotAuthorizedException: the secret block was used."""
    email = pool.confirmed_user()
    a_secret, a = _client_keys()
    started = _challenge(pool, email, a)
    answers = _answer(pool, started, a=a, a_secret=a_secret)
    respond = {
        "ClientId": pool.client_id,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": answers,
    }
    assert pool.cognito.respond_to_auth_challenge(**respond)["AuthenticationResult"]
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(**respond)
    assert _error(raised.value)[0] == "NotAuthorizedException"


def test_admin_srp_sign_in_checks_the_password_too(pool: LocalPool) -> None:
    """GIVEN AdminInitiateAuth USER_SRP_AUTH WHEN AdminRespondToAuthChallenge answers with the
    right, then a wrong password THEN tokens, then NotAuthorizedException."""
    email = pool.confirmed_user()
    for password, ok in ((PASSWORD, True), ("Wrong-Password-1!", False)):
        a_secret, a = _client_keys()
        started = pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": format(a, "x")},
        )
        answers = _answer(pool, started, a=a, a_secret=a_secret, password=password)
        call = {
            "UserPoolId": pool.pool_id,
            "ClientId": pool.client_id,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": answers,
            "Session": started["Session"],
        }
        if ok:
            assert pool.cognito.admin_respond_to_auth_challenge(**call)["AuthenticationResult"]
        else:
            with pytest.raises(ClientError) as raised:
                pool.cognito.admin_respond_to_auth_challenge(**call)
            assert _error(raised.value) == (
                "NotAuthorizedException",
                "Incorrect username or password.",
            )


def test_device_challenges_are_refused_with_cognitos_error(pool: LocalPool) -> None:
    """GIVEN a DEVICE_SRP_AUTH answer WHEN sent THEN ResourceNotFoundException (no device is
    ever remembered here), never tokens."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="DEVICE_SRP_AUTH",
            ChallengeResponses={"USERNAME": "x", "DEVICE_KEY": "k", "SRP_A": "2"},
        )
    assert _error(raised.value) == ("ResourceNotFoundException", "Device does not exist.")


def test_an_unknown_user_gets_a_challenge_and_then_the_same_refusal(pool: LocalPool) -> None:
    """GIVEN a client that prevents user-existence errors WHEN an unknown user starts SRP THEN
    a challenge comes back, and any answer is "Incorrect username or password."."""
    a_secret, a = _client_keys()
    started = _challenge(pool, "nobody@example.com", a)
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=_answer(pool, started, a=a, a_secret=a_secret),
        )
    assert _error(raised.value) == ("NotAuthorizedException", "Incorrect username or password.")


_BAD_A = st.one_of(
    st.sampled_from(["0", format(srp.N, "x"), format(2 * srp.N, "x"), "00", ""]),
    st.text(max_size=40).filter(lambda s: not all(c in "0123456789abcdefABCDEF" for c in s)),
)
_BAD_TIMESTAMP = st.one_of(
    st.sampled_from(
        ["Wed Dec 02 21:00:15 UTC 2026", "2026-12-02T21:00:15Z", "Wed Dec 2 21:00:15 2026", ""]
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(srp_a=_BAD_A)
def test_bad_srp_a_is_always_cognitos_error(pool: LocalPool, srp_a: str) -> None:
    """GIVEN SRP_A of 0, N, a multiple of N, empty or not hex WHEN InitiateAuth THEN a 400
    InvalidParameterException, never a challenge or a 5xx."""
    with pytest.raises(ClientError) as raised:
        pool.cognito.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": "someone@example.com", "SRP_A": srp_a},
        )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _error(raised.value)[0] == "InvalidParameterException"


@pytest.fixture(scope="module")
def srp_user(pool: LocalPool) -> str:
    return pool.confirmed_user()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    timestamp=_BAD_TIMESTAMP,
    signature=st.one_of(
        st.none(),
        st.text(max_size=60),
        st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
    ),
    reuse=st.booleans(),
)
def test_bad_answers_are_always_cognitos_error(
    pool: LocalPool, srp_user: str, timestamp: str, signature: str | None, reuse: bool
) -> None:
    """GIVEN a PASSWORD_VERIFIER answer with a malformed timestamp, a wrong signature, or a
    secret block already used WHEN sent THEN a 400 NotAuthorized/InvalidParameter error,
    never tokens, never a 5xx."""
    a_secret, a = _client_keys()
    started = _challenge(pool, srp_user, a)
    answers = _answer(pool, started, a=a, a_secret=a_secret)
    if reuse:  # a first (wrong) answer spends the block; then the right one comes too late
        answers_wrong = answers | {"PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"x" * 32).decode()}
        with pytest.raises(ClientError):
            pool.cognito.respond_to_auth_challenge(
                ClientId=pool.client_id,
                ChallengeName="PASSWORD_VERIFIER",
                ChallengeResponses=answers_wrong,
            )
    else:
        answers["TIMESTAMP"] = timestamp
        if signature is not None:
            answers["PASSWORD_CLAIM_SIGNATURE"] = signature
    with pytest.raises(ClientError) as raised:
        pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answers
        )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _error(raised.value)[0] in ("NotAuthorizedException", "InvalidParameterException")
