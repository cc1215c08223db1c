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
    """An error whose AWS code is the class's `error_code`; `default_message` when none given."""

    error_code: ClassVar[str]
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.error_code, self.default_message if message is None else message)


class NotAuthorizedError(NamedCognitoError):
    error_code = "NotAuthorizedException"


class InvalidParameterError(NamedCognitoError):
    error_code = "InvalidParameterException"


class SerializationError(NamedCognitoError):
    error_code = "SerializationException"


class ResourceNotFoundError(NamedCognitoError):
    error_code = "ResourceNotFoundException"


class UserNotFoundError(NamedCognitoError):
    error_code = "UserNotFoundException"
    default_message = "User does not exist."


class UserNotConfirmedError(NamedCognitoError):
    error_code = "UserNotConfirmedException"
    default_message = "User is not confirmed."


class CodeMismatchError(NamedCognitoError):
    error_code = "CodeMismatchException"
    default_message = "Invalid verification code provided, please try again."


class ExpiredCodeError(NamedCognitoError):
    error_code = "ExpiredCodeException"
    default_message = "Invalid code provided, please request a code again."


class LimitExceededError(NamedCognitoError):
    error_code = "LimitExceededException"


class UnauthorizedError(NamedCognitoError):
    error_code = "UnauthorizedException"


class UnsupportedTokenTypeError(NamedCognitoError):
    error_code = "UnsupportedTokenTypeException"


class UnsupportedOperationError(NamedCognitoError):
    error_code = "UnsupportedOperationException"


class InternalError(NamedCognitoError):
    """Answered with status 500: an unexpected failure inside the local pool."""

    error_code = "InternalErrorException"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.code = 500


class UserLambdaValidationError(NamedCognitoError):
    """A trigger raised (or its function failed): "<Trigger> failed with error <message>."."""

    error_code = "UserLambdaValidationException"


class InvalidLambdaResponseError(NamedCognitoError):
    """A trigger answered something that is not the event with a usable `response`."""

    error_code = "InvalidLambdaResponseException"
    default_message = "Unrecognizable lambda output"


class UnexpectedLambdaError(NamedCognitoError):
    """Cognito stopped waiting for a trigger (5 s) or could not reach its function."""

    error_code = "UnexpectedLambdaException"


class UsernameExistsError(NamedCognitoError):
    error_code = "UsernameExistsException"
    default_message = "User already exists"
