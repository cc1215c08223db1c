"""Lambda functions the emulator tests create through the Lambda API (a pool trigger's code)."""

from __future__ import annotations

import io
import zipfile

from tests.local.emulator.conftest import AwsClient


def create_function(aws: AwsClient, name: str, source: str, *, timeout: int = 3) -> str:
    """A python3.12 function `name` whose `trigger.py` is `source` (handler `handler`), with
    Lambda's default timeout unless given; its ARN."""
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
        Timeout=timeout,
    )
    return str(function["FunctionArn"])
