"""Hypothesis over what a trigger answers (malformed, missing keys, wrong types, huge, not JSON,
raising): the operation either succeeds or answers one of Cognito's trigger errors, never a
5xx, and stores nothing it should not.

Each case is one trigger: how its pool names the scripted function (tests/local/triggers/
scripted.py), the operation that runs it, and what must not be stored when it fails. Another
trigger's case is one more `TriggerCase` in CASES.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.emulator.caller.outbox import read_outbox
from tests.local.hosted_ui.oauth import create_user
from tests.local.triggers.conftest import TriggersApp
from tests.local.triggers.scripted import ScriptedTrigger

pytestmark = pytest.mark.local

PASSWORD = "Correct-Horse-9!"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH"]
TRIGGER_ERRORS = {
    "UserLambdaValidationException",
    "InvalidLambdaResponseException",
    "UnexpectedLambdaException",
}

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _shaped(keys: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A response with the trigger's own keys (each present or not) holding any JSON, or the
    shapes nested under them."""
    return st.fixed_dictionaries({}, optional=dict(keys))


TOKEN_GENERATION = _shaped(
    {
        "claimsToAddOrOverride": JSON,
        "claimsToSuppress": JSON,
        "scopesToAdd": JSON,
        "scopesToSuppress": JSON,
    }
)
PRE_TOKEN_RESPONSES = _shaped(
    {
        "claimsAndScopeOverrideDetails": JSON
        | _shaped(
            {
                "idTokenGeneration": JSON | TOKEN_GENERATION,
                "accessTokenGeneration": JSON | TOKEN_GENERATION,
                "groupOverrideDetails": JSON | _shaped({"groupsToOverride": JSON}),
            }
        )
    }
)


def scripts(responses: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """What the scripted function does: any answer at all, the event with any response (or the
    trigger's own keys with wrong values), an error, something that is not JSON, a huge one."""
    return st.one_of(
        st.builds(lambda a: {"kind": "answer", "answer": a}, JSON),
        st.builds(lambda r: {"kind": "event", "response": r}, JSON | responses),
        st.builds(lambda m: {"kind": "raise", "message": m}, st.text(min_size=1, max_size=60)),
        st.just({"kind": "not-json"}),
        st.builds(lambda n: {"kind": "huge", "size": n}, st.sampled_from([10_000, 1_000_000])),
    )


@dataclass(frozen=True)
class Pool:
    app: TriggersApp
    pool_id: str
    client_id: str
    username: str

    @property
    def cognito(self) -> Any:
        return self.app.cognito

    def outbox(self) -> list[Any]:
        messages = read_outbox(self.app.endpoint_url, user_pool_id=self.pool_id)
        return [m for m in messages if m.username == self.username]


@dataclass(frozen=True)
class TriggerCase:
    """One trigger: its LambdaConfig, the call that runs it, what nothing-stored means."""

    name: str
    lambda_config: Callable[[str, str], dict[str, Any]]  # (function ARN, KMS key id)
    call: Callable[[Pool], dict[str, Any]]
    unchanged: Callable[[Pool, dict[str, Any] | None], None]  # (pool, the call's answer)
    responses: st.SearchStrategy[Any]
    # the operation's own refusals that an answer can cause, as on Cognito (not trigger errors)
    refusals: frozenset[str] = frozenset()


def _sign_in(pool: Pool) -> dict[str, Any]:
    answer: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": pool.username, "PASSWORD": PASSWORD},
    )
    return answer


def _tokens_only_on_success(pool: Pool, answer: dict[str, Any] | None) -> None:
    if answer is not None:
        assert "AccessToken" in answer["AuthenticationResult"]


def _forgot_password(pool: Pool) -> dict[str, Any]:
    answer: dict[str, Any] = pool.cognito.forgot_password(
        ClientId=pool.client_id, Username=pool.username
    )
    return answer


def _no_message_in_outbox(pool: Pool, answer: dict[str, Any] | None) -> None:
    assert pool.outbox() == []  # the sender took it, or it failed: Cognito sent nothing


def _sender(arn: str, key_id: str) -> dict[str, Any]:
    version = {"LambdaArn": arn, "LambdaVersion": "V1_0"}
    return {"CustomEmailSender": version, "CustomSMSSender": version, "KMSKeyID": key_id}


def _signing_up(pool: Pool) -> str:
    return f"new-{pool.username}"


def _sign_up(pool: Pool) -> dict[str, Any]:
    """SignUp of one new user (the last example's, if any, deleted first)."""
    if _user_exists(pool, _signing_up(pool)):
        pool.cognito.admin_delete_user(UserPoolId=pool.pool_id, Username=_signing_up(pool))
    answer: dict[str, Any] = pool.cognito.sign_up(
        ClientId=pool.client_id,
        Username=_signing_up(pool),
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": _signing_up(pool)}],
    )
    return answer


def _user_exists(pool: Pool, username: str) -> bool:
    try:
        pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    except ClientError as error:
        if error.response["Error"]["Code"] == "UserNotFoundException":
            return False
        raise
    return True


def _user_only_on_success(pool: Pool, answer: dict[str, Any] | None) -> None:
    assert _user_exists(pool, _signing_up(pool)) is (answer is not None)


def _custom_auth(pool: Pool) -> dict[str, Any]:
    answer: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": pool.username}
    )
    return answer


def _tokens_or_a_challenge(pool: Pool, answer: dict[str, Any] | None) -> None:
    if answer is not None:
        assert "AuthenticationResult" in answer or answer["ChallengeName"] == "CUSTOM_CHALLENGE"


def _custom_auth_triggers(arn: str, _key: str) -> dict[str, Any]:
    """The scripted function as all three: define answers first, so its case is define's."""
    names = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")
    return dict.fromkeys(names, arn)


FLAG = JSON | st.booleans()
PRE_SIGN_UP_RESPONSES = _shaped(
    {"autoConfirmUser": FLAG, "autoVerifyEmail": FLAG, "autoVerifyPhone": FLAG}
)
DEFINE_RESPONSES = _shaped(
    {
        "challengeName": JSON | st.sampled_from(["CUSTOM_CHALLENGE", "PASSWORD_VERIFIER", "SRP_A"]),
        "issueTokens": FLAG,
        "failAuthentication": FLAG,
    }
)

CASES = [
    TriggerCase(
        "PreTokenGeneration",
        lambda arn, _key: {"PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": "V2_0"}},
        _sign_in,
        _tokens_only_on_success,
        PRE_TOKEN_RESPONSES,
    ),
    TriggerCase("CustomEmailSender", _sender, _forgot_password, _no_message_in_outbox, JSON),
    TriggerCase(
        "PreSignUp",
        lambda arn, _key: {"PreSignUp": arn},
        _sign_up,
        _user_only_on_success,
        PRE_SIGN_UP_RESPONSES,
        # "Phone or email cannot be auto verified, when user is not being auto confirmed."
        frozenset({"InvalidParameterException"}),
    ),
    TriggerCase(
        "DefineAuthChallenge",
        _custom_auth_triggers,
        _custom_auth,
        _tokens_or_a_challenge,
        DEFINE_RESPONSES,
        frozenset({"NotAuthorizedException"}),  # failAuthentication
    ),
]


@pytest.fixture(scope="module")
def scripted(triggers_app: TriggersApp) -> ScriptedTrigger:
    return ScriptedTrigger.create(triggers_app.aws, "responses")


def _pool(app: TriggersApp, case: TriggerCase, scripted: ScriptedTrigger) -> Pool:
    """A pool with only this case's trigger (the scripted function), one confirmed user."""
    cognito = app.cognito
    key_id = app.aws("kms").create_key()["KeyMetadata"]["KeyId"]
    pool_id = cognito.create_user_pool(
        PoolName=f"responses-{uuid.uuid4().hex[:6]}",
        LambdaConfig=case.lambda_config(scripted.arn, key_id),
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="responses", ExplicitAuthFlows=AUTH_FLOWS
    )["UserPoolClient"]["ClientId"]
    username = f"u{uuid.uuid4().hex[:10]}@example.com"
    scripted.script({"kind": "event", "response": {}})  # PreSignUp lets the user in
    create_user(cognito, pool_id, username, PASSWORD)
    return Pool(app, pool_id, client_id, username)


def _outcome(case: TriggerCase, pool: Pool) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The operation's answer, or the error response it got instead."""
    try:
        return case.call(pool), None
    except ClientError as error:
        refusal: dict[str, Any] = error.response
        return None, refusal


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_given_any_trigger_answer_when_the_operation_runs_then_cognitos_answer_never_a_5xx(
    triggers_app: TriggersApp, scripted: ScriptedTrigger, case: TriggerCase
) -> None:
    pool = _pool(triggers_app, case, scripted)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(script=scripts(case.responses))
    def check(script: dict[str, Any]) -> None:
        scripted.script(script)
        answer, refusal = _outcome(case, pool)
        if refusal is None:
            assert script["kind"] != "raise", "a raising trigger must fail the operation"
        else:
            status = refusal["ResponseMetadata"]["HTTPStatusCode"]
            code, message = refusal["Error"]["Code"], refusal["Error"]["Message"]
            assert status == 400, (status, code, script)
            assert code in TRIGGER_ERRORS | case.refusals, (code, script)
            if code in TRIGGER_ERRORS - {"InvalidLambdaResponseException"}:
                assert message.startswith(case.name), (message, script)
        case.unchanged(pool, answer)

    check()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_given_a_trigger_past_cognitos_5_s_when_the_operation_runs_then_cognitos_timeout_error(
    triggers_app: TriggersApp, scripted: ScriptedTrigger, case: TriggerCase
) -> None:
    pool = _pool(triggers_app, case, scripted)
    scripted.script({"kind": "sleep", "seconds": 5.5})
    answer, refusal = _outcome(case, pool)
    assert refusal is not None, answer
    assert refusal["Error"]["Code"] == "UnexpectedLambdaException"
    assert refusal["Error"]["Message"] == (
        f"{case.name} invocation failed due to error Socket timeout while invoking Lambda function."
    )
    case.unchanged(pool, None)
