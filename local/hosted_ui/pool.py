"""What the hosted UI needs to know about the pool and its app clients, read from the emulator.

Clients are looked up on every request (a local call), so the registered callback URLs, flows
and scopes are always the deployed ones, as on Cognito.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# Cognito app client ids: word characters and '+', at most 128 (the API's own pattern).
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$", re.ASCII)


@dataclass(frozen=True)
class AppClient:
    """One app client's OAuth settings, as DescribeUserPoolClient returns them."""

    client_id: str
    secret: str | None
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    flows: frozenset[str]  # "code", "implicit", "client_credentials"
    scopes: tuple[str, ...]
    oauth_enabled: bool
    token_revocation: bool = True  # EnableTokenRevocation: Cognito's default for new clients
    refresh_rotation: bool = False  # RefreshTokenRotation on: refresh through the rotating API

    def secret_hash(self, username: str) -> dict[str, str]:
        """`SecretHash` for the public user APIs (SignUp, ...) when the client has a secret."""
        if self.secret is None:
            return {}
        digest = hmac.new(
            self.secret.encode(), (username + self.client_id).encode(), hashlib.sha256
        ).digest()
        return {"SecretHash": base64.b64encode(digest).decode()}

    @classmethod
    def from_description(cls, described: dict[str, Any]) -> AppClient:
        return cls(
            client_id=described["ClientId"],
            secret=described.get("ClientSecret") or None,
            callback_urls=tuple(described.get("CallbackURLs") or ()),
            logout_urls=tuple(described.get("LogoutURLs") or ()),
            flows=frozenset(described.get("AllowedOAuthFlows") or ()),
            scopes=tuple(described.get("AllowedOAuthScopes") or ()),
            oauth_enabled=bool(described.get("AllowedOAuthFlowsUserPoolClient")),
            token_revocation=described.get("EnableTokenRevocation") is not False,
            refresh_rotation=(described.get("RefreshTokenRotation") or {}).get("Feature")
            == "ENABLED",
        )


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    uppercase: bool
    lowercase: bool
    numbers: bool
    symbols: bool

    def describe(self) -> str:
        """The policy in one sentence, for the sign-up page and its errors."""
        kinds = [
            name
            for name, required in (
                ("an uppercase letter", self.uppercase),
                ("a lowercase letter", self.lowercase),
                ("a number", self.numbers),
                ("a symbol", self.symbols),
            )
            if required
        ]
        needs = f", with {', '.join(kinds)}" if kinds else ""
        return f"at least {self.min_length} characters{needs}"


class Pool:
    """The deployed user pool, through the emulator's cognito-idp API."""

    def __init__(self, cognito: Any, pool_id: str, region: str = "us-east-1") -> None:
        self.cognito = cognito
        self.pool_id = pool_id
        described = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        # The pool's issuer format (IssuerConfiguration UPDATED: the multi-Region host).
        updated = (described.get("IssuerConfiguration") or {}).get("Type") == "UPDATED"
        host = "issuer-cognito-idp" if updated else "cognito-idp"
        self.issuer = f"https://{host}.{region}.amazonaws.com/{pool_id}"
        policy = described.get("Policies", {}).get("PasswordPolicy", {})
        self.password_policy = PasswordPolicy(
            min_length=int(policy.get("MinimumLength", 8)),
            uppercase=bool(policy.get("RequireUppercase", False)),
            lowercase=bool(policy.get("RequireLowercase", False)),
            numbers=bool(policy.get("RequireNumbers", False)),
            symbols=bool(policy.get("RequireSymbols", False)),
        )
        username_attributes = set(described.get("UsernameAttributes") or ())
        self.username_is_email = "email" in username_attributes
        # Required attributes the sign-up form asks for (the e-mail is the user name here).
        self.required_attributes = tuple(
            attribute["Name"]
            for attribute in described.get("SchemaAttributes", [])
            if attribute.get("Required") and attribute["Name"] not in username_attributes
        )

    def client(self, client_id: str) -> AppClient | None:
        """The app client, or None when no such client exists in this pool."""
        if not _CLIENT_ID.match(client_id):
            return None
        try:
            described = self.cognito.describe_user_pool_client(
                UserPoolId=self.pool_id, ClientId=client_id
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in (
                "ResourceNotFoundException",
                "InvalidParameterException",
            ):
                return None
            raise
        return AppClient.from_description(described["UserPoolClient"])
