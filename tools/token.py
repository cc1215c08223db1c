"""Get an ID token and an access token for a demo user, or a machine client's token.

Works the same against the local emulator and against real Cognito: the pool and client come
from AuthStack's outputs, the user is signed up (or reused) and confirmed with the admin API,
and the tokens come from InitiateAuth with USER_PASSWORD_AUTH (the pool's pre token trigger
puts the user scopes into the access token). The demo user's password is generated once per
pool and kept in .local/demo-users.json (mode 0600), never printed.

The machine token comes from the pool's OAuth token endpoint (client_credentials, HTTP Basic);
its URL is the caller's to give (the TokenEndpoint output on AWS, the local discovery document
offline) and the client secret is read with DescribeUserPoolClient, never stored or printed.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from botocore.exceptions import ClientError

from stacks.contract import PROFILE_PATH, PROFILES_PATH
from tools.outputs import StageOutputs

DEFAULT_EMAIL = "demo@example.com"


class TokenError(RuntimeError):
    """Tokens could not be had; the message says why and what to do."""


@dataclass(frozen=True)
class Tokens:
    email: str
    id_token: str
    access_token: str
    expires_in: int


# The user pool's policy: 12+ characters with upper, lower, digit and one of Cognito's symbols.
COGNITO_SYMBOLS = "^$*.[]{}()?-\"!@#%&/\\,><':;|_~`+="


def new_password() -> str:
    """A random password that meets the pool policy whatever the random draw."""
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits, COGNITO_SYMBOLS)
    chars = [secrets.choice(pool) for pool in pools for _ in range(6)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _password_for(store: Path, pool_id: str, email: str) -> str:
    passwords: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    key = f"{pool_id}/{email}"
    if key not in passwords:
        passwords[key] = new_password()
        store.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        store.touch(mode=0o600, exist_ok=True)
        store.write_text(json.dumps(passwords, indent=2))
    return passwords[key]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))


def get_tokens(
    cognito: Any, *, user_pool_id: str, client_id: str, email: str, password_store: Path
) -> Tokens:
    password = _password_for(password_store, user_pool_id, email)
    try:
        cognito.sign_up(
            ClientId=client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=user_pool_id, Username=email)
    except ClientError as error:
        if _code(error) != "UsernameExistsException":
            raise TokenError(f"could not sign up {email}: {_message(error)}") from None
        # Reuse the user; make sure the password is the one we keep for it.
        cognito.admin_set_user_password(
            UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True
        )
    try:
        result = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )["AuthenticationResult"]
    except ClientError as error:
        message = _message(error)
        if "USER_PASSWORD_AUTH" in message or _code(error) == "InvalidParameterException":
            raise TokenError(
                f"{message}: this app client does not allow the password flow (prod default); "
                "deploy with -c passwordAuth=true, or sign in through the hosted UI"
            ) from None
        raise TokenError(f"could not sign in {email}: {message}") from None
    return Tokens(
        email=email,
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


def tokens_for_stage(
    outputs: StageOutputs, cognito: Any, *, email: str, password_store: Path
) -> Tokens:
    """Tokens from the stage's own user pool (AuthStack's outputs), through `cognito` (a
    cognito-idp client for AWS or for the local endpoint)."""
    if outputs.user_pool_id is None or outputs.client_id is None:
        raise TokenError("this deployment has no Cognito user pool (auth is not cognito)")
    return get_tokens(
        cognito,
        user_pool_id=outputs.user_pool_id,
        client_id=outputs.client_id,
        email=email,
        password_store=password_store,
    )


@dataclass(frozen=True)
class MachineToken:
    client_id: str
    access_token: str
    expires_in: int
    scope: str


def get_machine_token(
    cognito: Any,
    *,
    user_pool_id: str,
    client_id: str,
    token_endpoint: str,
    scope: str | None = None,
) -> MachineToken:
    """A client_credentials token for the machine client; the secret never leaves memory."""
    try:
        client = cognito.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=client_id)
    except ClientError as error:
        raise TokenError(f"could not read machine client {client_id}: {_message(error)}") from None
    secret = client["UserPoolClient"].get("ClientSecret")
    if not secret:
        raise TokenError(f"app client {client_id} has no secret: it cannot use client_credentials")
    form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    try:
        response = httpx.post(token_endpoint, data=form, auth=(client_id, secret), timeout=30)
    except httpx.HTTPError as error:
        raise TokenError(f"token endpoint {token_endpoint} unreachable: {error}") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        reason = body.get("error", f"HTTP {response.status_code}")
        raise TokenError(f"token endpoint {token_endpoint} refused: {reason}")
    return MachineToken(
        client_id=client_id,
        access_token=body["access_token"],
        expires_in=int(body.get("expires_in", 3600)),
        scope=str(_unverified_claims(body["access_token"]).get("scope", "")),
    )


def _unverified_claims(token: str) -> dict[str, Any]:
    """For display only: what the token says it carries (the API verifies it, not this)."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}
    return claims


def render_machine(token: MachineToken, api_url: str) -> str:
    profiles_url = f"{api_url.rstrip('/')}{PROFILES_PATH.replace('{sub}', '<sub>')}"
    return "\n".join(
        [
            f"# Client-credentials token for {token.client_id} "
            f"(valid {token.expires_in // 60} minutes, scope: {token.scope})",
            "# Cache it until it expires: Cognito bills machine-to-machine token requests.",
            f"ACCESS_TOKEN={token.access_token}",
            "",
            "# Try it with a user's sub (e.g. from `make token`'s output):",
            f'curl -i -H "Authorization: Bearer {token.access_token}" {profiles_url}',
        ]
    )


def render(tokens: Tokens, api_url: str) -> str:
    profile_url = f"{api_url.rstrip('/')}{PROFILE_PATH}"
    scope = _unverified_claims(tokens.access_token).get("scope", "")
    sub = _unverified_claims(tokens.id_token).get("sub", "")
    return "\n".join(
        [
            f"# Tokens for {tokens.email} (valid {tokens.expires_in // 60} minutes, sub {sub})",
            f"# Access token scopes: {scope}",
            f"ID_TOKEN={tokens.id_token}",
            f"ACCESS_TOKEN={tokens.access_token}",
            "",
            "# Try it:",
            f"curl -i {profile_url}",
            f'curl -i -H "Authorization: Bearer {tokens.id_token}" {profile_url}',
            f'curl -i -H "Authorization: Bearer {tokens.access_token}" -H '
            f'"content-type: application/json" -d \'{{"name": "Ada"}}\' {profile_url}',
        ]
    )
