"""The two choices every configuration starts from: the stage and the identity provider."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    DEV = "dev"
    PROD = "prod"


class AuthProvider(StrEnum):
    COGNITO = "cognito"
    AUTH0 = "auth0"
    OKTA = "okta"
    JWT = "jwt"
