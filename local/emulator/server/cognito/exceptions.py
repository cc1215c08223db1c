"""Cognito's error answers, one class per AWS error code, as moto's cognitoidp/exceptions.py.

Each answers `{"__type": <code>, "message": ...}` with `X-Amzn-ErrorType: <code>` and status 400
(moto's dispatcher, or responses.py, serializes it). Messages said in more than one place are a
class's default or a named constant below.
"""

from __future__ import annotations

from typing import ClassVar

from moto.core.exceptions import JsonRESTError

INCORRECT_PASSWORD = "Incorrect username or password."  # noqa: S105 - a message
REFRESH_REVOKED = "Refresh Token has been revoked"
ACCESS_REVOKED = "Access Token has been revoked"
INVALID_SESSION = "Invalid session for the user."
SESSION_EXPIRED = "Invalid session for the user, session is expired."
USER_DISABLED = "User is disabled."
MISSING_USERNAME = "Missing required parameter USERNAME"
USER_CLIENT_NOT_FOUND = "Username/client id combination not found."
NOT_ISSUED_TO_CLIENT = "The token was not issued to this client."


class CognitoError(JsonRESTError):
    """Any Cognito error; `code` is the HTTP status, as on moto's JsonRESTError."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(error_type, message)
        self.code = status


class NamedCognitoError(CognitoError):
    """An error whose AWS code is the class's `error_code`; `default_message` when none given.
    Each subclass declares them on its class line: `code=...`, optionally `message=...` and
    `status=...` (400 unless said)."""

    error_code: ClassVar[str]
    default_message: ClassVar[str] = ""
    status: ClassVar[int] = 400

    def __init_subclass__(cls, *, code: str, message: str = "", status: int = 400) -> None:
        super().__init_subclass__()
        cls.error_code, cls.default_message, cls.status = code, message, status

    def __init__(self, message: str | None = None) -> None:
        message = self.default_message if message is None else message
        super().__init__(self.error_code, message, self.status)


class NotAuthorizedError(NamedCognitoError, code="NotAuthorizedException"): ...


class InvalidParameterError(NamedCognitoError, code="InvalidParameterException"): ...


class SerializationError(NamedCognitoError, code="SerializationException"): ...


class ResourceNotFoundError(NamedCognitoError, code="ResourceNotFoundException"): ...


class UserNotFoundError(
    NamedCognitoError, code="UserNotFoundException", message="User does not exist."
): ...


class UserNotConfirmedError(
    NamedCognitoError, code="UserNotConfirmedException", message="User is not confirmed."
): ...


class CodeMismatchError(
    NamedCognitoError,
    code="CodeMismatchException",
    message="Invalid verification code provided, please try again.",
): ...


class ExpiredCodeError(
    NamedCognitoError,
    code="ExpiredCodeException",
    message="Invalid code provided, please request a code again.",
): ...


class LimitExceededError(NamedCognitoError, code="LimitExceededException"): ...


class UnauthorizedError(NamedCognitoError, code="UnauthorizedException"): ...


class UnsupportedTokenTypeError(NamedCognitoError, code="UnsupportedTokenTypeException"): ...


class UnsupportedOperationError(NamedCognitoError, code="UnsupportedOperationException"): ...


class InternalError(NamedCognitoError, code="InternalErrorException", status=500):
    """Answered with status 500: an unexpected failure inside the local pool."""


class UserLambdaValidationError(NamedCognitoError, code="UserLambdaValidationException"):
    """A trigger raised (or its function failed): "<Trigger> failed with error <message>."."""


class InvalidLambdaResponseError(
    NamedCognitoError, code="InvalidLambdaResponseException", message="Unrecognizable lambda output"
):
    """A trigger answered something that is not the event with a usable `response`."""


class UnexpectedLambdaError(NamedCognitoError, code="UnexpectedLambdaException"):
    """Cognito stopped waiting for a trigger (5 s) or could not reach its function."""


class PasswordResetRequiredError(
    NamedCognitoError,
    code="PasswordResetRequiredException",
    message="Password reset required for the user",
):
    """The user must reset the password (ForgotPassword) before signing in."""


class UsernameExistsError(
    NamedCognitoError, code="UsernameExistsException", message="User already exists"
): ...


class WebAuthnNotEnabledError(
    NamedCognitoError,
    code="WebAuthnNotEnabledException",
    message="WebAuthn is not enabled for this user pool.",
):
    """The pool's sign-in policy does not offer WEB_AUTHN as a first factor."""


class WebAuthnChallengeNotFoundError(
    NamedCognitoError,
    code="WebAuthnChallengeNotFoundException",
    message="WebAuthn challenge not found or expired.",
):
    """CompleteWebAuthnRegistration for no live StartWebAuthnRegistration (used or expired)."""


class WebAuthnRelyingPartyMismatchError(
    NamedCognitoError,
    code="WebAuthnRelyingPartyMismatchException",
    message="The credential's relying party does not match the user pool's relying party.",
): ...


class WebAuthnOriginNotAllowedError(
    NamedCognitoError,
    code="WebAuthnOriginNotAllowedException",
    message="The credential's origin is not allowed for the user pool's relying party.",
): ...


class WebAuthnClientMismatchError(
    NamedCognitoError,
    code="WebAuthnClientMismatchException",
    message="The access token's client is not the one that started the registration.",
): ...


class WebAuthnCredentialNotSupportedError(
    NamedCognitoError,
    code="WebAuthnCredentialNotSupportedException",
    message="The passkey credential is not supported.",
): ...
