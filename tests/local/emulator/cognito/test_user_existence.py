"""`PreventUserExistenceErrors=ENABLED`: an unknown user name answers as a known one does
(issue 30, finding 4), in every flow Cognito documents: password, SRP, forgot password,
confirm and resend. Without it, unknown users get `UserNotFoundException`."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller.outbox import read_outbox
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def _unknown() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@example.com"


def _refusal(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return _error(raised.value)


def test_the_password_flows_answer_an_unknown_user_as_a_wrong_password(pool: LocalPool) -> None:
    """GIVEN a known user and an unknown name WHEN USER_PASSWORD_AUTH and
    ADMIN_USER_PASSWORD_AUTH are tried with a wrong password THEN both answer
    NotAuthorizedException "Incorrect username or password." (was UserNotFoundException)."""
    known = pool.confirmed_user()
    for flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        answers = {
            _refusal(lambda f=flow, n=name: _sign_in(pool, f, n, "Wrong-Horse-9!"))
            for name in (known, _unknown())
        }
        assert answers == {("NotAuthorizedException", "Incorrect username or password.")}, flow


def _sign_in(pool: LocalPool, flow: str, name: str, password: str) -> Any:
    parameters = {"USERNAME": name, "PASSWORD": password}
    if flow.startswith("ADMIN"):
        return pool.cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow=flow,
            AuthParameters=parameters,
        )
    return pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow=flow, AuthParameters=parameters
    )


def _srp_parameters(pool: LocalPool, name: str) -> dict[str, str]:
    srp = AWSSRP(
        username=name,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    started = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
    )
    parameters: dict[str, str] = started["ChallengeParameters"]
    return parameters


def test_srp_gives_an_unknown_user_a_stable_salt_and_id_like_a_known_one(pool: LocalPool) -> None:
    """GIVEN a known user and two unknown names WHEN USER_SRP_AUTH starts twice for each THEN
    each name's SALT and USER_ID_FOR_SRP are the same both times (was: a new random salt each
    call for unknown names), and the unknown names' differ from each other."""
    known, first, second = pool.confirmed_user(), _unknown(), _unknown()
    seen = {}
    for name in (known, first, second):
        once, again = _srp_parameters(pool, name), _srp_parameters(pool, name)
        assert once["SALT"] == again["SALT"], name
        assert once["USER_ID_FOR_SRP"] == again["USER_ID_FOR_SRP"], name
        assert len(once["SALT"]) > 16
        seen[name] = (once["SALT"], once["USER_ID_FOR_SRP"])
    assert seen[first] != seen[second]
    known_id, unknown_id = seen[known][1], seen[first][1]
    assert len(known_id) == len(unknown_id) == 36  # user ids are uuids in an e-mail pool


def test_forgot_password_simulates_a_delivery_for_an_unknown_user(pool: LocalPool) -> None:
    """GIVEN an unknown e-mail WHEN ForgotPassword THEN CodeDeliveryDetails masked as a real
    user's (was `nobody@example.com@h***.com`) and nothing in the outbox."""
    name = _unknown()
    details = pool.cognito.forgot_password(ClientId=pool.client_id, Username=name)[
        "CodeDeliveryDetails"
    ]
    assert details == {
        "Destination": "n***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    known = pool.confirmed_user()
    real = pool.cognito.forgot_password(ClientId=pool.client_id, Username=known)
    assert real["CodeDeliveryDetails"] == details | {"Destination": f"{known[0]}***@e***"}
    messages = read_outbox(pool.endpoint_url, user_pool_id=pool.pool_id)
    assert all(m.username != name and m.destination != name for m in messages)


def test_resend_and_confirm_answer_an_unknown_user_as_a_known_one(pool: LocalPool) -> None:
    """GIVEN an unknown name WHEN ResendConfirmationCode THEN a simulated delivery (was
    CodeMismatchException); WHEN ConfirmSignUp or ConfirmForgotPassword THEN
    CodeMismatchException, as for a known user with a wrong code."""
    name = _unknown()
    resent = pool.cognito.resend_confirmation_code(ClientId=pool.client_id, Username=name)
    assert resent["CodeDeliveryDetails"]["Destination"] == "n***@e***"
    mismatch = "CodeMismatchException"
    assert (
        _refusal(
            lambda: pool.cognito.confirm_sign_up(
                ClientId=pool.client_id, Username=name, ConfirmationCode="123456"
            )
        )[0]
        == mismatch
    )
    assert (
        _refusal(
            lambda: pool.cognito.confirm_forgot_password(
                ClientId=pool.client_id, Username=name, ConfirmationCode="123456", Password=PASSWORD
            )
        )[0]
        == mismatch
    )


def test_without_the_setting_an_unknown_user_is_user_not_found(pool: LocalPool) -> None:
    """GIVEN a client with PreventUserExistenceErrors=LEGACY WHEN USER_PASSWORD_AUTH and
    ForgotPassword name an unknown user THEN UserNotFoundException, as Cognito answers."""
    legacy = pool.new_client(PreventUserExistenceErrors="LEGACY")
    name = _unknown()
    parameters = {"USERNAME": name, "PASSWORD": PASSWORD}
    assert (
        _refusal(
            lambda: pool.cognito.initiate_auth(
                ClientId=legacy, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=parameters
            )
        )[0]
        == "UserNotFoundException"
    )
    assert (
        _refusal(lambda: pool.cognito.forgot_password(ClientId=legacy, Username=name))[0]
        == "UserNotFoundException"
    )
