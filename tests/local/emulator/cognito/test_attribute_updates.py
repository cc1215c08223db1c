"""Changing an e-mail or phone number as Cognito does (issue 30, finding 3): a new address is
unverified until the code sent to it is entered, bad formats are refused, a user cannot
verify an address by decree, the pool's AttributesRequireVerificationBeforeUpdate keeps the
original until then, and the access token keeps working."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from joserfc import jwt

from local.emulator.caller.outbox import latest_code, read_outbox
from tests.local.emulator.cognito.conftest import PASSWORD, LocalPool


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def _signed_in(pool: LocalPool, client_id: str | None = None) -> tuple[str, dict[str, Any]]:
    email = pool.confirmed_user()
    tokens = pool.cognito.initiate_auth(
        ClientId=client_id or pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return email, tokens


def _attributes(pool: LocalPool, access: str) -> dict[str, str]:
    user = pool.cognito.get_user(AccessToken=access)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _new_email() -> str:
    return f"ceo-{uuid.uuid4().hex[:8]}@bigcorp.example"


def test_a_new_email_is_unverified_until_its_code_and_the_token_keeps_working(
    pool: LocalPool,
) -> None:
    """GIVEN a signed-in user WHEN UpdateUserAttributes sets a new e-mail THEN a code goes to
    the new address, GetUser with the same access token shows it with email_verified false
    (was: no code, email_verified true, then UserNotFoundException), a new ID token says
    email_verified false, and the right code verifies it."""
    _, tokens = _signed_in(pool)
    access, new = tokens["AccessToken"], _new_email()
    answer = pool.cognito.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    assert answer["CodeDeliveryDetailsList"] == [
        {"Destination": "c***@b***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    assert _attributes(pool, access).items() >= {"email": new, "email_verified": "false"}.items()
    id_token = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": new, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    assert jwt.decode(id_token, pool.keys()).claims["email_verified"] is False
    code = latest_code(pool.endpoint_url, new, kinds=("verify_email",))
    pool.cognito.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert _attributes(pool, access)["email_verified"] == "true"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("email", ""),
        ("email", "not-an-email"),
        ("email", "<b>@x"),
        ("email", "a b@example.com"),
        ("phone_number", "12345"),
        ("phone_number", "+1 555 0100"),
    ],
)
def test_a_malformed_email_or_phone_number_is_refused(
    pool: LocalPool, name: str, value: str
) -> None:
    """GIVEN a signed-in user WHEN it sets a malformed e-mail or phone number THEN
    InvalidParameterException and nothing changes (was: 200)."""
    email, tokens = _signed_in(pool)
    update = [{"Name": name, "Value": value}]
    refused = _error(
        lambda: pool.cognito.update_user_attributes(
            AccessToken=tokens["AccessToken"], UserAttributes=update
        )
    )
    assert refused[0] == "InvalidParameterException"
    assert _attributes(pool, tokens["AccessToken"])["email"] == email


def test_a_user_cannot_mark_its_own_email_verified(pool: LocalPool) -> None:
    """GIVEN a signed-in user WHEN it sends a new e-mail with email_verified=true THEN
    NotAuthorizedException and nothing changes."""
    email, tokens = _signed_in(pool)
    update = [{"Name": "email", "Value": _new_email()}, {"Name": "email_verified", "Value": "true"}]
    refused = _error(
        lambda: pool.cognito.update_user_attributes(
            AccessToken=tokens["AccessToken"], UserAttributes=update
        )
    )
    assert refused[0] == "NotAuthorizedException"
    assert _attributes(pool, tokens["AccessToken"])["email"] == email


def test_admin_updates_send_a_code_unless_the_admin_verifies(pool: LocalPool) -> None:
    """GIVEN a user WHEN AdminUpdateUserAttributes sets a new e-mail THEN it is unverified and
    a code is sent; WHEN an admin also sets email_verified=true THEN it is verified, no code."""
    email, tokens = _signed_in(pool)
    first = _new_email()
    pool.cognito.admin_update_user_attributes(
        UserPoolId=pool.pool_id, Username=email, UserAttributes=[{"Name": "email", "Value": first}]
    )
    assert _attributes(pool, tokens["AccessToken"])["email_verified"] == "false"
    assert latest_code(pool.endpoint_url, first, kinds=("verify_email",))
    second = _new_email()
    pool.cognito.admin_update_user_attributes(
        UserPoolId=pool.pool_id,
        Username=first,
        UserAttributes=[
            {"Name": "email", "Value": second},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    assert (
        _attributes(pool, tokens["AccessToken"]).items()
        >= {
            "email": second,
            "email_verified": "true",
        }.items()
    )
    messages = read_outbox(pool.endpoint_url, user_pool_id=pool.pool_id)
    assert all(m.destination != second for m in messages)


def test_keep_original_holds_the_old_email_until_the_new_one_is_verified(
    pool: LocalPool,
) -> None:
    """GIVEN a pool with AttributesRequireVerificationBeforeUpdate=[email] WHEN a user sets a
    new e-mail THEN the old one stays (verified) and the code goes to the new one; the right
    code switches to the new e-mail, verified."""
    cognito = pool.cognito
    keep_pool = cognito.create_user_pool(
        PoolName="keep-original",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=keep_pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    keeper = LocalPool(pool.endpoint_url, cognito, keep_pool, client_id)
    email, tokens = _signed_in(keeper)
    access, new = tokens["AccessToken"], _new_email()
    cognito.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    assert _attributes(keeper, access).items() >= {"email": email, "email_verified": "true"}.items()
    code = latest_code(pool.endpoint_url, new, kinds=("verify_email",))
    cognito.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert _attributes(keeper, access).items() >= {"email": new, "email_verified": "true"}.items()
