"""AdminCreateUser's invitation: the user's name and temporary password, to the local outbox.

Cognito sends it unless the call says `MessageAction: SUPPRESS` (and again for `RESEND`), to
each of `DesiredDeliveryMediums` (default SMS) the user has an address for, in the words of the
pool's `InviteMessageTemplate` or of the custom message trigger
(`CustomMessage_AdminCreateUser`, custom_message.py). Without a `TemporaryPassword` Cognito
makes one, as here. The password is valid for the pool's `TemporaryPasswordValidityDays`
(default 7).
"""

from __future__ import annotations

import logging
import secrets
import time

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.wire import OutboxMessage

from . import custom_message
from .models import pool_state

log = logging.getLogger("local.emulator.server.cognito")

KIND = "invitation"
OUTBOX_LIMIT = 1000  # as codes.py's
_ADDRESSES = {"EMAIL": "email", "SMS": "phone_number"}


def _valid_days(pool: CognitoIdpUserPool) -> int:
    policy = (pool.extended_config.get("Policies") or {}).get("PasswordPolicy") or {}
    days = policy.get("TemporaryPasswordValidityDays")
    return days if isinstance(days, int) and days > 0 else 7


def temporary_password() -> str:
    """A password that meets any policy Cognito allows (length, every character class)."""
    return f"{secrets.token_urlsafe(12)}aA1!"


def invite(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    *,
    username: str,
    mediums: list[str] | None,
    client_metadata: dict[str, str],
) -> None:
    """The invitation for `user` (signing in as `username`) to its addresses in `mediums`
    (none when it has none of them)."""
    addresses = [user.attribute_lookup.get(_ADDRESSES[m]) for m in mediums or ["SMS"]]
    if not any(addresses):
        log.info("no address for %s in %s: no invitation", username, mediums or ["SMS"])
        return
    if not user.password:
        user.password = temporary_password()
    occasion = custom_message.Occasion(
        custom_message.ADMIN_CREATE_USER, client_metadata=client_metadata, username=username
    )
    state, now = pool_state(pool), time.time()
    for to in filter(None, addresses):
        text = custom_message.compose(pool, user, occasion, str(user.password), str(to))
        state.outbox.append(
            OutboxMessage(
                user_pool_id=pool.id,
                username=user.username,
                destination=str(to),
                kind=KIND,
                code=str(user.password),
                sent_at=now,
                expires_at=now + _valid_days(pool) * 24 * 3600,
                subject=text.subject,
                message=text.message,
            )
        )
        del state.outbox[:-OUTBOX_LIMIT]
        log.info("invitation sent to %s (pool %s)", to, pool.id)
