"""A trigger function the test scripts: created through the Lambda API in the triggers app's
emulator, it records each event it gets and answers what the test last put in its S3 bucket
(an answer, an error, something that is not JSON, a huge answer, a long sleep: its timeout
is 10 s, past Cognito's 5 s wait), so one warm function serves
every example of a Hypothesis test."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from local.runtime.client import LocalClients
from tests.local.emulator.lambda_functions import create_function

SOURCE = """
import json
import time

import boto3

BUCKET = "{bucket}"


def handler(event, context):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKET, Key="seen", Body=json.dumps(event))
    script = json.loads(s3.get_object(Bucket=BUCKET, Key="script")["Body"].read())
    kind = script["kind"]
    if kind == "raise":
        raise ValueError(script["message"])
    if kind == "sleep":
        time.sleep(script["seconds"])
        return event
    if kind == "not-json":
        return {{"response": {{1, 2}}}}
    if kind == "huge":
        return {{"response": {{"blob": "x" * script["size"]}}}}
    if kind == "event":
        event["response"] = script["response"]
        return event
    return script["answer"]
"""


@dataclass(frozen=True)
class ScriptedTrigger:
    """One scripted function: `arn` for LambdaConfig; `script()` sets its next answers."""

    aws: LocalClients
    arn: str
    bucket: str

    @classmethod
    def create(cls, aws: LocalClients, name: str) -> ScriptedTrigger:
        bucket = f"scripted-{name}-{uuid.uuid4().hex[:8]}".lower()
        aws("s3").create_bucket(Bucket=bucket)
        unique = f"{name}-{uuid.uuid4().hex[:6]}"
        arn = create_function(aws, unique, SOURCE.format(bucket=bucket), timeout=10)
        scripted = cls(aws, arn, bucket)
        scripted.script({"kind": "answer", "answer": None})
        return scripted

    def script(self, script: dict[str, Any]) -> None:
        self.aws("s3").put_object(Bucket=self.bucket, Key="script", Body=json.dumps(script))

    def seen(self) -> dict[str, Any]:
        """The last event the function got."""
        body = self.aws("s3").get_object(Bucket=self.bucket, Key="seen")["Body"].read()
        event: dict[str, Any] = json.loads(body)
        return event
