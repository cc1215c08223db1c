"""A pool with the sign-up triggers (PreSignUp, PostConfirmation, CustomMessage) on one deployed
function whose behaviour each call picks through `ClientMetadata` ({"<Trigger>": "<behaviour>"}),
and which writes every event it gets to a file the test reads."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import read_outbox
from local.emulator.wire import OutboxMessage
from tests.local.emulator.conftest import AwsClient

PASSWORD = "Correct-Horse-9!"

# {path} is the file the events go to (the worker runs on this machine).
SOURCE = """
import json, os, time

RECORD = {path!r}


def handler(event, context):
    with open(RECORD, "a") as record:
        record.write(json.dumps(event) + "\\n")
    trigger = event["triggerSource"].split("_")[0]
    behaviour = (event["request"].get("clientMetadata") or {{}}).get(trigger) or os.environ.get(
        "DEFAULT_" + trigger, ""
    )
    code = event["request"].get("codeParameter")
    name = event["request"].get("usernameParameter")
    answers = {{
        "raise": None,
        "slow": None,
        "confirm": {{"autoConfirmUser": True, "autoVerifyEmail": True}},
        "verify-only": {{"autoVerifyEmail": True}},
        "verify-phone": {{"autoConfirmUser": True, "autoVerifyPhone": True}},
        "bad-flag": {{"autoConfirmUser": "yes"}},
        "custom": {{"emailSubject": "Welcome aboard", "emailMessage": f"Your code: {{code}}!"}},
        "no-code": {{"emailSubject": "Lost code", "emailMessage": "There is no code here."}},
        "not-text": {{"emailMessage": 42}},
        "invite": {{"emailSubject": "Join us", "emailMessage": f"{{name}} / {{code}}"}},
    }}
    if behaviour == "raise":
        raise ValueError(f"{{trigger}} says no")
    if behaviour == "slow":
        time.sleep(6)
    if behaviour == "invalid":
        return "not an event"
    event["response"].update(answers.get(behaviour) or {{}})
    return event
"""


def deploy(aws: AwsClient, name: str, record: Path, defaults: dict[str, str]) -> str:
    """The recording function, deployed through the Lambda API (timeout 10 s); its ARN.
    `defaults`: the behaviour of a trigger when the call's ClientMetadata names none."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("trigger.py", SOURCE.format(path=str(record)))
    role = aws("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")
    made = aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="trigger.handler",
        Timeout=10,
        Environment={"Variables": {f"DEFAULT_{k}": v for k, v in defaults.items()}},
        Code={"ZipFile": archive.getvalue()},
    )
    return str(made["FunctionArn"])


@dataclass
class TriggeredPool:
    endpoint_url: str
    cognito: Any
    pool_id: str
    client_id: str
    record: Path

    @staticmethod
    def make(
        aws: AwsClient,
        endpoint_url: str,
        name: str,
        record: Path,
        defaults: dict[str, str] | None = None,
    ) -> TriggeredPool:
        """A pool (e-mail sign-in, auto-verified e-mail) with all three triggers on one new
        function, and an app client with the password flow."""
        arn = deploy(aws, name, record, defaults or {})
        cognito = aws("cognito-idp")
        pool_id = cognito.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            LambdaConfig={"PreSignUp": arn, "PostConfirmation": arn, "CustomMessage": arn},
        )["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"{name}-client",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        return TriggeredPool(endpoint_url, cognito, pool_id, client_id, record)

    def sign_up(self, email: str, **behaviours: str) -> dict[str, Any]:
        """SignUp with `behaviours` as the ClientMetadata the triggers read."""
        answer: dict[str, Any] = self.cognito.sign_up(
            ClientId=self.client_id,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
            ClientMetadata=behaviours,
        )
        return answer

    def events(self, *emails: str) -> list[dict[str, Any]]:
        """The events the function got for the user with one of `emails`, oldest first."""
        if not self.record.exists():
            return []
        events = [json.loads(line) for line in self.record.read_text().splitlines()]
        return [e for e in events if e["request"].get("userAttributes", {}).get("email") in emails]

    def access_token(self, email: str) -> str:
        """A confirmed user's access token (USER_PASSWORD_AUTH)."""
        signed_in = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return str(signed_in["AuthenticationResult"]["AccessToken"])

    def sources(self, email: str) -> list[str]:
        return [e["triggerSource"] for e in self.events(email)]

    def messages(self, destination: str) -> list[OutboxMessage]:
        return read_outbox(self.endpoint_url, user_pool_id=self.pool_id, destination=destination)

    def user(self, email: str) -> dict[str, Any] | None:
        """AdminGetUser's answer, None for no such user."""
        try:
            found: dict[str, Any] = self.cognito.admin_get_user(
                UserPoolId=self.pool_id, Username=email
            )
        except self.cognito.exceptions.UserNotFoundException:
            return None
        return found


def new_email() -> str:
    return f"t-{uuid.uuid4().hex[:10]}@example.com"


def pool_fixture(name: str) -> Any:
    """A module's `pool` fixture: its own TriggeredPool named `name`."""

    @pytest.fixture(scope="module")
    def pool(
        aws: AwsClient, emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory
    ) -> TriggeredPool:
        record = tmp_path_factory.mktemp(name) / "events.jsonl"
        return TriggeredPool.make(aws, emulator.endpoint_url, name, record)

    return pool
