"""The trigger test app deploys into the local emulator with every trigger attached."""

from __future__ import annotations

import pytest

from tests.local.triggers.conftest import STACK_NAME, TriggersApp

pytestmark = pytest.mark.local

# LambdaConfig's keys once every trigger is attached (the pre token trigger as V2: its Config).
ALL_TRIGGERS = {
    *("PreSignUp", "PostConfirmation", "PreAuthentication", "PostAuthentication"),
    *("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse"),
    *("CustomMessage", "PreTokenGenerationConfig", "UserMigration"),
    *("CustomSMSSender", "CustomEmailSender", "KMSKeyID"),
}


def test_given_the_deployed_app_when_the_pool_is_described_then_every_trigger_is_attached(
    triggers_app: TriggersApp,
) -> None:
    pool = triggers_app.cognito.describe_user_pool(UserPoolId=triggers_app.pool_id)["UserPool"]
    config = pool["LambdaConfig"]
    assert set(config) >= ALL_TRIGGERS, sorted(config)
    assert config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert config["KMSKeyID"] == triggers_app.key_arn
    functions = triggers_app.aws("lambda").list_functions()["Functions"]
    deployed = [f for f in functions if f["FunctionName"].startswith(STACK_NAME)]
    assert len(deployed) == 12  # each trigger its own function (other tests add their own)
