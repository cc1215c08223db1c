"""The test app's Cognito triggers, written as a team's own would be (one handler per trigger).

By default each does its job: pre sign-up confirms users of trusted.example and refuses
blocked.example; post confirmation writes the user's row; pre authentication refuses locked
accounts; post authentication records the sign-in; custom message brands every message; custom
auth asks one question (after the password, when the client starts with SRP_A); migration knows
one legacy user; pre token generation adds a `tenant` claim; the custom senders decrypt the code
with KMS and "deliver" it as a row of the table (the test reads it there).

`clientMetadata` {"behaviour": "raise" | "slow" | "invalid"} makes any of them fail, per call:
raise an error, run past Cognito's 5 s, or answer something that is not the event.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any

import boto3

Event = dict[str, Any]

TRUSTED_DOMAIN = "trusted.example"
BLOCKED_DOMAIN = "blocked.example"
LEGACY_USER = "legacy@legacy.example"
LEGACY_PASSWORD = "Legacy-Passw0rd!"
QUESTION, ANSWER = "What is 6 x 7?", "42"
BRAND = "Example Co"
SLOW_SECONDS = 7.0  # past Cognito's 5 s, within the function's own 10 s timeout


def _misbehaves(event: Event) -> Any:
    """What `clientMetadata.behaviour` asks for instead of the normal answer (None: behave)."""
    request = event.get("request") or {}
    behaviour = (request.get("clientMetadata") or {}).get("behaviour")
    if behaviour == "raise":
        raise RuntimeError(f"{event['triggerSource']} refused by the test")
    if behaviour == "slow":
        time.sleep(SLOW_SECONDS)
    if behaviour == "invalid":
        return "not an event"
    return None


def _table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])


def _email(event: Event) -> str:
    return str(event["request"].get("userAttributes", {}).get("email", ""))


def pre_sign_up(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    domain = _email(event).rpartition("@")[2]
    if domain == BLOCKED_DOMAIN:
        raise ValueError(f"Sign-ups from {BLOCKED_DOMAIN} are closed")
    if domain == TRUSTED_DOMAIN:
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event


def post_confirmation(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    if event["triggerSource"] == "PostConfirmation_ConfirmSignUp":
        attributes = event["request"]["userAttributes"]
        _table().put_item(Item={"sub": attributes["sub"], "email": _email(event)})
    return event


def pre_authentication(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    if _email(event).startswith("locked"):
        raise PermissionError("This account is locked")
    return event


def post_authentication(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    sub = event["request"]["userAttributes"]["sub"]
    _table().put_item(Item={"sub": f"sign-in#{sub}", "at": str(int(time.time()))})
    return event


def custom_message(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    code = event["request"].get("codeParameter") or ""
    event["response"]["emailSubject"] = f"{BRAND}: your code"
    event["response"]["emailMessage"] = f"Welcome to {BRAND}. Your code is {code}"
    event["response"]["smsMessage"] = f"{BRAND} code: {code}"
    return event


def define_auth_challenge(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    session = event["request"].get("session") or []
    last = session[-1] if session else None
    response = event["response"]
    response.update(issueTokens=False, failAuthentication=False)
    if last is None or (last["challengeName"] == "PASSWORD_VERIFIER" and last["challengeResult"]):
        response["challengeName"] = "CUSTOM_CHALLENGE"
    elif last["challengeName"] == "SRP_A":
        response["challengeName"] = "PASSWORD_VERIFIER"
    elif last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        response["issueTokens"] = True
    elif len(session) >= 3:
        response["failAuthentication"] = True
    else:
        response["challengeName"] = "CUSTOM_CHALLENGE"
    return event


def create_auth_challenge(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    event["response"]["publicChallengeParameters"] = {"question": QUESTION}
    event["response"]["privateChallengeParameters"] = {"answer": ANSWER}
    event["response"]["challengeMetadata"] = "QUESTION"
    return event


def verify_auth_challenge(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    expected = event["request"]["privateChallengeParameters"].get("answer")
    event["response"]["answerCorrect"] = event["request"].get("challengeAnswer") == expected
    return event


def user_migration(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    if event["userName"] != LEGACY_USER:
        raise LookupError("User does not exist in the legacy system")
    signing_in = event["triggerSource"] == "UserMigration_Authentication"
    if signing_in and event["request"].get("password") != LEGACY_PASSWORD:
        raise PermissionError("Bad password")
    event["response"]["userAttributes"] = {"email": LEGACY_USER, "email_verified": "true"}
    event["response"]["finalUserStatus"] = "CONFIRMED"
    event["response"]["messageAction"] = "SUPPRESS"
    return event


def pre_token_generation(event: Event, context: Any) -> Any:
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    claims = {"claimsToAddOrOverride": {"tenant": "example"}}
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": claims,
        "accessTokenGeneration": claims,
    }
    return event


def _deliver(event: Event) -> Any:
    """Decrypt the code with KMS and 'send' it: a row per address, as a provider's log."""
    answer = _misbehaves(event)
    if answer is not None:
        return answer
    request = event["request"]
    ciphertext = base64.b64decode(request["code"])
    plain = boto3.client("kms").decrypt(
        CiphertextBlob=ciphertext, EncryptionContext={"userpool-id": event["userPoolId"]}
    )["Plaintext"]
    attributes = request.get("userAttributes") or {}
    to = attributes.get("email") or attributes.get("phone_number") or event["userName"]
    item = {"sub": f"sent#{to}", "code": plain.decode(), "source": event["triggerSource"]}
    _table().put_item(Item=item | {"type": request["type"]})
    return None  # Cognito reads nothing back from a sender


def custom_email_sender(event: Event, context: Any) -> Any:
    return _deliver(event)


def custom_sms_sender(event: Event, context: Any) -> Any:
    return _deliver(event)
