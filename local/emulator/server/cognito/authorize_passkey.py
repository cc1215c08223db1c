"""The pool's decisions for managed login's passkey page (`/passkeys/add?client_id=...&
redirect_uri=...`): a user signed in on the hosted UI (its session handle) registers a passkey
through the pool's own StartWebAuthnRegistration / CompleteWebAuthnRegistration rules
(passkey_registration.py: single-use challenge, origin, relying party, attestation), then goes
back to the client's registered redirect_uri.

Cognito's page needs the managed login session, not an access token: here the handle stands
for it, checked as a signed-in authorize is (authorize.live_session). No session: the page
says to sign in first. A refused registration stores nothing and shows the pool's message.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.core.exceptions import JsonRESTError

from local.emulator.server import moto_seam

from . import authorize, passkey_registration
from .authorize import Decision

CREATION_OPTIONS = "CREDENTIAL_CREATION_OPTIONS"
MAX_CREDENTIAL_CHARS = 16 * 1024  # an attestation with a "none" statement is well under 2 KB
_SIGN_IN_FIRST = "Sign in first, then add a passkey."


def _signed_in(
    pool: CognitoIdpUserPool, query: Any, handle: Any
) -> tuple[CognitoIdpUserPoolClient, str, CognitoIdpUser]:
    """The client, its checked redirect_uri and the user the session handle signed in."""
    _, client, redirect_uri = authorize.trusted_redirect(pool, query)
    try:
        session, _ = authorize.live_session(pool, client, handle)
    except Decision:
        raise authorize.page_error(_SIGN_IN_FIRST) from None
    user = moto_seam.get_user(pool, session.sign_in.username)
    if user is None:
        raise authorize.page_error(_SIGN_IN_FIRST)
    return client, redirect_uri, user


def options(pool: CognitoIdpUserPool, query: Any, handle: Any) -> dict[str, Any]:
    """The passkey page: the pool's creation options for the signed-in user, and where "Not
    now" goes (the checked redirect_uri)."""
    client, redirect_uri, user = _signed_in(pool, query, handle)
    try:
        started = passkey_registration.start(pool, user, client.id)
    except JsonRESTError as refused:  # passkeys off for the pool, too many passkeys
        raise authorize.page_error(refused.message) from None
    creation = json.dumps(started["CredentialCreationOptions"], separators=(",", ":"))
    return {
        "decision": "passkey_options",
        "parameters": {CREATION_OPTIONS: creation},
        "location": redirect_uri,
    }


def register(pool: CognitoIdpUserPool, query: Any, handle: Any, credential: Any) -> dict[str, Any]:
    """The browser's RegistrationResponseJSON for the options: the redirect back to the app,
    or the page's message (the pool's refusal; nothing is stored)."""
    client, redirect_uri, user = _signed_in(pool, query, handle)
    if not isinstance(credential, str) or not 0 < len(credential) <= MAX_CREDENTIAL_CHARS:
        raise Decision("login_error", message="The passkey gave no answer: try again.")
    try:
        answer = json.loads(credential)
    except ValueError:
        answer = None  # the pool's own refusal names it
    try:
        passkey_registration.complete(pool, user, client.id, answer)
    except JsonRESTError as refused:
        raise Decision("login_error", message=refused.message) from None
    return {"decision": "redirect", "location": redirect_uri}
