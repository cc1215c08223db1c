"""The local pool's own state, kept on moto's CognitoIdpUserPool objects.

moto keeps users, clients and plain passwords; Cognito also keeps password verifiers, SRP
sign-ins in progress, confirmation codes (and the messages that carried them), refresh-token
families and revocations, and TOTP secrets. They live on the pool (`pool_state(pool)`), so the
kept-state pickle (local.emulator.server.persistence) saves and restores them with the pool.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    cognitoidp_backends,
)

# The outbox message is defined once for both sides of the wire; imported here, so that kept
# state pickled when it was defined in this module still loads.
from local.emulator.wire import OutboxMessage

from . import srp

_ATTRIBUTE = "local_pool_state"
_lock = threading.Lock()


@dataclass
class StoredVerifier:
    """A user's SRP verifier and a digest of the password it was made from (moto may change
    the password behind our back: ChangePassword, AdminSetUserPassword, resets)."""

    password_digest: bytes
    verifier: srp.Verifier


@dataclass
class SrpSignIn:
    """One USER_SRP_AUTH in progress, found by its secret block; used once."""

    session: str
    client_id: str
    username: str | None  # None: a decoy for an unknown user (PreventUserExistenceErrors)
    user_id: str
    verifier: srp.Verifier
    b: int
    big_b: int
    a: int
    created: float

    @classmethod
    def start(
        cls, client_id: str, username: str | None, user_id: str, verifier: srp.Verifier, a: int
    ) -> SrpSignIn:
        """A sign-in's server side for the client's A: a fresh session and server key pair."""
        b, big_b = srp.server_public(verifier)
        session = base64.b64encode(secrets.token_bytes(48)).decode()
        return cls(session, client_id, username, user_id, verifier, b, big_b, a, time.time())


@dataclass
class CustomAuthSignIn:
    """One CUSTOM_AUTH sign-in between two requests, found by its Session; used once."""

    client_id: str
    username: str | None  # None: an unknown user (PreventUserExistenceErrors)
    named: str  # the USERNAME the client gave
    rounds: list[dict[str, Any]]  # the challenge triggers' `session` (ChallengeResults)
    private: dict[str, str]  # the current challenge's privateChallengeParameters
    challenge_metadata: str | None
    created: float


@dataclass
class OneTimeSignIn:
    """One USER_AUTH sign-in (or an e-mail MFA step) between two requests, found by its
    Session: the challenge it waits for, what it offered, and the code or WebAuthn challenge
    sent (one_time_codes.py, user_auth.py)."""

    client_id: str
    username: str | None  # None: a decoy for an unknown user (PreventUserExistenceErrors)
    named: str  # the USERNAME the client gave
    challenge: str  # SELECT_CHALLENGE, EMAIL_OTP, SMS_OTP, WEB_AUTHN, PASSWORD, ...
    available: tuple[str, ...]
    created: float
    second_factor: bool = False  # an MFA step after the password (e-mail MFA, SELECT_MFA_TYPE)
    code: str | None = None
    code_expires_at: float = 0.0
    webauthn_challenge: bytes | None = None
    enrols_address: str | None = None  # MFA_SETUP: the e-mail MFA turns on for once verified


@dataclass
class Code:
    """A confirmation code Cognito would have sent (sign-up, resend, forgot password, ...)."""

    code: str
    expires_at: float


@dataclass
class RefreshFamily:
    """Everything issued from one sign-in: its refresh token(s) share the origin_jti."""

    origin_jti: str
    client_id: str
    username: str
    auth_time: int
    current: str  # the refresh token in force
    expires_at: float
    retired: dict[str, float] = field(default_factory=dict)  # rotated-out token -> valid until
    revoked: bool = False


@dataclass
class ManagedLoginBranding:
    """An AWS::Cognito::ManagedLoginBranding: the style of one app client's login pages."""

    branding_id: str
    client_id: str
    use_cognito_provided_values: bool
    settings: dict[str, Any] | None
    assets: list[dict[str, Any]]
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)


@dataclass
class Passkey:
    """A user's registered passkey (WebAuthn credential), as CompleteWebAuthnRegistration kept
    it: what the sign-in assertion is checked against and what ListWebAuthnCredentials shows."""

    credential_id: bytes
    public_key: bytes  # the COSE key the authenticator attested
    sign_count: int
    transports: list[str]
    attachment: str | None  # "platform" / "cross-platform", when the browser said
    friendly_name: str
    relying_party_id: str
    created_at: float


@dataclass
class PasskeyRegistration:
    """A StartWebAuthnRegistration waiting for its CompleteWebAuthnRegistration; used once."""

    challenge: bytes
    client_id: str  # the access token's client: Complete must come from the same one
    created: float


@dataclass
class PoolState:
    verifiers: dict[str, StoredVerifier] = field(default_factory=dict)  # by username
    srp: dict[str, SrpSignIn] = field(default_factory=dict)  # by secret block
    codes: dict[tuple[str, str], Code] = field(default_factory=dict)  # (username, purpose)
    outbox: list[OutboxMessage] = field(default_factory=list)
    families: dict[str, RefreshFamily] = field(default_factory=dict)  # by origin_jti
    refresh_index: dict[str, str] = field(default_factory=dict)  # refresh token -> origin_jti
    totp_secrets: dict[str, str] = field(default_factory=dict)  # by username (verified or not)
    mfa_sessions: dict[str, tuple[str, str, float]] = field(
        default_factory=dict
    )  # session -> (username, client_id, created)
    setup_sessions: set[str] = field(default_factory=set)  # MFA_SETUP challenges' sessions
    # Makes an unknown user's decoys (SRP salt, delivery): the same on every call, per pool.
    decoy_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # Attempt limits (attempts.py): per user (failures, locked until, last failure), per
    # code (wrong tries), per challenge session (wrong TOTP codes), last TOTP step used.
    password_failures: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    code_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    session_failures: dict[str, int] = field(default_factory=dict)
    totp_last_step: dict[str, int] = field(default_factory=dict)
    # (username, attribute) -> the new value kept until verified (the pool's
    # AttributesRequireVerificationBeforeUpdate: the original stays in force meanwhile).
    pending_attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    custom_auth: dict[str, CustomAuthSignIn] = field(default_factory=dict)  # by Session
    one_time: dict[str, OneTimeSignIn] = field(default_factory=dict)  # USER_AUTH, by Session
    # SignUp's and ConfirmSignUp's Session -> (username, client_id, created, confirmed): a
    # confirmed one signs in once through USER_AUTH (user_auth.py).
    sign_up_sessions: dict[str, tuple[str, str, float, bool]] = field(default_factory=dict)
    email_mfa_users: set[str] = field(default_factory=set)  # usernames with e-mail MFA on
    # Managed login: each domain's ManagedLoginVersion (1 classic, 2 managed login) and the
    # ManagedLoginBranding styles, by branding id (one per app client, as Cognito allows).
    domain_versions: dict[str, int] = field(default_factory=dict)  # by domain
    brandings: dict[str, ManagedLoginBranding] = field(default_factory=dict)
    passkeys: dict[str, list[Passkey]] = field(default_factory=dict)  # by user sub
    passkey_registrations: dict[str, PasskeyRegistration] = field(
        default_factory=dict
    )  # by user sub: the latest Start, until its Complete


def pool_state(pool: CognitoIdpUserPool) -> PoolState:
    """The pool's local state, created on first use (also for pools from older snapshots)."""
    state = getattr(pool, _ATTRIBUTE, None)
    if state is None:
        with _lock:
            state = getattr(pool, _ATTRIBUTE, None)
            if state is None:
                state = PoolState()
                setattr(pool, _ATTRIBUTE, state)
    assert isinstance(state, PoolState)
    _add_new_fields(state)
    return state


def _add_new_fields(state: PoolState) -> None:
    """A state from an older snapshot lacks the fields added since: give them their default."""
    for name, made in _NEWER_FIELDS.items():
        if name not in vars(state):
            setattr(state, name, made())


_NEWER_FIELDS: dict[str, Any] = {
    "setup_sessions": set,
    "decoy_key": lambda: secrets.token_bytes(32),
    "password_failures": dict,
    "code_failures": dict,
    "session_failures": dict,
    "totp_last_step": dict,
    "pending_attributes": dict,
    "custom_auth": dict,
    "one_time": dict,
    "sign_up_sessions": dict,
    "email_mfa_users": set,
    "domain_versions": dict,
    "brandings": dict,
    "passkeys": dict,
    "passkey_registrations": dict,
}


def _digest(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bytes:
    return hashlib.sha256(f"{pool.id}\0{user.username}\0{user.password}".encode()).digest()


def verifier_for(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> srp.Verifier:
    """The user's verifier, made anew (new salt) whenever the password changed."""
    state = pool_state(pool)
    digest = _digest(pool, user)
    stored = state.verifiers.get(user.username)
    if stored is None or stored.password_digest != digest:
        stored = StoredVerifier(
            digest, srp.make_verifier(pool.id, user.username, user.password or "")
        )
        state.verifiers[user.username] = stored
    return stored.verifier


def all_pools() -> list[CognitoIdpUserPool]:
    pools: list[CognitoIdpUserPool] = []
    for account_backends in cognitoidp_backends.values():
        for region, backend in account_backends.items():
            if region != "global":
                pools.extend(backend.user_pools.values())
    return pools


def pool_of_client(client_id: object) -> CognitoIdpUserPool | None:
    if not isinstance(client_id, str):
        return None
    return next((p for p in all_pools() if client_id in p.clients), None)


def pool_by_id(pool_id: object) -> CognitoIdpUserPool | None:
    if not isinstance(pool_id, str):
        return None
    return next((p for p in all_pools() if p.id == pool_id), None)


def backend_of(pool: CognitoIdpUserPool) -> CognitoIdpBackend:
    """moto's backend that holds `pool` (its account and region)."""
    backend: CognitoIdpBackend = cognitoidp_backends[pool.account_id][pool.region]
    return backend
