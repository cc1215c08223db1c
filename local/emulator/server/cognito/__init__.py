"""The local user pool as strict as Cognito: SRP that checks the password, refresh with
rotation, revocation, confirmation codes with an outbox, TOTP MFA, the client_credentials
token endpoint, and JSON errors for what it does not implement. Laid out as moto lays a
service: state (models), request handling (responses, oauth), URL table (urls), one module
per flow (sign_in, srp, refresh, revocation, codes, mfa, client_credentials). `apply()`
installs it into moto.
"""

from __future__ import annotations

from . import attributes, minting, responses, tokens, urls


def apply() -> None:
    """Install (idempotent)."""
    minting.install_moto_hooks()
    tokens.apply()
    responses.apply()
    attributes.apply()
    urls.apply()
