"""CUSTOM_AUTH against a real emulator: DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse (the pool: trigger_pool.py), and SRP_A as the first step with
pycognito's SRP proof."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from local.emulator.caller import EmulatorProcess
from tests.local.emulator.cognito.trigger_pool import (
    PASSWORD,
    Pool,
    echoed,
    make_pool,
    make_user,
    refusal,
)
from tests.local.emulator.conftest import AwsClient

DEFINE = "DefineAuthChallenge_Authentication"
VERIFY = "VerifyAuthChallengeResponse_Authentication"


@pytest.fixture(scope="module")
def pool(aws: AwsClient, emulator: EmulatorProcess) -> Pool:
    return make_pool(aws, "custom-auth-32")


# --- CUSTOM_AUTH ----------------------------------------------------------------------------


def _custom_answer(
    aws: AwsClient, pool: Pool, name: str, session: str, answer: str, behaviour: str = ""
) -> Any:
    return aws("cognito-idp").respond_to_auth_challenge(
        ClientId=pool.client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=session,
        ChallengeResponses={"USERNAME": name, "ANSWER": answer},
        ClientMetadata={"behaviour": behaviour} if behaviour else {},
    )


def _start(aws: AwsClient, pool: Pool, name: str) -> str:
    """The Session of a new CUSTOM_AUTH sign-in's first challenge."""
    return str(
        aws("cognito-idp").initiate_auth(
            ClientId=pool.client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name}
        )["Session"]
    )


def test_custom_auth_challenge_wrong_then_right_answer_gets_tokens(
    aws: AwsClient, pool: Pool
) -> None:
    """GIVEN define/create/verify triggers WHEN InitiateAuth CUSTOM_AUTH THEN a
    CUSTOM_CHALLENGE with the public parameters (not the private answer); a wrong ANSWER gets
    another challenge, the right one tokens, and a used Session is refused."""
    make_user(aws, pool, "custom-kim")
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
    assert refusal(raised)[0] == "NotAuthorizedException"
    tokens = _custom_answer(aws, pool, "custom-kim", second["Session"], "blue")
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_custom_auth_fail_authentication_and_trigger_errors(aws: AwsClient, pool: Pool) -> None:
    """GIVEN define/create/verify triggers WHEN three wrong answers THEN DefineAuthChallenge's
    failAuthentication is NotAuthorizedException "Incorrect username or password."; WHEN
    VerifyAuthChallengeResponse raises THEN UserLambdaValidationException naming it; the
    define trigger's session lists each round with its result and challengeMetadata."""
    make_user(aws, pool, "custom-lou")
    session = _start(aws, pool, "custom-lou")
    session = _custom_answer(aws, pool, "custom-lou", session, "red")["Session"]
    with pytest.raises(ClientError) as raised:
        _custom_answer(aws, pool, "custom-lou", session, "pink", f"echo:{DEFINE}")
    rounds = echoed(raised)["request"]["session"]
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
    session = _start(aws, pool, "custom-lou")
    with pytest.raises(ClientError) as raised:
        _custom_answer(aws, pool, "custom-lou", session, "pink", f"raise:{VERIFY}")
    code, message = refusal(raised)
    assert code == "UserLambdaValidationException"
    assert message.startswith("VerifyAuthChallengeResponse failed with error ")
    session = _start(aws, pool, "custom-lou")
    for wrong in ("red", "pink"):
        session = _custom_answer(aws, pool, "custom-lou", session, wrong)["Session"]
    with pytest.raises(ClientError) as raised:
        _custom_answer(aws, pool, "custom-lou", session, "gold")
    assert refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")


def test_custom_auth_with_srp_first_step_through_pycognito(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a define trigger that answers SRP_A with PASSWORD_VERIFIER WHEN a client starts
    CUSTOM_AUTH with SRP_A and CHALLENGE_NAME=SRP_A and answers the SRP challenge with
    pycognito's proof THEN the custom challenge follows, and its right answer gets tokens; a
    wrong password is "Incorrect username or password."."""
    make_user(aws, pool, "custom-max")
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
            assert refusal(raised) == (
                "NotAuthorizedException",
                "Incorrect username or password.",
            )
            continue
        custom = verify()
        assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
        tokens = _custom_answer(aws, pool, "custom-max", custom["Session"], "blue")
        assert "AccessToken" in tokens["AuthenticationResult"]


def test_custom_auth_trigger_errors_are_cognitos(aws: AwsClient, pool: Pool) -> None:
    """GIVEN a define trigger answering a non-boolean issueTokens, a verify trigger a
    non-boolean answerCorrect, or a create trigger running past Cognito's 5 s THEN
    InvalidLambdaResponseException, InvalidLambdaResponseException and
    UnexpectedLambdaException "CreateAuthChallenge invocation failed due to error Socket
    timeout ..."; an unknown user where existence is hidden is never issued tokens."""
    make_user(aws, pool, "custom-ora")
    for behaviour in (f"invalid:{DEFINE}", f"invalid:{VERIFY}"):
        with pytest.raises(ClientError) as raised:
            _custom_answer(aws, pool, "custom-ora", _start(aws, pool, "custom-ora"), "x", behaviour)
        assert refusal(raised)[0] == "InvalidLambdaResponseException"
    session = _start(aws, pool, "custom-ora")
    with pytest.raises(ClientError) as raised:
        _custom_answer(
            aws, pool, "custom-ora", session, "x", "slow:CreateAuthChallenge_Authentication"
        )
    code, message = refusal(raised)
    assert code == "UnexpectedLambdaException"
    assert message.startswith("CreateAuthChallenge invocation failed due to error Socket timeout")
    idp = aws("cognito-idp")
    first = idp.initiate_auth(
        ClientId=pool.hiding, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "custom-nobody"}
    )
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    with pytest.raises(ClientError) as raised:
        idp.respond_to_auth_challenge(
            ClientId=pool.hiding,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": "custom-nobody", "ANSWER": "blue"},
        )
    assert refusal(raised) == ("NotAuthorizedException", "Incorrect username or password.")
