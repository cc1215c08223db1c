"""The pool's account operations behind the hosted UI's pages: sign-up, its confirmation and
resend, and forgot password.

Each is the pool's own API (SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
ConfirmForgotPassword: the codes are the pool's, in its outbox), with SECRET_HASH for a client
that has a secret. What the user can act on comes back as SignInError with the pool's message
(Cognito's words where the pool gives none); anything else is raised.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import ClientError

from local.hosted_ui.pool import AppClient, Pool

log = logging.getLogger("local.hosted_ui")

# Refusals of a code step the user can act on, with Cognito's message for an answer without one.
_CODE_ERRORS = {
    "CodeMismatchException": "Invalid verification code provided, please try again.",
    "ExpiredCodeException": "Invalid code provided, please request a code again.",
    "UserNotFoundException": "Username/client id combination not found.",
    "NotAuthorizedException": "User cannot be confirmed.",
    "LimitExceededException": "Attempt limit exceeded, please try after some time.",
    "TooManyFailedAttemptsException": "Too many failed attempts, please try after some time.",
    "InvalidParameterException": "Invalid parameter.",
    "AliasExistsException": "An account with the email already exists.",
    "CodeDeliveryFailureException": "The code could not be delivered.",
    # The pool's triggers (pre sign-up, post confirmation, custom message): their own words.
    "UserLambdaValidationException": "A trigger refused the request.",
    "InvalidLambdaResponseException": "Invalid lambda response.",
    "UnexpectedLambdaException": "A trigger did not answer in time.",
}


class SignInError(Exception):
    """The pool refused; the message is what the page shows."""


class Accounts:
    """Sign-up and the code steps, for one pool."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def sign_up(
        self, client: AppClient, username: str, password: str, attributes: list[dict[str, str]]
    ) -> bool:
        """SignUp; True when the pool confirmed the user at once (nothing to wait for)."""
        answer = self._call(
            "sign_up", client, username, Password=password, UserAttributes=attributes
        )
        confirmed = bool(answer.get("UserConfirmed"))
        log.info(
            "hosted UI: signed up %s (%s)",
            username,
            "confirmed" if confirmed else "its code is in the local outbox",
        )
        return confirmed

    def confirm_sign_up(self, client: AppClient, username: str, code: str) -> None:
        self._call("confirm_sign_up", client, username, ConfirmationCode=code)
        log.info("hosted UI: %s confirmed its sign-up with the code", username)

    def resend_code(self, client: AppClient, username: str) -> str:
        """ResendConfirmationCode; where the pool says the new code went."""
        return self._destination(self._call("resend_confirmation_code", client, username), username)

    def forgot_password(self, client: AppClient, username: str) -> str:
        """ForgotPassword; where the pool says the reset code went."""
        return self._destination(self._call("forgot_password", client, username), username)

    def confirm_forgot_password(
        self, client: AppClient, username: str, code: str, password: str
    ) -> None:
        self._call(
            "confirm_forgot_password",
            client,
            username,
            ConfirmationCode=code,
            Password=password,
        )
        log.info("hosted UI: %s reset its password with the code", username)

    @staticmethod
    def _destination(answer: dict[str, Any], username: str) -> str:
        return str((answer.get("CodeDeliveryDetails") or {}).get("Destination") or username)

    def _call(self, operation: str, client: AppClient, username: str, **extra: Any) -> Any:
        extra |= client.secret_hash(username)
        try:
            return getattr(self.pool.cognito, operation)(
                ClientId=client.client_id, Username=username, **extra
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "")
            if code == "UsernameExistsException":
                raise SignInError("An account with the given email already exists.") from None
            if code == "InvalidPasswordException":  # Cognito's hosted UI words, with the policy
                policy = self.pool.password_policy.describe()
                raise SignInError(f"Password did not conform with policy: {policy}.") from None
            if code in _CODE_ERRORS:
                raise SignInError(details.get("Message") or _CODE_ERRORS[code]) from None
            raise
