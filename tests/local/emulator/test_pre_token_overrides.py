"""How the emulator applies a pre token trigger's answer: Cognito's rules, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator.server.cognito.exceptions import UserLambdaValidationError
from local.emulator.server.cognito.triggers import (
    Overrides,
    parse_response,
)

ACCESS = {
    "sub": "user-1",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X",
    "client_id": "c1",
    "token_use": "access",
    "scope": "aws.cognito.signin.user.admin",
    "exp": 2,
    "cognito:groups": ["admins"],
}


def _v2(details: Any) -> dict[str, Any]:
    return {"version": "2", "response": {"claimsAndScopeOverrideDetails": details}}


def test_v2_scopes_are_added_once_and_suppressed_last() -> None:
    """GIVEN scopesToAdd (with one the token has) and scopesToSuppress WHEN applied THEN each
    added scope appears once, in order, and suppressed ones are gone."""
    overrides = parse_response(
        _v2(
            {
                "accessTokenGeneration": {
                    "scopesToAdd": ["a/read", "aws.cognito.signin.user.admin", "a/write"],
                    "scopesToSuppress": ["aws.cognito.signin.user.admin"],
                }
            }
        ),
        2,
    )
    assert overrides.apply(ACCESS, "access")["scope"] == "a/read a/write"


def test_protected_claims_never_change() -> None:
    """GIVEN a trigger that overrides or suppresses sub, iss, exp, token_use, scope and a
    cognito: claim WHEN applied THEN those stay as Cognito set them; other claims change."""
    protected = {"sub": "x", "iss": "x", "exp": 9, "token_use": "id", "scope": "x", "cognito:x": 1}
    overrides = parse_response(
        _v2(
            {
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": protected | {"tier": "gold"},
                    "claimsToSuppress": ["sub", "client_id", "cognito:groups"],
                }
            }
        ),
        2,
    )
    claims = overrides.apply(ACCESS, "access")
    assert claims == ACCESS | {"tier": "gold"}


def test_id_and_access_overrides_stay_with_their_token() -> None:
    """GIVEN an ID-token claim and an access-token claim WHEN applied THEN each lands only in
    its own token."""
    overrides = parse_response(
        _v2(
            {
                "idTokenGeneration": {"claimsToAddOrOverride": {"nickname": "ada"}},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"tier": "gold"}},
            }
        ),
        2,
    )
    assert overrides.apply({"sub": "u"}, "id") == {"sub": "u", "nickname": "ada"}
    assert overrides.apply({"sub": "u"}, "access") == {"sub": "u", "tier": "gold"}


def test_v1_overrides_reach_the_id_token_only() -> None:
    """GIVEN a version 1 answer (claimsOverrideDetails) WHEN applied THEN the ID token gets the
    claim and the access token is unchanged, as V1 triggers cannot touch access tokens."""
    overrides = parse_response(
        {
            "version": "1",
            "response": {"claimsOverrideDetails": {"claimsToAddOrOverride": {"tier": "gold"}}},
        },
        1,
    )
    assert overrides.apply({"sub": "u"}, "id") == {"sub": "u", "tier": "gold"}
    assert overrides.apply(ACCESS, "access") == ACCESS


def test_group_override_replaces_or_removes_groups() -> None:
    """GIVEN groupOverrideDetails WHEN applied THEN cognito:groups is replaced (an empty list
    removes the claim)."""
    replaced = parse_response(_v2({"groupOverrideDetails": {"groupsToOverride": ["ops"]}}), 2)
    removed = parse_response(_v2({"groupOverrideDetails": {"groupsToOverride": []}}), 2)
    assert replaced.apply(ACCESS, "access")["cognito:groups"] == ["ops"]
    assert "cognito:groups" not in removed.apply(ACCESS, "access")


def test_null_response_changes_nothing() -> None:
    """GIVEN the event returned untouched (response details null) WHEN applied THEN the token
    is unchanged."""
    assert parse_response(_v2(None), 2).apply(ACCESS, "access") == ACCESS


@pytest.mark.parametrize(
    "answer",
    [None, "ok", [], {"response": None}, {"response": "x"}, _v2({"accessTokenGeneration": 5})],
)
def test_unreadable_answer_fails_the_sign_in(answer: Any) -> None:
    """GIVEN a function that returns something that is not the event WHEN read THEN
    UserLambdaValidationException, as Cognito's "Unrecognizable lambda output"."""
    with pytest.raises(UserLambdaValidationError, match="Unrecognizable lambda output"):
        parse_response(answer, 2)


def test_empty_overrides_object_is_a_no_op() -> None:
    """GIVEN Overrides() WHEN applied THEN the claims come back equal."""
    assert Overrides().apply(ACCESS, "access") == ACCESS
