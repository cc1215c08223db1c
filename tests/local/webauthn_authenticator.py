"""A software passkey authenticator for the Python tests: what a browser and its authenticator
answer to navigator.credentials.create() / .get(), as the JSON Amplify sends to Cognito.

One ES256 key pair (from `cryptography`), attestation "none", authenticatorData with the flags
and sign count a test chooses, clientDataJSON with the origin a test chooses; CBOR by cbor2.
Test support only: the local pool verifies what it makes with py_webauthn.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

DEMO_ORIGIN = "http://localhost:5173"
_UP, _UV, _AT = 0x01, 0x04, 0x40


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Ceremony:
    """What a test may change about one ceremony (defaults: an honest authenticator)."""

    origin: str = DEMO_ORIGIN
    rp_id: str | None = None  # None: the options' relying party
    user_present: bool = True
    user_verified: bool = True
    sign_count: int | None = None  # None: the authenticator's next count


@dataclass
class SoftwareAuthenticator:
    """One passkey: a key pair, its credential id and its signature counter."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    counter: int = 0
    user_handle: bytes | None = None  # set by register(): the options' user.id

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        cose = {
            1: 2,
            3: -7,
            -1: 1,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
        return bytes(cbor2.dumps(cose))

    def _auth_data(self, rp_id: str, ceremony: Ceremony, *, attested: bool) -> bytes:
        flags = (_UP if ceremony.user_present else 0) | (_UV if ceremony.user_verified else 0)
        if ceremony.sign_count is None:
            self.counter += 1
            count = self.counter
        else:
            count = ceremony.sign_count
        data = hashlib.sha256(rp_id.encode()).digest()
        data += bytes([flags | (_AT if attested else 0)]) + struct.pack(">I", count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        collected = {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        return json.dumps(collected, separators=(",", ":")).encode()

    def register(self, options: dict[str, Any], ceremony: Ceremony | None = None) -> dict[str, Any]:
        """navigator.credentials.create() for Cognito's CredentialCreationOptions: a
        RegistrationResponseJSON."""
        ceremony = ceremony or Ceremony()
        self.user_handle = unb64url(options["user"]["id"])
        rp_id = ceremony.rp_id or options["rp"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], ceremony.origin)
        auth_data = self._auth_data(rp_id, ceremony, attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(bytes(attestation)),
                "transports": ["internal"],
                "publicKeyAlgorithm": -7,
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def assertion(self, options: str | dict[str, Any], ceremony: Ceremony | None = None) -> str:
        """navigator.credentials.get() for CREDENTIAL_REQUEST_OPTIONS: the CREDENTIAL answer
        (an AuthenticationResponseJSON, as a JSON string)."""
        ceremony = ceremony or Ceremony()
        asked = json.loads(options) if isinstance(options, str) else options
        rp_id = ceremony.rp_id or asked["rpId"]
        client_data = self._client_data("webauthn.get", asked["challenge"], ceremony.origin)
        auth_data = self._auth_data(rp_id, ceremony, attested=False)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = b64url(self.user_handle)
        answer = {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }
        return json.dumps(answer)
