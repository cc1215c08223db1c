"""The pool the sign-in trigger tests share: one function for every trigger (PreAuthentication,
PostAuthentication, UserMigration, the custom challenge triggers), created through the Lambda
API, and two app clients (one shows user-existence errors, one hides them).

The function raises when its metadata says `raise:<triggerSource>`, answers after Cognito's 5 s
for `slow:<triggerSource>`, answers a malformed response for `invalid:<triggerSource>`, and
raises with its event (as JSON) when it says `echo:<triggerSource>`, so a test reads the event
Cognito built from the error message; a user whose name starts with `nopost` is refused by
PostAuthentication.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.emulator.conftest import AwsClient
from tests.local.emulator.lambda_functions import create_function as _function

PASSWORD = "Passw0rd!Passw0rd"
OLD_PASSWORD = "Old-Passw0rd!"
TRIGGER = """
import json
import time


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
    if behaviour == "slow:" + source:
        time.sleep(6)
    if behaviour == "invalid:" + source:
        event["response"] = {"issueTokens": "yes", "answerCorrect": "maybe", "finalUserStatus": 7}
        return event
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


def make_pool(aws: AwsClient, name: str) -> Pool:
    """A pool named `name` whose every sign-in trigger is a new function `name`."""
    arn = _function(aws, name, TRIGGER, timeout=10)
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=name, LambdaConfig=dict.fromkeys(TRIGGERS, arn))[
        "UserPool"
    ]["Id"]
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


def make_user(aws: AwsClient, pool: Pool, name: str) -> None:
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


def password_sign_in(
    aws: AwsClient, client: str, name: str, password: str = PASSWORD, **metadata: str
) -> dict[str, Any]:
    answer: dict[str, Any] = aws("cognito-idp").initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
        ClientMetadata=metadata,
    )
    return answer


def refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def echoed(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    """The event a trigger echoed in its error."""
    message = refusal(raised)[1]
    echoed: dict[str, Any] = json.loads(message[message.index("{") : message.rindex("}") + 1])
    return echoed
