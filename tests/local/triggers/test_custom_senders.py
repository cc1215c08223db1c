"""CustomEmailSender and CustomSMSSender with boto3, on pools made through the API with a
scripted sender: the event as AWS documents it, the code encrypted by the local KMS, nothing in
the outbox, and Cognito's errors when the sender fails."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from local.emulator.caller.outbox import read_outbox
from tests.local.triggers.conftest import TriggersApp
from tests.local.triggers.scripted import ScriptedTrigger

pytestmark = pytest.mark.local

PASSWORD = "Correct-Horse-9!"


@dataclass(frozen=True)
class SenderPool:
    app: TriggersApp
    sender: ScriptedTrigger
    key_id: str
    pool_id: str
    client_id: str

    @property
    def cognito(self) -> Any:
        return self.app.cognito

    def decrypted(self, code: str) -> str:
        plain = self.app.aws("kms").decrypt(
            CiphertextBlob=base64.b64decode(code),
            EncryptionContext={"userpool-id": self.pool_id},
        )["Plaintext"]
        return str(plain.decode())

    def outbox(self) -> list[Any]:
        return list(read_outbox(self.app.endpoint_url, user_pool_id=self.pool_id))


@pytest.fixture(scope="module")
def senders(triggers_app: TriggersApp) -> SenderPool:
    """One pool whose CustomEmailSender and CustomSMSSender are one scripted function."""
    sender = ScriptedTrigger.create(triggers_app.aws, "sender")
    key_id = triggers_app.aws("kms").create_key()["KeyMetadata"]["KeyId"]
    version = {"LambdaArn": sender.arn, "LambdaVersion": "V1_0"}
    pool = triggers_app.cognito.create_user_pool(
        PoolName=f"senders-{uuid.uuid4().hex[:6]}",
        AutoVerifiedAttributes=["email", "phone_number"],
        LambdaConfig={"CustomEmailSender": version, "CustomSMSSender": version, "KMSKeyID": key_id},
    )["UserPool"]
    client = triggers_app.cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="senders", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    return SenderPool(triggers_app, sender, key_id, pool["Id"], client["ClientId"])


def _sign_up(pool: SenderPool, name: str, value: str) -> str:
    username = f"u{uuid.uuid4().hex[:10]}"
    pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": name, "Value": value}],
    )
    return username


def test_given_a_custom_email_sender_when_a_user_signs_up_then_the_event_is_as_aws_documents(
    senders: SenderPool,
) -> None:
    senders.sender.script({"kind": "answer", "answer": None})
    email = f"e-{uuid.uuid4().hex[:8]}@example.com"
    username = _sign_up(senders, "email", email)
    event = senders.sender.seen()
    assert event["triggerSource"] == "CustomEmailSender_SignUp"
    assert event["version"] == "1"
    assert event["userPoolId"] == senders.pool_id
    assert event["userName"] == username
    assert set(event["callerContext"]) == {"awsSdkVersion", "clientId"}
    request = event["request"]
    assert request["type"] == "customEmailSenderRequestV1"
    assert request["userAttributes"]["email"] == email
    assert "clientMetadata" in request
    code = senders.decrypted(request["code"])
    assert len(code) == 6
    assert code.isdigit()
    assert request["code"] != code  # never in plaintext
    senders.cognito.confirm_sign_up(
        ClientId=senders.client_id, Username=username, ConfirmationCode=code
    )
    assert [m for m in senders.outbox() if m.username == username] == []


def test_given_a_custom_sms_sender_when_a_phone_user_signs_up_then_the_sms_sender_gets_it(
    senders: SenderPool,
) -> None:
    senders.sender.script({"kind": "answer", "answer": None})
    phone = f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    _sign_up(senders, "phone_number", phone)
    event = senders.sender.seen()
    assert event["triggerSource"] == "CustomSMSSender_SignUp"
    assert event["request"]["type"] == "customSMSSenderRequestV1"
    assert event["request"]["userAttributes"]["phone_number"] == phone
    assert senders.decrypted(event["request"]["code"]).isdigit()


def test_given_a_custom_email_sender_when_an_attribute_changes_or_is_verified_then_sources_differ(
    senders: SenderPool,
) -> None:
    senders.sender.script({"kind": "answer", "answer": None})
    email = f"e-{uuid.uuid4().hex[:8]}@example.com"
    username = _sign_up(senders, "email", email)
    senders.cognito.admin_confirm_sign_up(UserPoolId=senders.pool_id, Username=username)
    token = senders.cognito.initiate_auth(
        ClientId=senders.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    new = f"n-{uuid.uuid4().hex[:8]}@example.com"
    senders.cognito.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": new}]
    )
    updated = senders.sender.seen()
    assert updated["triggerSource"] == "CustomEmailSender_UpdateUserAttribute"
    assert updated["request"]["userAttributes"]["email"] == new
    senders.cognito.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert senders.sender.seen()["triggerSource"] == "CustomEmailSender_VerifyUserAttribute"


def test_given_a_failing_custom_sender_when_a_user_signs_up_then_cognitos_error_and_no_message(
    senders: SenderPool,
) -> None:
    senders.sender.script({"kind": "raise", "message": "provider down"})
    email = f"e-{uuid.uuid4().hex[:8]}@example.com"
    with pytest.raises(senders.cognito.exceptions.UserLambdaValidationException) as raised:
        _sign_up(senders, "email", email)
    message = raised.value.response["Error"]["Message"]
    assert message == "CustomEmailSender failed with error provider down."
    assert [m for m in senders.outbox() if m.destination == email] == []
