"""The pre sign-up and post confirmation triggers, as Cognito runs them.

PreSignUp runs on SignUp (`PreSignUp_SignUp`) and AdminCreateUser (`PreSignUp_AdminCreateUser`)
once the request passed Cognito's own checks, before the user exists for anyone else: moto
makes the user, `admit` takes it out of the pool while the function decides and puts it back
only when the function lets it in, so a refused sign-up leaves no user and sends no code. Its
answer (`autoConfirmUser`, `autoVerifyEmail`, `autoVerifyPhone`) counts only for SignUp (AWS
ignores it for AdminCreateUser); auto-verifying needs auto-confirming ("Phone or email cannot be
auto verified, when user is not being auto confirmed.") and the attribute, else the sign-up is
refused. `PreSignUp_ExternalProvider` needs federated sign-in, which the local pool does not
have.

PostConfirmation runs after ConfirmSignUp and AdminConfirmSignUp
(`PostConfirmation_ConfirmSignUp`, also for a user PreSignUp auto-confirmed) and after
ConfirmForgotPassword (`PostConfirmation_ConfirmForgotPassword`). As on Cognito the user is
already confirmed (or has the new password) when it runs: its error is answered, the
confirmation stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, UserStatus

from local.emulator.server import moto_seam

from . import lambda_triggers
from .exceptions import InvalidLambdaResponseError, InvalidParameterError, UsernameExistsError

SIGN_UP = "PreSignUp_SignUp"
ADMIN_CREATE_USER = "PreSignUp_AdminCreateUser"
CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword"  # noqa: S105 - a name
_FLAGS = ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone")


@dataclass(frozen=True)
class Admission:
    """What PreSignUp answered for a sign-up (all False without the trigger)."""

    auto_confirm: bool = False
    auto_verify_email: bool = False
    auto_verify_phone: bool = False

    def apply(self, user: CognitoIdpUser) -> None:
        """Confirm and verify the new user as the trigger asked."""
        if not self.auto_confirm:
            return
        user.status = UserStatus.CONFIRMED
        verified = [
            {"Name": f"{name}_verified", "Value": "true"}
            for name, wanted in (
                ("email", self.auto_verify_email),
                ("phone_number", self.auto_verify_phone),
            )
            if wanted
        ]
        if verified:
            user.update_attributes(verified)


def _admission(response: dict[str, Any], user: CognitoIdpUser) -> Admission:
    """The trigger's answer as Cognito reads it: booleans or nothing, auto-verify only with
    auto-confirm, and only for an attribute the user has."""
    flags = {name: response.get(name) for name in _FLAGS}
    if any(value is not None and not isinstance(value, bool) for value in flags.values()):
        raise InvalidLambdaResponseError()
    admission = Admission(
        auto_confirm=bool(flags["autoConfirmUser"]),
        auto_verify_email=bool(flags["autoVerifyEmail"]),
        auto_verify_phone=bool(flags["autoVerifyPhone"]),
    )
    if not admission.auto_confirm and (admission.auto_verify_email or admission.auto_verify_phone):
        raise InvalidParameterError(
            "Phone or email cannot be auto verified, when user is not being auto confirmed."
        )
    for name, wanted in (
        ("email", admission.auto_verify_email),
        ("phone_number", admission.auto_verify_phone),
    ):
        if wanted and not user.attribute_lookup.get(name):
            raise InvalidParameterError(
                f"PreSignUp asked to auto-verify {name}, but the user has no {name}."
            )
    return admission


def admit(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    trigger_source: str,
    *,
    client_id: str | None,
    validation_data: dict[str, str] | None,
    client_metadata: dict[str, str],
) -> Admission:
    """Run PreSignUp for the user moto just made; the user stays only if the function agrees
    (its error, or an answer Cognito refuses, is raised with the user gone)."""
    if not lambda_triggers.has_trigger(pool, "PreSignUp"):
        return Admission()
    pool.users.pop(user.username, None)  # nobody sees it while the function decides
    request = {
        "userAttributes": dict(user.attribute_lookup),
        "validationData": validation_data,
        "clientMetadata": client_metadata,
    }
    sent = lambda_triggers.event(
        pool, trigger_source, user_name=user.username, client_id=client_id, request=request
    )
    response = lambda_triggers.run(pool, "PreSignUp", sent) or {}
    admission = _admission(response, user) if trigger_source == SIGN_UP else Admission()
    if moto_seam.get_user(pool, user.username) is not None:  # taken while the function ran
        raise UsernameExistsError()
    pool.users[user.username] = user
    return admission


def user_attributes(user: CognitoIdpUser) -> dict[str, str]:
    """A stored user's attributes as Cognito's events carry them (with `sub`)."""
    return {"sub": user.id, **{k: str(v) for k, v in user.attribute_lookup.items()}}


def post_confirmation(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    trigger_source: str,
    *,
    client_id: str | None,
    client_metadata: dict[str, str],
) -> None:
    """Run PostConfirmation (if the pool has it) for a user just confirmed."""
    if not lambda_triggers.has_trigger(pool, "PostConfirmation"):
        return
    attributes = user_attributes(user) | {
        "cognito:user_status": str(getattr(user.status, "value", user.status))
    }
    request = {"userAttributes": attributes, "clientMetadata": client_metadata}
    sent = lambda_triggers.event(
        pool, trigger_source, user_name=user.username, client_id=client_id, request=request
    )
    lambda_triggers.run(pool, "PostConfirmation", sent)
