"""The test app's trigger handlers in process: each does a team's job by default and fails as
`clientMetadata` asks, so the deployed app's tests can count on them."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import pytest

from tests.local.triggers.conftest import APP_DIR


def _handlers() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "trigger_handlers", APP_DIR / "handlers" / "triggers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HANDLERS = _handlers()


def _event(source: str, request: dict[str, Any], user_name: str = "someone") -> dict[str, Any]:
    return {"triggerSource": source, "userName": user_name, "request": request, "response": {}}


def _attributes(email: str) -> dict[str, Any]:
    return {"userAttributes": {"email": email, "sub": "s-1"}}


def test_given_a_trusted_domain_when_signing_up_then_pre_sign_up_confirms_and_verifies() -> None:
    event = HANDLERS.pre_sign_up(_event("PreSignUp_SignUp", _attributes("a@trusted.example")), None)
    assert event["response"] == {"autoConfirmUser": True, "autoVerifyEmail": True}


def test_given_a_blocked_domain_when_signing_up_then_pre_sign_up_refuses() -> None:
    with pytest.raises(ValueError, match=r"Sign-ups from blocked\.example are closed"):
        HANDLERS.pre_sign_up(_event("PreSignUp_SignUp", _attributes("a@blocked.example")), None)


def test_given_another_domain_when_signing_up_then_pre_sign_up_changes_nothing() -> None:
    event = HANDLERS.pre_sign_up(_event("PreSignUp_SignUp", _attributes("a@example.com")), None)
    assert event["response"] == {}


@pytest.mark.parametrize(
    ("session", "expected"),
    [
        ([], {"challengeName": "CUSTOM_CHALLENGE"}),
        ([("SRP_A", True)], {"challengeName": "PASSWORD_VERIFIER"}),
        ([("SRP_A", True), ("PASSWORD_VERIFIER", True)], {"challengeName": "CUSTOM_CHALLENGE"}),
        ([("CUSTOM_CHALLENGE", True)], {"issueTokens": True}),
        ([("CUSTOM_CHALLENGE", False)], {"challengeName": "CUSTOM_CHALLENGE"}),
        ([("CUSTOM_CHALLENGE", False)] * 3, {"failAuthentication": True}),
    ],
)
def test_given_a_custom_auth_session_when_defining_then_the_next_step_is_the_teams(
    session: list[tuple[str, bool]], expected: dict[str, Any]
) -> None:
    steps = [{"challengeName": name, "challengeResult": result} for name, result in session]
    event = _event("DefineAuthChallenge_Authentication", {"session": steps})
    response = HANDLERS.define_auth_challenge(event, None)["response"]
    assert {k: v for k, v in response.items() if v} == expected


def test_given_the_question_when_answered_then_only_42_is_correct() -> None:
    created = HANDLERS.create_auth_challenge(_event("CreateAuthChallenge_Authentication", {}), None)
    private = created["response"]["privateChallengeParameters"]
    assert created["response"]["publicChallengeParameters"] == {"question": "What is 6 x 7?"}
    for answer, correct in (("42", True), ("41", False)):
        request = {"privateChallengeParameters": private, "challengeAnswer": answer}
        event = _event("VerifyAuthChallengeResponse_Authentication", request)
        assert HANDLERS.verify_auth_challenge(event, None)["response"]["answerCorrect"] is correct


def test_given_the_legacy_user_when_migrating_then_only_the_right_password_moves_it() -> None:
    request = {"password": HANDLERS.LEGACY_PASSWORD}
    moved = HANDLERS.user_migration(
        _event("UserMigration_Authentication", request, HANDLERS.LEGACY_USER), None
    )
    assert moved["response"]["finalUserStatus"] == "CONFIRMED"
    with pytest.raises(PermissionError, match="Bad password"):
        HANDLERS.user_migration(
            _event("UserMigration_Authentication", {"password": "x"}, HANDLERS.LEGACY_USER), None
        )
    with pytest.raises(LookupError):
        HANDLERS.user_migration(_event("UserMigration_ForgotPassword", {}, "nobody"), None)


def test_given_a_code_when_a_message_is_customised_then_it_is_branded() -> None:
    event = _event("CustomMessage_SignUp", {"codeParameter": "{####}"})
    response = HANDLERS.custom_message(event, None)["response"]
    assert response["emailSubject"] == "Example Co: your code"
    assert "{####}" in response["emailMessage"]
    assert "{####}" in response["smsMessage"]


@pytest.mark.parametrize("name", ["pre_sign_up", "pre_authentication", "custom_message"])
def test_given_client_metadata_when_it_asks_to_fail_then_the_handler_fails_so(name: str) -> None:
    handler = getattr(HANDLERS, name)
    request = _attributes("a@example.com") | {"clientMetadata": {"behaviour": "raise"}}
    with pytest.raises(RuntimeError, match="refused by the test"):
        handler(_event("Any_Source", request), None)
    request["clientMetadata"] = {"behaviour": "invalid"}
    assert handler(_event("Any_Source", request), None) == "not an event"
