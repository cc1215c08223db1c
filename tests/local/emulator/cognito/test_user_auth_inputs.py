"""Any input to USER_AUTH and its challenges is a JSON answer below 500 and never tokens:
made-up parameters, challenge names and sessions, and a live sign-in's Session answered with
garbage (hypothesis draws them; the requests go unsigned, as a browser sends them)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.local.emulator.cognito.test_json_errors import _call as raw_call
from tests.local.emulator.cognito.user_auth_pool import UserAuthPool

_KEYS = st.sampled_from(
    [
        "USERNAME",
        "PREFERRED_CHALLENGE",
        "PASSWORD",
        "SRP_A",
        "SECRET_HASH",
        "ANSWER",
        "EMAIL_OTP_CODE",
        "SMS_OTP_CODE",
        "CREDENTIAL",
    ]
)
_NAMES = ["SELECT_CHALLENGE", "PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
_VALUES = st.one_of(st.text(max_size=12), st.sampled_from(_NAMES))
_CHALLENGES = st.sampled_from([*_NAMES, "SELECT_MFA_TYPE", "X"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    challenge=_CHALLENGES,
    parameters=st.dictionaries(_KEYS, _VALUES, max_size=5),
    live_session=st.booleans(),
    named_user=st.booleans(),
)
def test_any_user_auth_input_is_a_json_answer_never_a_5xx_nor_tokens(
    choice_pool: UserAuthPool,
    challenge: str,
    parameters: dict[str, str],
    live_session: bool,
    named_user: bool,
) -> None:
    """GIVEN a user (or none) and a live USER_AUTH Session (or a made-up one) WHEN InitiateAuth
    USER_AUTH and RespondToAuthChallenge get any parameters THEN answers below 500 without
    tokens."""
    email = choice_pool.user() if named_user else "nobody@example.com"
    given_parameters = {"USERNAME": email} | parameters if named_user else parameters
    session = choice_pool.start(email)["Session"] if live_session else "made-up"
    calls = {
        "InitiateAuth": {"AuthFlow": "USER_AUTH", "AuthParameters": given_parameters},
        "RespondToAuthChallenge": {
            "ChallengeName": challenge,
            "ChallengeResponses": given_parameters,
            "Session": session,
        },
    }
    for operation, body in calls.items():
        request = {"ClientId": choice_pool.client_id, **body}
        answer = raw_call(choice_pool.endpoint_url, operation, json.dumps(request).encode())
        assert answer.status_code < 500, answer.text
        assert "AuthenticationResult" not in answer.json()
