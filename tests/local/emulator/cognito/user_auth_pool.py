"""A pool with choice-based sign-in (Policies.SignInPolicy) and ALLOW_USER_AUTH clients, for
the USER_AUTH, one-time code, passwordless sign-up and e-mail MFA tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator.caller.outbox import latest_code, read_outbox
from local.emulator.wire import OutboxMessage
from tests.local.emulator.conftest import AwsClient

PASSWORD = "Correct-Horse-9!"
ALL_FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
INVALID_SESSION = ("NotAuthorizedException", "Invalid session for the user.")
USER_AUTH_FLOWS = [
    "ALLOW_USER_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


def error_of(error: ClientError) -> tuple[str, str]:
    return error.response["Error"]["Code"], error.response["Error"]["Message"]


def refused(action: Callable[[], object]) -> tuple[str, str]:
    """The Cognito error `action` must raise: its code and message."""
    with pytest.raises(ClientError) as raised:
        action()
    return error_of(raised.value)


@dataclass
class UserAuthPool:
    endpoint_url: str
    cognito: Any
    pool_id: str
    client_id: str

    @classmethod
    def create(
        cls,
        endpoint_url: str,
        aws: AwsClient,
        factors: list[str] | None = None,
        **pool_config: Any,
    ) -> UserAuthPool:
        """A pool like AuthStack's (e-mail user names, auto-verified e-mail) allowing
        `factors` as first factors (None: no SignInPolicy, Cognito's default), with
        `pool_config` (more CreateUserPool settings), and a client with ALLOW_USER_AUTH that
        prevents user-existence errors."""
        cognito = aws("cognito-idp")
        policies: dict[str, Any] = {"PasswordPolicy": {"MinimumLength": 12}}
        if factors is not None:
            policies["SignInPolicy"] = {"AllowedFirstAuthFactors": factors}
        pool_id = cognito.create_user_pool(
            PoolName=f"user-auth-{uuid.uuid4().hex[:6]}",
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies=policies,
            **pool_config,
        )["UserPool"]["Id"]
        made = cls(endpoint_url, cognito, pool_id, "")
        made.client_id = made.new_client()
        return made

    def new_client(self, flows: list[str] | None = None, **config: Any) -> str:
        created = self.cognito.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=f"c-{uuid.uuid4().hex[:6]}",
            ExplicitAuthFlows=USER_AUTH_FLOWS if flows is None else flows,
            **({"PreventUserExistenceErrors": "ENABLED"} | config),
        )
        client_id: str = created["UserPoolClient"]["ClientId"]
        return client_id

    def user(self, *, password: str | None = PASSWORD, phone: str | None = None) -> str:
        """A new confirmed user (no password: a passwordless one); its e-mail."""
        email = f"ua-{uuid.uuid4().hex[:10]}@example.com"
        attributes = [{"Name": "email", "Value": email}]
        if phone is not None:
            attributes.append({"Name": "phone_number", "Value": phone})
        extra = {} if password is None else {"Password": password}
        self.cognito.sign_up(
            ClientId=self.client_id, Username=email, UserAttributes=attributes, **extra
        )
        code = latest_code(self.endpoint_url, email)
        self.cognito.confirm_sign_up(ClientId=self.client_id, Username=email, ConfirmationCode=code)
        return email

    def start(self, username: str, client_id: str | None = None, **parameters: str) -> Any:
        """InitiateAuth USER_AUTH with USERNAME and `parameters`."""
        return self.cognito.initiate_auth(
            ClientId=client_id or self.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username, **parameters},
        )

    def respond(self, challenge: str, session: str, username: str, **answers: str) -> Any:
        return self.cognito.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses={"USERNAME": username, **answers},
        )

    def choose_password(self, session: str, username: str, password: str = PASSWORD) -> Any:
        """SELECT_CHALLENGE answered as Amplify does for a password: ANSWER and PASSWORD."""
        return self.respond(
            "SELECT_CHALLENGE", session, username, ANSWER="PASSWORD", PASSWORD=password
        )

    def messages(self, destination: str, kind: str | None = None) -> list[OutboxMessage]:
        return read_outbox(
            self.endpoint_url, user_pool_id=self.pool_id, destination=destination, kind=kind
        )

    def last_code(self, destination: str, kind: str) -> str:
        return self.messages(destination, kind)[-1].code


def wrong(code: str) -> str:
    """Another code of the same length."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
