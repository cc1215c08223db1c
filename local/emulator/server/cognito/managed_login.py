"""Managed login as the pool's API shows it: a domain's ManagedLoginVersion and the app
clients' ManagedLoginBranding (DescribeManagedLoginBranding, ...ByClient).

The CloudFormation types keep both in the pool's state (cloudformation.py); the hosted UI asks
here, through signed AWS calls, which pages a client gets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool

from .exceptions import ResourceNotFoundError
from .models import ManagedLoginBranding, pool_state

CLASSIC_HOSTED_UI = 1  # a domain without ManagedLoginVersion


def domain_version(pool: CognitoIdpUserPool, domain: str) -> int:
    """1: the classic hosted UI; 2: managed login."""
    return pool_state(pool).domain_versions.get(domain, CLASSIC_HOSTED_UI)


def _answer(pool: CognitoIdpUserPool, branding: ManagedLoginBranding) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ManagedLoginBrandingId": branding.branding_id,
        "UserPoolId": pool.id,
        "UseCognitoProvidedValues": branding.use_cognito_provided_values,
        "Assets": branding.assets,
        "CreationDate": datetime.fromtimestamp(branding.created, UTC),
        "LastModifiedDate": datetime.fromtimestamp(branding.modified, UTC),
    }
    if branding.settings is not None:
        answer["Settings"] = branding.settings
    return {"ManagedLoginBranding": answer}


def by_id(pool: CognitoIdpUserPool, branding_id: str) -> dict[str, Any]:
    branding = pool_state(pool).brandings.get(branding_id)
    if branding is None:
        raise ResourceNotFoundError(f"Managed login branding {branding_id} does not exist.")
    return _answer(pool, branding)


def by_client(pool: CognitoIdpUserPool, client_id: str) -> dict[str, Any]:
    """The client's style; ResourceNotFoundException when it has none (managed login then
    shows "Login pages unavailable" for it)."""
    if client_id not in pool.clients:
        raise ResourceNotFoundError(f"User pool client {client_id} does not exist.")
    for branding in pool_state(pool).brandings.values():
        if branding.client_id == client_id:
            return _answer(pool, branding)
    raise ResourceNotFoundError(f"No managed login branding for client {client_id}.")
