"""Passkeys (WebAuthn): the user's registered passkeys, the relying party and the origins the
local pool accepts, and the WEB_AUTHN sign-in challenge (its request options and the check of
the browser's assertion). The USER_AUTH flow calls has_passkey, request_options and
verify_assertion; passkey_registration.py adds and removes the passkeys.

Offline the relying party is always `localhost`, whatever the pool configures as
WebAuthnRelyingPartyID (a real domain no local page can be an origin of). WebAuthn lets any
page served from localhost use that relying party, on any port and either scheme: the demo
page, the hosted UI, the user's own app. The checks themselves (challenge, origin, rpIdHash,
user presence and verification, signature, sign count) are py_webauthn's.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from webauthn import verify_authentication_response
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticationCredential, CollectedClientData

from . import pool_settings
from .exceptions import InvalidParameterError, NotAuthorizedError
from .models import Passkey, pool_state

log = logging.getLogger("local.emulator.server.cognito")

RELYING_PARTY_ID = "localhost"
# Cognito's WEB_AUTHN options carry a 3-minute timeout and a 16-byte challenge (as Amplify's
# fixtures, taken from Cognito's answers, show); a registration gets the same.
TIMEOUT_MS = 180_000
CHALLENGE_BYTES = 16
_LOCAL_ORIGIN = re.compile(r"https?://localhost(:[0-9]{1,5})?")
_checking = threading.Lock()  # one assertion at a time: a sign count is read, then raised
_noted_pools: set[str] = set()


def relying_party_id(pool: CognitoIdpUserPool) -> str:
    """`localhost`; the first time a pool that names another relying party uses passkeys,
    the log says so (once per pool)."""
    configured = pool_settings.passkey_relying_party_id(pool)
    if configured and configured != RELYING_PARTY_ID and pool.id not in _noted_pools:
        _noted_pools.add(pool.id)
        log.warning(
            "User pool %s names passkey relying party %r; offline, passkeys use %r in its place",
            pool.id,
            configured,
            RELYING_PARTY_ID,
        )
    return RELYING_PARTY_ID


def allowed_origin(origin: str) -> bool:
    """Is `origin` a page WebAuthn lets use the relying party `localhost`?"""
    return _LOCAL_ORIGIN.fullmatch(origin) is not None


def user_verification_required(pool: CognitoIdpUserPool) -> bool:
    return pool_settings.passkey_user_verification(pool) == "required"


def user_passkeys(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> list[Passkey]:
    """The user's passkeys in this pool, oldest first (the kept list itself, when there is
    one: DeleteWebAuthnCredential removes from it)."""
    return pool_state(pool).passkeys.get(user.id, [])


def user_handle(user: CognitoIdpUser) -> bytes:
    """The WebAuthn user.id the pool gives a user: its sub."""
    return str(user.id).encode()


def client_data(raw: bytes) -> CollectedClientData:
    """The credential's clientDataJSON, read; unreadable is Cognito's InvalidParameterException."""
    try:
        return parse_client_data_json(raw)
    except Exception as error:  # py_webauthn raises several kinds for malformed input
        raise InvalidParameterError("The credential's clientDataJSON is malformed.") from error


def has_passkey(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
    """Has the user registered at least one passkey in this pool?"""
    return bool(pool_state(pool).passkeys.get(user.id))


def descriptor(passkey: Passkey) -> dict[str, Any]:
    """A PublicKeyCredentialDescriptorJSON naming a stored passkey."""
    return {"id": bytes_to_base64url(passkey.credential_id), "type": "public-key"}


def request_options(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> tuple[str, bytes]:
    """The WEB_AUTHN challenge: CREDENTIAL_REQUEST_OPTIONS (a JSON string, Cognito's keys and
    order) and the random challenge it carries, which the caller keeps with its sign-in
    session (single use)."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    options = {
        "hints": [],
        "attestation": "none",
        "attestationFormats": [],
        "challenge": bytes_to_base64url(challenge),
        "timeout": TIMEOUT_MS,
        "rpId": relying_party_id(pool),
        "allowCredentials": [descriptor(p) for p in user_passkeys(pool, user)],
        "userVerification": pool_settings.passkey_user_verification(pool),
    }
    return json.dumps(options, separators=(",", ":")), challenge


def _assertion(credential: str) -> AuthenticationCredential:
    try:
        return parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, TypeError) as error:
        raise InvalidParameterError("CREDENTIAL is not a WebAuthn authentication response.") from (
            error
        )


def verify_assertion(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, challenge: bytes, credential: str
) -> None:
    """Check the CREDENTIAL answer (the browser's PublicKeyCredential as a JSON string) against
    the challenge and the user's passkeys; raise the Cognito error a refusal gets
    (NotAuthorizedException: RespondToAuthChallenge lists no WebAuthn-specific error). On
    success the passkey's sign count moves to the assertion's."""
    parsed = _assertion(credential)
    passkey = next((p for p in user_passkeys(pool, user) if p.credential_id == parsed.raw_id), None)
    if passkey is None:
        raise NotAuthorizedError("The passkey is not registered for this user.")
    handle = parsed.response.user_handle
    if handle is not None and handle != user_handle(user):
        raise NotAuthorizedError("The passkey belongs to another user.")
    origin = client_data(parsed.response.client_data_json).origin
    if not allowed_origin(origin):
        raise NotAuthorizedError(f"Origin {origin} is not allowed for relying party localhost.")
    with _checking:
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=relying_party_id(pool),
                expected_origin=origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=user_verification_required(pool),
            )
        except (WebAuthnException, ValueError) as error:
            raise NotAuthorizedError(f"Passkey verification failed: {error}") from error
        passkey.sign_count = verified.new_sign_count


def settings_from(given: Any) -> dict[str, str]:
    """SetUserPoolMfaConfig's WebAuthnConfiguration, checked, as the pool settings to keep:
    where the CloudFormation type puts WebAuthnRelyingPartyID / WebAuthnUserVerification
    (pool_settings reads them there)."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise InvalidParameterError("WebAuthnConfiguration must be an object.")
    relying_party, verification = given.get("RelyingPartyId"), given.get("UserVerification")
    if relying_party is not None and not (
        isinstance(relying_party, str) and 1 <= len(relying_party) <= 127
    ):
        raise InvalidParameterError("WebAuthnConfiguration.RelyingPartyId must be 1 to 127 long.")
    if verification not in (None, "required", "preferred"):
        raise InvalidParameterError(
            "WebAuthnConfiguration.UserVerification must be required or preferred."
        )
    kept = {pool_settings.RELYING_PARTY_KEY: relying_party}
    kept[pool_settings.USER_VERIFICATION_KEY] = verification
    return {key: value for key, value in kept.items() if value is not None}


def configuration(pool: CognitoIdpUserPool) -> dict[str, str]:
    """GetUserPoolMfaConfig's WebAuthnConfiguration (the pool's, not the offline `localhost`)."""
    shown = {"UserVerification": pool_settings.passkey_user_verification(pool)}
    configured = pool_settings.passkey_relying_party_id(pool)
    if configured:
        shown["RelyingPartyId"] = configured
    return shown
