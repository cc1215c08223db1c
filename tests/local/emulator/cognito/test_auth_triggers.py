"""PreAuthentication, PostAuthentication and UserMigration against a real emulator (the pool:
trigger_pool.py)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.trigger_pool import (
    OLD_PASSWORD,
    PASSWORD,
    Pool,
    echoed,
    make_pool,
    make_user,
    password_sign_in,
    refusal,
)
from tests.local.emulator.conftest import AwsClient


@pytest.fixture(scope="module")
def pool(aws: AwsClient, emulator: EmulatorProcess) -> Pool:
    return make_pool(aws, "auth-triggers-32")


def _srp_start(aws: AwsClient, pool: Pool, client: str, name: str, behaviour: str = "") -> Any:
    """InitiateAuth USER_SRP_AUTH for `name` (pycognito's SRP_A)."""
    idp = aws("cognito-idp")
    return idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=AWSSRP(name, PASSWORD, pool.id, client, client=idp).get_auth_params(),
        ClientMetadata={"behaviour": behaviour} if behaviour else {},
    )


# --- PreAuthentication ----------------------------------------------------------------------


def test_pre_authentication_sees_the_user_and_initiate_auths_metadata(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a pre authentication trigger WHEN a user signs in with USER_PASSWORD_AUTH and
    ClientMetadata THEN the trigger gets PreAuthentication_Authentication, version 1, the
    user's attributes and the metadata as validationData (no userNotFound: the client shows
    existence errors)."""
    make_user(aws, pool, "pre-ann")
    with pytest.raises(ClientError) as raised:
        password_sign_in(
            aws, pool.client, "pre-ann", behaviour="echo:PreAuthentication_Authentication"
        )
    assert refusal(raised)[0] == "UserLambdaValidationException"
    event = echoed(raised)
    assert event["triggerSource"] == "PreAuthentication_Authentication"
    assert event["version"] == "1"
    assert event["userName"] == "pre-ann"
    assert event["callerContext"]["clientId"] == pool.client
    assert event["request"]["userAttributes"]["email"] == "pre-ann@example.com"
    assert event["request"]["validationData"] == {
        "behaviour": "echo:PreAuthentication_Authentication"
    }
    assert "userNotFound" not in event["request"]


def test_pre_authentication_raise_refuses_every_sign_in_flow(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a pre authentication trigger that raises WHEN the user signs in with
    USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH or USER_SRP_AUTH THEN each is
    UserLambdaValidationException "PreAuthentication failed with error ..." and no tokens;
    without the raise the same password signs in."""
    make_user(aws, pool, "pre-bob")
    idp = aws("cognito-idp")
    meta = {"behaviour": "raise:PreAuthentication_Authentication"}
    password = {"USERNAME": "pre-bob", "PASSWORD": PASSWORD}
    srp = AWSSRP("pre-bob", PASSWORD, pool.id, pool.client, client=idp).get_auth_params()
    sign_ins = [
        ("initiate_auth", {"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": password}),
        (
            "admin_initiate_auth",
            {
                "UserPoolId": pool.id,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": password,
            },
        ),
        ("initiate_auth", {"AuthFlow": "USER_SRP_AUTH", "AuthParameters": srp}),
    ]
    for operation, arguments in sign_ins:
        with pytest.raises(ClientError) as raised:
            getattr(idp, operation)(ClientId=pool.client, ClientMetadata=meta, **arguments)
        code, message = refusal(raised)
        assert code == "UserLambdaValidationException"
        assert message.startswith("PreAuthentication failed with error ")
        assert "refused PreAuthentication_Authentication" in message
    assert "AccessToken" in password_sign_in(aws, pool.client, "pre-bob")["AuthenticationResult"]


def test_pre_authentication_runs_for_an_unknown_user_when_the_client_hides_existence(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a client with PreventUserExistenceErrors=ENABLED WHEN an unknown user starts
    USER_SRP_AUTH THEN the pre authentication trigger runs with userNotFound true and no
    attributes; a password sign-in is "Incorrect username or password." (the migration
    trigger refused it)."""
    with pytest.raises(ClientError) as raised:
        _srp_start(aws, pool, pool.hiding, "pre-nobody", "echo:PreAuthentication_Authentication")
    event = echoed(raised)
    assert event["request"]["userNotFound"] is True
    assert event["request"]["userAttributes"] == {}
    assert event["userName"] == "pre-nobody"
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.hiding, "pre-nobody", OLD_PASSWORD + "x")
    assert refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")


# --- PostAuthentication ---------------------------------------------------------------------


def test_post_authentication_raise_fails_the_sign_in_with_no_tokens(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a post authentication trigger that refuses the user WHEN the right password is
    given THEN UserLambdaValidationException "PostAuthentication failed with error ..." and
    no tokens."""
    make_user(aws, pool, "nopost-cy")
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.client, "nopost-cy")
    code, message = refusal(raised)
    assert code == "UserLambdaValidationException"
    assert message.startswith("PostAuthentication failed with error ")
    assert "no tokens today" in message


def test_post_authentication_gets_respond_to_auth_challenges_client_metadata(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a custom challenge answered right with ClientMetadata WHEN the post
    authentication trigger runs THEN it gets PostAuthentication_Authentication with the
    user's attributes, newDeviceUsed false and that metadata as clientMetadata."""
    make_user(aws, pool, "post-dee")
    idp = aws("cognito-idp")
    challenge = idp.initiate_auth(
        ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "post-dee"}
    )
    with pytest.raises(ClientError) as raised:
        idp.respond_to_auth_challenge(
            ClientId=pool.client,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "post-dee", "ANSWER": "blue"},
            ClientMetadata={"behaviour": "echo:PostAuthentication_Authentication"},
        )
    event = echoed(raised)
    assert event["triggerSource"] == "PostAuthentication_Authentication"
    assert event["request"]["newDeviceUsed"] is False
    assert event["request"]["userAttributes"]["email"] == "post-dee@example.com"
    assert event["request"]["clientMetadata"] == {
        "behaviour": "echo:PostAuthentication_Authentication"
    }


# --- UserMigration --------------------------------------------------------------------------


def test_user_migration_makes_the_user_with_the_old_password_and_signs_it_in(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a migration trigger that knows the old password WHEN an unknown user signs in with
    it THEN tokens, and the user is in the pool, CONFIRMED, with the trigger's attributes; the
    next sign-in needs no trigger (a wrong password is then the pool's own refusal)."""
    answer = password_sign_in(aws, pool.client, "legacy-eve", OLD_PASSWORD)
    assert "AccessToken" in answer["AuthenticationResult"]
    user = aws("cognito-idp").admin_get_user(UserPoolId=pool.id, Username="legacy-eve")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "legacy-eve@example.com"
    assert (
        "AccessToken"
        in password_sign_in(aws, pool.client, "legacy-eve", OLD_PASSWORD)["AuthenticationResult"]
    )
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.client, "legacy-eve", "Wrong-Passw0rd!")
    assert refusal(raised)[0] == "NotAuthorizedException"


def test_user_migration_refusal_is_user_not_found_and_stores_nothing(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a migration trigger that raises "Bad password" WHEN an unknown user signs in THEN
    UserNotFoundException "UserMigration failed with error ...", NotAuthorizedException on a
    client that hides existence, and no user is stored."""
    idp = aws("cognito-idp")
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.client, "legacy-fay", "Wrong-Passw0rd!")
    code, message = refusal(raised)
    assert code == "UserNotFoundException"
    assert message.startswith("UserMigration failed with error ")
    assert "Bad password" in message
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.hiding, "legacy-fay", "Wrong-Passw0rd!")
    assert refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as raised:
        idp.admin_get_user(UserPoolId=pool.id, Username="legacy-fay")
    assert refusal(raised)[0] == "UserNotFoundException"


def test_user_migration_reset_required_and_invalid_answers(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a migration answer with finalUserStatus RESET_REQUIRED THEN the user is stored
    RESET_REQUIRED and the sign-in is PasswordResetRequiredException; GIVEN an answer with an
    unknown status THEN InvalidLambdaResponseException and no user."""
    idp = aws("cognito-idp")
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.client, "legacy-gus", OLD_PASSWORD, status="RESET_REQUIRED")
    assert refusal(raised)[0] == "PasswordResetRequiredException"
    user = idp.admin_get_user(UserPoolId=pool.id, Username="legacy-gus")
    assert user["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(ClientError) as raised:
        password_sign_in(aws, pool.client, "legacy-hal", OLD_PASSWORD, status="BOGUS")
    assert refusal(raised)[0] == "InvalidLambdaResponseException"
    with pytest.raises(ClientError) as raised:
        idp.admin_get_user(UserPoolId=pool.id, Username="legacy-hal")
    assert refusal(raised)[0] == "UserNotFoundException"


def test_user_migration_on_forgot_password_and_not_on_srp(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a migration trigger WHEN ForgotPassword names an unknown user THEN the user is
    migrated (RESET_REQUIRED) and a code is sent; the trigger's refusal is
    UserNotFoundException, or a simulated delivery where existence is hidden; WHEN
    USER_SRP_AUTH names an unknown user THEN UserNotFoundException (no password to migrate
    with)."""
    idp = aws("cognito-idp")
    sent = idp.forgot_password(ClientId=pool.client, Username="legacy-ida")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    user = idp.admin_get_user(UserPoolId=pool.id, Username="legacy-ida")
    assert user["UserStatus"] == "RESET_REQUIRED"
    refused = {"behaviour": "raise:UserMigration_ForgotPassword"}
    with pytest.raises(ClientError) as raised:
        idp.forgot_password(ClientId=pool.client, Username="legacy-ned", ClientMetadata=refused)
    assert refusal(raised)[0] == "UserNotFoundException"
    hidden = idp.forgot_password(
        ClientId=pool.hiding, Username="legacy-ned", ClientMetadata=refused
    )
    assert hidden["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    with pytest.raises(ClientError) as raised:
        _srp_start(aws, pool, pool.client, "legacy-jo")
    assert refusal(raised)[0] == "UserNotFoundException"


def test_post_authentication_runs_when_a_new_password_signs_the_user_in(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN an invited user (FORCE_CHANGE_PASSWORD) the post authentication trigger refuses
    WHEN it answers NEW_PASSWORD_REQUIRED with a good new password THEN
    UserLambdaValidationException and no tokens, as after any sign-in."""
    idp = aws("cognito-idp")
    idp.admin_create_user(
        UserPoolId=pool.id,
        Username="nopost-pia",
        TemporaryPassword=OLD_PASSWORD,
        MessageAction="SUPPRESS",
    )
    challenge = password_sign_in(aws, pool.client, "nopost-pia", OLD_PASSWORD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as raised:
        idp.respond_to_auth_challenge(
            ClientId=pool.client,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": "nopost-pia", "NEW_PASSWORD": PASSWORD},
        )
    code, message = refusal(raised)
    assert code == "UserLambdaValidationException"
    assert message.startswith("PostAuthentication failed with error ")
