"""The pool's Lambda triggers as Cognito runs them: which function `LambdaConfig` names for a
trigger, the common part of every trigger event, one run with Cognito's wait, and Cognito's
errors.

moto stores `LambdaConfig` and ignores it; Cognito calls the function synchronously in the
middle of the operation. Here the deployed function runs in a warm worker process
(`functions.DeployedFunctions`, the same runner the pre token trigger uses), and:

- a function that raises (or fails to load, or hits its own timeout) is
  `UserLambdaValidationException` "<Trigger> failed with error <errorMessage>.";
- a function still running after Cognito's 5 s is `UnexpectedLambdaException` "<Trigger>
  invocation failed due to error Socket timeout while invoking Lambda function." (what Cognito
  answers then; the function itself runs on until its own timeout, as on AWS);
- an answer that is not an object with a `response` object is
  `InvalidLambdaResponseException` "Unrecognizable lambda output".

Each operation builds its trigger's `request` and reads the `response` it gets back; what a
trigger refuses is refused before anything is stored, as on Cognito.
"""

from __future__ import annotations

import atexit
import logging
import re
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool

from local.emulator.server.functions import DeployedFunctions, FunctionError, FunctionTimeoutError

from .exceptions import InvalidLambdaResponseError, UnexpectedLambdaError, UserLambdaValidationError

log = logging.getLogger("local.emulator.server.cognito.lambda_triggers")

# How long Cognito waits for a trigger's function.
TRIGGER_WAIT_SECONDS = 5.0
# The triggers by their LambdaConfig key (PreTokenGeneration's own rules: triggers.py).
TRIGGERS = (
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
    "UserMigration",
    "CustomSMSSender",
    "CustomEmailSender",
)
# What Cognito's events carry as the caller's SDK when it cannot tell.
SDK_VERSION = "aws-sdk-unknown-unknown"

# The exception's name before its message on a traceback's last line ("ValueError: no").
_EXCEPTION_PREFIX = re.compile(r"^[A-Za-z_][\w.]*: ")

RUNNER = DeployedFunctions()
atexit.register(RUNNER.close)


def function_arn(pool: CognitoIdpUserPool, trigger: str) -> str | None:
    """The function `LambdaConfig` names for `trigger` (an ARN, or for the custom senders a
    `{"LambdaArn", "LambdaVersion"}` object), or None when the pool has none."""
    if trigger not in TRIGGERS:
        raise ValueError(f"not a Cognito trigger: {trigger}")
    configured = (pool.extended_config.get("LambdaConfig") or {}).get(trigger)
    if isinstance(configured, dict):
        configured = configured.get("LambdaArn")
    return configured if isinstance(configured, str) and configured else None


def has_trigger(pool: CognitoIdpUserPool, trigger: str) -> bool:
    return function_arn(pool, trigger) is not None


def event(
    pool: CognitoIdpUserPool,
    trigger_source: str,
    *,
    user_name: str | None,
    client_id: str | None,
    request: dict[str, Any],
    version: str = "1",
) -> dict[str, Any]:
    """A trigger event as Cognito sends it: the common fields, `request`, an empty `response`."""
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user_name,
        "callerContext": {
            "awsSdkVersion": SDK_VERSION,
            "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE",
        },
        "request": request,
        "response": {},
    }


def run(pool: CognitoIdpUserPool, trigger: str, sent: dict[str, Any]) -> dict[str, Any] | None:
    """Run the pool's `trigger` with the event `sent`; the `response` object it answered, or
    None when the pool has no such trigger. Cognito's errors otherwise (module docstring)."""
    arn = function_arn(pool, trigger)
    if arn is None:
        return None
    answer = call(arn, trigger, sent)
    if not isinstance(answer, dict) or not isinstance(answer.get("response"), dict):
        log.warning("%s trigger %s answered no event with a response object", trigger, arn)
        raise InvalidLambdaResponseError()
    response: dict[str, Any] = answer["response"]
    return response


def call(arn: str, trigger: str, sent: dict[str, Any]) -> Any:
    """The function's answer as it returned it, unread (the custom senders' answer means
    nothing to Cognito); Cognito's errors when it raised or did not answer in time."""
    try:
        return RUNNER.invoke(arn, sent, wait_seconds=TRIGGER_WAIT_SECONDS)
    except FunctionTimeoutError:
        log.warning("%s trigger %s: no answer within %.0f s", trigger, arn, TRIGGER_WAIT_SECONDS)
        raise UnexpectedLambdaError(
            f"{trigger} invocation failed due to error Socket timeout while invoking Lambda "
            "function."
        ) from None
    except FunctionError as error:
        log.warning("%s trigger %s failed: %s", trigger, arn, error.detail)
        message = _error_message(error)
        raise UserLambdaValidationError(f"{trigger} failed with error {message}.") from None


def _error_message(error: FunctionError) -> str:
    """Lambda's `errorMessage` (what Cognito quotes): an exception's own words, without the
    `ValueError: ` its traceback's last line starts with."""
    if not error.detail.startswith("Traceback"):
        return str(error)
    return _EXCEPTION_PREFIX.sub("", str(error), count=1)
