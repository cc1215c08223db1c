"""The pool's sign-in triggers against a real emulator: PreAuthentication, PostAuthentication,
UserMigration and CUSTOM_AUTH's DefineAuthChallenge / CreateAuthChallenge /
VerifyAuthChallengeResponse, each function created through the Lambda API.

One function serves every trigger. It raises when its metadata says `raise:<triggerSource>`,
and raises with its event (as JSON) when it says `echo:<triggerSource>`, so a test reads the
event Cognito built from the error message; a user whose name starts with `nopost` is refused
by PostAuthentication.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.conftest import AwsClient

PASSWORD = "Passw0rd!Passw0rd"
OLD_PASSWORD = "Old-Passw0rd!"
TRIGGER = """
import json


def _define(request):
    session = request["session"]
    if session and session[-1]["challengeName"] == "SRP_A":
        return {"challengeName": "PASSWORD_VERIFIER", "issueTokens": False}
    customs = [s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]
    if customs and customs[-1]["challengeResult"]:
        return {"issueTokens": True, "failAuthentication": False}
    if len(customs) >= 3:
        return {"issueTokens": False, "failAuthentication": True}
    return {"challengeName": "CUSTOM_CHALLENGE", "issueTokens": False}


def _migrate(event, meta):
    request = event["request"]
    if event["triggerSource"] == "UserMigration_Authentication":
        if request["password"] != "Old-Passw0rd!":
            raise ValueError("Bad password")
    return {
        "userAttributes": {"email": event["userName"] + "@example.com", "email_verified": "true"},
        "finalUserStatus": meta.get("status", "CONFIRMED"),
        "messageAction": "SUPPRESS",
    }


def handler(event, context):
    source = event["triggerSource"]
    request = event["request"]
    meta = request.get("validationData") or request.get("clientMetadata") or {}
    behaviour = meta.get("behaviour", "")
    if behaviour == "raise:" + source:
        raise ValueError("refused " + source)
    if behaviour == "echo:" + source:
        shown = {k: event[k] for k in ("version", "triggerSource", "userName", "callerContext")}
        raise ValueError(json.dumps({**shown, "request": request}, sort_keys=True))
    if source.startswith("PostAuthentication") and event["userName"].startswith("nopost"):
        raise ValueError("no tokens today")
    if source.startswith("UserMigration"):
        event["response"] = _migrate(event, meta)
    elif source == "DefineAuthChallenge_Authentication":
        event["response"] = _define(request)
    elif source == "CreateAuthChallenge_Authentication":
        event["response"] = {
            "publicChallengeParameters": {"hint": "colour of the sky"},
            "privateChallengeParameters": {"answer": "blue"},
            "challengeMetadata": "SKY",
        }
    elif source == "VerifyAuthChallengeResponse_Authentication":
        expected = request["privateChallengeParameters"]["answer"]
        event["response"] = {"answerCorrect": request["challengeAnswer"] == expected}
    return event
"""
TRIGGERS = (
    "PreAuthentication",
    "PostAuthentication",
    "UserMigration",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
)
FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


@dataclass(frozen=True)
class Pool:
    id: str
    client: str  # user-existence errors shown
    hiding: str  # PreventUserExistenceErrors=ENABLED


def _function(aws: AwsClient, name: str, source: str) -> str:
    role = aws("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("trigger.py", source)
    function = aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="trigger.handler",
        Code={"ZipFile": package.getvalue()},
    )
    return str(function["FunctionArn"])


@pytest.fixture(scope="module")
def pool(aws: AwsClient, emulator: EmulatorProcess) -> Pool:
    arn = _function(aws, "auth-triggers-32", TRIGGER)
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName="auth-triggers", LambdaConfig=dict.fromkeys(TRIGGERS, arn)
    )["UserPool"]["Id"]
    clients = [
        idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=name,
            ExplicitAuthFlows=FLOWS,
            PreventUserExistenceErrors=prevent,
        )["UserPoolClient"]["ClientId"]
        for name, prevent in (("shows", "LEGACY"), ("hides", "ENABLED"))
    ]
    return Pool(pool_id, clients[0], clients[1])


def _user(aws: AwsClient, pool: Pool, name: str) -> None:
    idp = aws("cognito-idp")
    idp.admin_create_user(
        UserPoolId=pool.id,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )
    idp.admin_set_user_password(
        UserPoolId=pool.id, Username=name, Password=PASSWORD, Permanent=True
    )


def _password_sign_in(
    aws: AwsClient, client: str, name: str, password: str = PASSWORD, **metadata: str
) -> dict[str, Any]:
    answer: dict[str, Any] = aws("cognito-idp").initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
        ClientMetadata=metadata,
    )
    return answer


def _refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def _echoed(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    """The event a trigger echoed in its error."""
    message = _refusal(raised)[1]
    echoed: dict[str, Any] = json.loads(message[message.index("{") : message.rindex("}") + 1])
    return echoed


# --- PreAuthentication ----------------------------------------------------------------------


def test_pre_authentication_sees_the_user_and_initiate_auths_metadata(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a pre authentication trigger WHEN a user signs in with USER_PASSWORD_AUTH and
    ClientMetadata THEN the trigger gets PreAuthentication_Authentication, version 1, the
    user's attributes and the metadata as validationData (no userNotFound: the client shows
    existence errors)."""
    _user(aws, pool, "pre-ann")
    with pytest.raises(ClientError) as raised:
        _password_sign_in(
            aws, pool.client, "pre-ann", behaviour="echo:PreAuthentication_Authentication"
        )
    assert _refusal(raised)[0] == "UserLambdaValidationException"
    event = _echoed(raised)
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
    _user(aws, pool, "pre-bob")
    idp = aws("cognito-idp")
    meta = {"behaviour": "raise:PreAuthentication_Authentication"}
    password = {"USERNAME": "pre-bob", "PASSWORD": PASSWORD}
    calls = [
        lambda: idp.initiate_auth(
            ClientId=pool.client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=password,
            ClientMetadata=meta,
        ),
        lambda: idp.admin_initiate_auth(
            UserPoolId=pool.id,
            ClientId=pool.client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=password,
            ClientMetadata=meta,
        ),
        lambda: idp.initiate_auth(
            ClientId=pool.client,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=AWSSRP(
                "pre-bob", PASSWORD, pool.id, pool.client, client=idp
            ).get_auth_params(),
            ClientMetadata=meta,
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as raised:
            call()
        code, message = _refusal(raised)
        assert code == "UserLambdaValidationException"
        assert message.startswith("PreAuthentication failed with error ")
        assert "refused PreAuthentication_Authentication" in message
    assert "AccessToken" in _password_sign_in(aws, pool.client, "pre-bob")["AuthenticationResult"]


def test_pre_authentication_runs_for_an_unknown_user_when_the_client_hides_existence(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a client with PreventUserExistenceErrors=ENABLED WHEN an unknown user starts
    USER_SRP_AUTH THEN the pre authentication trigger runs with userNotFound true and no
    attributes; a password sign-in is "Incorrect username or password." (the migration
    trigger refused it)."""
    idp = aws("cognito-idp")
    with pytest.raises(ClientError) as raised:
        idp.initiate_auth(
            ClientId=pool.hiding,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=AWSSRP(
                "pre-nobody", PASSWORD, pool.id, pool.hiding, client=idp
            ).get_auth_params(),
            ClientMetadata={"behaviour": "echo:PreAuthentication_Authentication"},
        )
    event = _echoed(raised)
    assert event["request"]["userNotFound"] is True
    assert event["request"]["userAttributes"] == {}
    assert event["userName"] == "pre-nobody"
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.hiding, "pre-nobody", OLD_PASSWORD + "x")
    assert _refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")


# --- PostAuthentication ---------------------------------------------------------------------


def test_post_authentication_raise_fails_the_sign_in_with_no_tokens(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a post authentication trigger that refuses the user WHEN the right password is
    given THEN UserLambdaValidationException "PostAuthentication failed with error ..." and
    no tokens."""
    _user(aws, pool, "nopost-cy")
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.client, "nopost-cy")
    code, message = _refusal(raised)
    assert code == "UserLambdaValidationException"
    assert message.startswith("PostAuthentication failed with error ")
    assert "no tokens today" in message


def test_post_authentication_gets_respond_to_auth_challenges_client_metadata(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a custom challenge answered right with ClientMetadata WHEN the post
    authentication trigger runs THEN it gets PostAuthentication_Authentication with the
    user's attributes, newDeviceUsed false and that metadata as clientMetadata."""
    _user(aws, pool, "post-dee")
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
    event = _echoed(raised)
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
    answer = _password_sign_in(aws, pool.client, "legacy-eve", OLD_PASSWORD)
    assert "AccessToken" in answer["AuthenticationResult"]
    user = aws("cognito-idp").admin_get_user(UserPoolId=pool.id, Username="legacy-eve")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "legacy-eve@example.com"
    assert (
        "AccessToken"
        in _password_sign_in(aws, pool.client, "legacy-eve", OLD_PASSWORD)["AuthenticationResult"]
    )
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.client, "legacy-eve", "Wrong-Passw0rd!")
    assert _refusal(raised)[0] == "NotAuthorizedException"


def test_user_migration_refusal_is_user_not_found_and_stores_nothing(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN a migration trigger that raises "Bad password" WHEN an unknown user signs in THEN
    UserNotFoundException "UserMigration failed with error ...", NotAuthorizedException on a
    client that hides existence, and no user is stored."""
    idp = aws("cognito-idp")
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.client, "legacy-fay", "Wrong-Passw0rd!")
    code, message = _refusal(raised)
    assert code == "UserNotFoundException"
    assert message.startswith("UserMigration failed with error ")
    assert "Bad password" in message
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.hiding, "legacy-fay", "Wrong-Passw0rd!")
    assert _refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as raised:
        idp.admin_get_user(UserPoolId=pool.id, Username="legacy-fay")
    assert _refusal(raised)[0] == "UserNotFoundException"


def test_user_migration_reset_required_and_invalid_answers(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a migration answer with finalUserStatus RESET_REQUIRED THEN the user is stored
    RESET_REQUIRED and the sign-in is PasswordResetRequiredException; GIVEN an answer with an
    unknown status THEN InvalidLambdaResponseException and no user."""
    idp = aws("cognito-idp")
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.client, "legacy-gus", OLD_PASSWORD, status="RESET_REQUIRED")
    assert _refusal(raised)[0] == "PasswordResetRequiredException"
    user = idp.admin_get_user(UserPoolId=pool.id, Username="legacy-gus")
    assert user["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(ClientError) as raised:
        _password_sign_in(aws, pool.client, "legacy-hal", OLD_PASSWORD, status="BOGUS")
    assert _refusal(raised)[0] == "InvalidLambdaResponseException"
    with pytest.raises(ClientError) as raised:
        idp.admin_get_user(UserPoolId=pool.id, Username="legacy-hal")
    assert _refusal(raised)[0] == "UserNotFoundException"


def test_user_migration_on_forgot_password_and_not_on_srp(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a migration trigger WHEN ForgotPassword names an unknown user THEN the user is
    migrated (RESET_REQUIRED) and a code is sent; WHEN USER_SRP_AUTH names an unknown user
    THEN UserNotFoundException (no password to migrate with)."""
    idp = aws("cognito-idp")
    sent = idp.forgot_password(ClientId=pool.client, Username="legacy-ida")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    user = idp.admin_get_user(UserPoolId=pool.id, Username="legacy-ida")
    assert user["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(ClientError) as raised:
        idp.initiate_auth(
            ClientId=pool.client,
            AuthFlow="USER_SRP_AUTH",
            AuthParameters=AWSSRP(
                "legacy-jo", OLD_PASSWORD, pool.id, pool.client, client=idp
            ).get_auth_params(),
        )
    assert _refusal(raised)[0] == "UserNotFoundException"


# --- CUSTOM_AUTH ----------------------------------------------------------------------------


def _custom_answer(aws: AwsClient, pool: Pool, name: str, session: str, answer: str) -> Any:
    return aws("cognito-idp").respond_to_auth_challenge(
        ClientId=pool.client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=session,
        ChallengeResponses={"USERNAME": name, "ANSWER": answer},
    )


def test_custom_auth_challenge_wrong_then_right_answer_gets_tokens(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN define/create/verify triggers WHEN InitiateAuth CUSTOM_AUTH THEN a
    CUSTOM_CHALLENGE with the public parameters (not the private answer); a wrong ANSWER gets
    another challenge, the right one tokens, and a used Session is refused."""
    _user(aws, pool, "custom-kim")
    first = aws("cognito-idp").initiate_auth(
        ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "custom-kim"}
    )
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert first["ChallengeParameters"] == {"USERNAME": "custom-kim", "hint": "colour of the sky"}
    second = _custom_answer(aws, pool, "custom-kim", first["Session"], "green")
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert second["Session"] != first["Session"]
    with pytest.raises(ClientError) as raised:
        _custom_answer(aws, pool, "custom-kim", first["Session"], "blue")
    assert _refusal(raised)[0] == "NotAuthorizedException"
    tokens = _custom_answer(aws, pool, "custom-kim", second["Session"], "blue")
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_custom_auth_fail_authentication_and_trigger_errors(aws: AwsClient, pool: Pool) -> None:
    """GIVEN define/create/verify triggers WHEN three wrong answers THEN DefineAuthChallenge's
    failAuthentication is NotAuthorizedException "Incorrect username or password."; WHEN
    VerifyAuthChallengeResponse raises THEN UserLambdaValidationException naming it; the
    define trigger's session lists each round with its result and challengeMetadata."""
    _user(aws, pool, "custom-lou")
    idp = aws("cognito-idp")
    session = idp.initiate_auth(
        ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "custom-lou"}
    )["Session"]
    session = _custom_answer(aws, pool, "custom-lou", session, "red")["Session"]
    with pytest.raises(ClientError) as raised:
        idp.respond_to_auth_challenge(
            ClientId=pool.client,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=session,
            ChallengeResponses={"USERNAME": "custom-lou", "ANSWER": "pink"},
            ClientMetadata={"behaviour": "echo:DefineAuthChallenge_Authentication"},
        )
    rounds = _echoed(raised)["request"]["session"]
    assert (
        rounds
        == [
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "challengeResult": False,
                "challengeMetadata": "SKY",
            }
        ]
        * 2
    )
    session = idp.initiate_auth(
        ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "custom-lou"}
    )["Session"]
    with pytest.raises(ClientError) as raised:
        idp.respond_to_auth_challenge(
            ClientId=pool.client,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=session,
            ChallengeResponses={"USERNAME": "custom-lou", "ANSWER": "pink"},
            ClientMetadata={"behaviour": "raise:VerifyAuthChallengeResponse_Authentication"},
        )
    code, message = _refusal(raised)
    assert code == "UserLambdaValidationException"
    assert message.startswith("VerifyAuthChallengeResponse failed with error ")
    session = idp.initiate_auth(
        ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "custom-lou"}
    )["Session"]
    for wrong in ("red", "pink"):
        session = _custom_answer(aws, pool, "custom-lou", session, wrong)["Session"]
    with pytest.raises(ClientError) as raised:
        _custom_answer(aws, pool, "custom-lou", session, "gold")
    assert _refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")


def test_custom_auth_with_srp_first_step_through_pycognito(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a define trigger that answers SRP_A with PASSWORD_VERIFIER WHEN a client starts
    CUSTOM_AUTH with SRP_A and CHALLENGE_NAME=SRP_A and answers the SRP challenge with
    pycognito's proof THEN the custom challenge follows, and its right answer gets tokens; a
    wrong password is "Incorrect username or password."."""
    _user(aws, pool, "custom-max")
    idp = aws("cognito-idp")
    for password, works in (("Wrong-Passw0rd!", False), (PASSWORD, True)):
        srp = AWSSRP("custom-max", password, pool.id, pool.client, client=idp)
        parameters = {**srp.get_auth_params(), "CHALLENGE_NAME": "SRP_A"}
        challenge = idp.initiate_auth(
            ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters=parameters
        )
        assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"

        def verify(srp: AWSSRP = srp, challenge: Any = challenge, sent: Any = parameters) -> Any:
            return idp.respond_to_auth_challenge(
                ClientId=pool.client,
                ChallengeName="PASSWORD_VERIFIER",
                Session=challenge["Session"],
                ChallengeResponses=srp.process_challenge(challenge["ChallengeParameters"], sent),
            )

        if not works:
            with pytest.raises(ClientError) as raised:
                verify()
            assert _refusal(raised) == (
                "NotAuthorizedException",
                "Incorrect username or password.",
            )
            continue
        custom = verify()
        assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
        tokens = _custom_answer(aws, pool, "custom-max", custom["Session"], "blue")
        assert "AccessToken" in tokens["AuthenticationResult"]
