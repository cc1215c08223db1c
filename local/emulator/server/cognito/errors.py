"""Cognito's error answers: `{"__type": ..., "message": ...}` with `X-Amzn-ErrorType`."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class CognitoError(JsonRESTError):
    """Any Cognito error; moto's dispatcher serializes it with the status given."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(error_type, message)
        self.code = status


def not_authorized(message: str) -> CognitoError:
    return CognitoError("NotAuthorizedException", message)


def invalid_parameter(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


INCORRECT_PASSWORD = "Incorrect username or password."  # noqa: S105 - a message
REFRESH_REVOKED = "Refresh Token has been revoked"
ACCESS_REVOKED = "Access Token has been revoked"
