"""Passkeys (WebAuthn): the pool's registered credentials and the WEB_AUTHN sign-in challenge.

INTERFACE ONLY, to be replaced by the passkeys work (issue 31) before it lands: the USER_AUTH
flow (user_auth.py) calls exactly these three functions.
"""

from __future__ import annotations

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool


def has_passkey(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Has the user registered at least one passkey in this pool?"""
    return False


def request_options(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> tuple[str, bytes]:
    """The WEB_AUTHN challenge: CREDENTIAL_REQUEST_OPTIONS (a JSON string) and the random
    challenge it carries, which the caller keeps with its sign-in session (single use)."""
    raise NotImplementedError


def verify_assertion(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, challenge: bytes, credential: str
) -> None:
    """Check the CREDENTIAL answer (the browser's PublicKeyCredential as a JSON string) against
    the challenge and the user's passkeys; raise the Cognito error a refusal gets."""
    raise NotImplementedError
