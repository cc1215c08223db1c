"""The signed-in user's passkey operations: StartWebAuthnRegistration and
CompleteWebAuthnRegistration (one single-use challenge per user, Cognito's 3 minutes),
ListWebAuthnCredentials and DeleteWebAuthnCredential. The attestation is checked by
py_webauthn; each refusal is the Cognito error botocore's model lists for the operation, and
a refused registration stores nothing (a credential that answers the pending challenge
spends it, refused or not: a registration is never tried twice)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from webauthn import verify_registration_response
from webauthn.helpers import (
    bytes_to_base64url,
    decode_credential_public_key,
    parse_attestation_object,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AttestationObject, RegistrationCredential

from local.emulator.server import moto_seam

from . import pool_settings
from .exceptions import (
    InvalidParameterError,
    LimitExceededError,
    NotAuthorizedError,
    ResourceNotFoundError,
    WebAuthnChallengeNotFoundError,
    WebAuthnClientMismatchError,
    WebAuthnCredentialNotSupportedError,
    WebAuthnNotEnabledError,
    WebAuthnOriginNotAllowedError,
    WebAuthnRelyingPartyMismatchError,
)
from .minting import ADMIN_API_SCOPE
from .models import Passkey, PasskeyRegistration, all_pools, pool_state
from .passkeys import (
    CHALLENGE_BYTES,
    TIMEOUT_MS,
    allowed_origin,
    client_data,
    descriptor,
    relying_party_id,
    user_handle,
    user_passkeys,
    user_verification_required,
)
from .tokens import access_claims

# ES256 and RS256, what Cognito's creation options offer.
_ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_PASSKEYS = 20  # per user, the most one ListWebAuthnCredentials page can show
_PAGE = 20  # ListWebAuthnCredentials' MaxResults: 0 to 20


def caller(token: str) -> tuple[CognitoIdpUserPool, CognitoIdpUser, str]:
    """The pool, user and client of an access token one of the pools signed (from a sign-in
    or an OAuth flow), once its scope allows the user's own operations: an OAuth token
    without aws.cognito.signin.user.admin does not. (Revoked and expired tokens were refused
    before: responses.py lists these operations as taking an access token.)"""
    for pool in all_pools():
        claims = access_claims(pool, token)
        if claims is None:
            continue
        user = moto_seam.get_user(pool, str(claims.get("username", "")))
        if user is None:
            raise NotAuthorizedError("User does not exist.")
        if ADMIN_API_SCOPE not in str(claims.get("scope", "")).split():
            raise NotAuthorizedError("Access Token does not have required scopes")
        return pool, user, str(claims.get("client_id", ""))
    raise NotAuthorizedError("Invalid Access Token")


def _require_enabled(pool: CognitoIdpUserPool) -> None:
    if pool_settings.WEB_AUTHN not in pool_settings.first_auth_factors(pool):
        raise WebAuthnNotEnabledError()


def _user_entity(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> dict[str, str]:
    """WebAuthn's user: its sub as the handle; the sign-in name a passkey picker shows (the
    e-mail or phone number in a pool that signs in with those)."""
    names = [
        user.attribute_lookup.get(a) for a in pool.extended_config.get("UsernameAttributes") or []
    ]
    name = next((n for n in names if n), user.username)
    return {
        "id": bytes_to_base64url(user_handle(user)),
        "name": name,
        "displayName": user.attribute_lookup.get("name", ""),
    }


def start(pool: CognitoIdpUserPool, user: CognitoIdpUser, client_id: str) -> dict[str, Any]:
    """StartWebAuthnRegistration: creation options with a fresh challenge (a new start
    replaces the user's previous one)."""
    _require_enabled(pool)
    kept = user_passkeys(pool, user)
    if len(kept) >= MAX_PASSKEYS:
        raise LimitExceededError(f"A user can register at most {MAX_PASSKEYS} passkeys.")
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    pool_state(pool).passkey_registrations[user.id] = PasskeyRegistration(
        challenge, client_id, time.time()
    )
    rp_id = relying_party_id(pool)
    options = {
        "rp": {"id": rp_id, "name": rp_id},
        "user": _user_entity(pool, user),
        "challenge": bytes_to_base64url(challenge),
        "pubKeyCredParams": [{"type": "public-key", "alg": int(a)} for a in _ALGORITHMS],
        "timeout": TIMEOUT_MS,
        "excludeCredentials": [descriptor(p) for p in kept],
        "authenticatorSelection": {
            "requireResidentKey": True,
            "residentKey": "required",
            "userVerification": pool_settings.passkey_user_verification(pool),
        },
    }
    return {"CredentialCreationOptions": options}


def _registration(credential: Any) -> tuple[RegistrationCredential, AttestationObject]:
    if not isinstance(credential, dict):
        raise InvalidParameterError("Credential must be a RegistrationResponseJSON object.")
    try:
        parsed = parse_registration_credential_json(credential)
        return parsed, parse_attestation_object(parsed.response.attestation_object)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise InvalidParameterError(f"Credential is not a valid registration: {error}") from error


def _spend_challenge(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, sent: bytes
) -> PasskeyRegistration:
    """The user's pending registration, if `sent` is its challenge and it is live; spent
    either way."""
    pending = pool_state(pool).passkey_registrations.get(user.id)
    if pending is None or not hmac.compare_digest(pending.challenge, sent):
        raise WebAuthnChallengeNotFoundError()
    del pool_state(pool).passkey_registrations[user.id]
    if time.time() - pending.created > TIMEOUT_MS / 1000:
        raise WebAuthnChallengeNotFoundError()
    return pending


def _check_authenticator(pool: CognitoIdpUserPool, attestation: AttestationObject) -> None:
    """What Cognito names before the attestation itself: the relying party, the user
    verification the pool requires, a key algorithm it takes."""
    rp_hash = hashlib.sha256(relying_party_id(pool).encode()).digest()
    auth_data = attestation.auth_data
    if auth_data.rp_id_hash != rp_hash:
        raise WebAuthnRelyingPartyMismatchError()
    if user_verification_required(pool) and not auth_data.flags.uv:
        raise WebAuthnCredentialNotSupportedError(
            "The user pool requires user verification, and the authenticator did not verify "
            "the user."
        )
    attested = auth_data.attested_credential_data
    if attested is None:
        raise InvalidParameterError("The attestation carries no credential.")
    try:
        algorithm = decode_credential_public_key(attested.credential_public_key).alg
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise WebAuthnCredentialNotSupportedError() from error
    if algorithm not in _ALGORITHMS:
        raise WebAuthnCredentialNotSupportedError(f"Key algorithm {algorithm} is not supported.")


def complete(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, client_id: str, credential: Any
) -> None:
    """CompleteWebAuthnRegistration: the attested passkey joins the user's."""
    _require_enabled(pool)
    parsed, attestation = _registration(credential)
    collected = client_data(parsed.response.client_data_json)
    if _spend_challenge(pool, user, collected.challenge).client_id != client_id:
        raise WebAuthnClientMismatchError()
    if not allowed_origin(collected.origin):
        raise WebAuthnOriginNotAllowedError()
    _check_authenticator(pool, attestation)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=collected.challenge,
            expected_rp_id=relying_party_id(pool),
            expected_origin=collected.origin,
            require_user_verification=user_verification_required(pool),
            supported_pub_key_algs=_ALGORITHMS,
        )
    except (WebAuthnException, ValueError) as error:
        raise InvalidParameterError(f"The registration does not verify: {error}") from error
    if any(
        p.credential_id == verified.credential_id
        for other in [pool, *all_pools()]
        for kept in pool_state(other).passkeys.values()
        for p in kept
    ):
        raise InvalidParameterError("This passkey is already registered.")
    attachment = parsed.authenticator_attachment
    pool_state(pool).passkeys.setdefault(user.id, []).append(
        Passkey(
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[str(t.value) for t in parsed.response.transports or []],
            attachment=None if attachment is None else str(attachment.value),
            friendly_name=_friendly_name(attachment and str(attachment.value)),
            relying_party_id=relying_party_id(pool),
            created_at=time.time(),
        )
    )


def _friendly_name(attachment: str | None) -> str:
    """Cognito generates the name; the local pool says what kind of authenticator it is."""
    if attachment == "platform":
        return "Platform passkey"
    return "Security key" if attachment == "cross-platform" else "Passkey"


def _described(passkey: Passkey) -> dict[str, Any]:
    """A WebAuthnCredentialDescription."""
    described: dict[str, Any] = {
        "CredentialId": bytes_to_base64url(passkey.credential_id),
        "FriendlyCredentialName": passkey.friendly_name,
        "RelyingPartyId": passkey.relying_party_id,
        "AuthenticatorTransports": list(passkey.transports),
        "CreatedAt": passkey.created_at,
    }
    if passkey.attachment is not None:
        described["AuthenticatorAttachment"] = passkey.attachment
    return described


def _offset(next_token: str | None) -> int:
    if next_token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(next_token.encode()))["offset"]
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidParameterError("Invalid NextToken.") from error
    if not isinstance(offset, int) or offset < 0:
        raise InvalidParameterError("Invalid NextToken.")
    return offset


def list_credentials(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, max_results: Any, next_token: str | None
) -> dict[str, Any]:
    """ListWebAuthnCredentials: a page of the user's passkeys, oldest first."""
    if max_results is None:
        max_results = _PAGE
    if (
        not isinstance(max_results, int)
        or isinstance(max_results, bool)
        or not (0 <= max_results <= _PAGE)
    ):
        raise InvalidParameterError(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value between 0 and {_PAGE}"
        )
    kept, offset = user_passkeys(pool, user), _offset(next_token)
    page = kept[offset : offset + max_results]
    answer: dict[str, Any] = {"Credentials": [_described(p) for p in page]}
    if offset + max_results < len(kept):
        token = json.dumps({"offset": offset + max_results}).encode()
        answer["NextToken"] = base64.urlsafe_b64encode(token).decode()
    return answer


def delete_credential(pool: CognitoIdpUserPool, user: CognitoIdpUser, credential_id: str) -> None:
    """DeleteWebAuthnCredential: the passkey no longer signs in."""
    kept = user_passkeys(pool, user)
    found = next((p for p in kept if bytes_to_base64url(p.credential_id) == credential_id), None)
    if found is None:
        raise ResourceNotFoundError("Credential not found.")
    kept.remove(found)
