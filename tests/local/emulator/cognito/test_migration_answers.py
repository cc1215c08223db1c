"""The user migration trigger's answer, read in-process: any JSON a function may answer is
either a user or InvalidLambdaResponseException, never another error (which would be a 5xx)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto.cognitoidp.models import UserStatus

from local.emulator.server.cognito.exceptions import InvalidLambdaResponseError
from local.emulator.server.cognito.migration import read_answer

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "userAttributes",
        "finalUserStatus",
        "messageAction",
        "desiredDeliveryMediums",
        "forceAliasCreation",
        "x",
    ]
)


@given(st.dictionaries(_KEYS, _JSON | st.sampled_from(["CONFIRMED", "SUPPRESS", ["EMAIL"]])))
def test_any_migration_answer_is_a_user_or_invalid_lambda_response(answer: dict[str, Any]) -> None:
    """GIVEN any JSON object as the function's response WHEN the pool reads it THEN a user's
    attributes and status, or InvalidLambdaResponseException."""
    try:
        attributes, status = read_answer(answer)
    except InvalidLambdaResponseError:
        return
    assert all(set(pair) == {"Name", "Value"} for pair in attributes)
    assert status in (UserStatus.CONFIRMED, UserStatus.RESET_REQUIRED)


def test_a_usable_answer_gives_the_attributes_and_status() -> None:
    """GIVEN the docs' example answer WHEN read THEN its attributes (never `sub`, which the
    pool makes) and RESET_REQUIRED."""
    attributes, status = read_answer(
        {
            "userAttributes": {"email": "a@b.c", "email_verified": "true", "sub": "forged"},
            "finalUserStatus": "RESET_REQUIRED",
            "messageAction": "SUPPRESS",
            "desiredDeliveryMediums": ["EMAIL"],
            "forceAliasCreation": False,
        }
    )
    assert attributes == [
        {"Name": "email", "Value": "a@b.c"},
        {"Name": "email_verified", "Value": "true"},
    ]
    assert status is UserStatus.RESET_REQUIRED


@pytest.mark.parametrize("status", ["FORCE_CHANGE_PASSWORD", "confirmed", 1])
def test_a_status_cognito_does_not_take_is_invalid(status: Any) -> None:
    """GIVEN finalUserStatus other than CONFIRMED or RESET_REQUIRED THEN invalid."""
    with pytest.raises(InvalidLambdaResponseError):
        read_answer({"userAttributes": {"email": "a@b.c"}, "finalUserStatus": status})
