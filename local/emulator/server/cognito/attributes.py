"""Changing a user's e-mail or phone number as Cognito does (UpdateUserAttributes,
AdminUpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute).

moto took any new e-mail as is and kept `email_verified: true`, with no code: a user could
claim `ceo@bigcorp.example`. Here a new `email` or `phone_number` must have a valid format
(`InvalidParameterException`), is unverified (`*_verified=false`) until the code sent to it
(the outbox) is verified, and with the pool's `AttributesRequireVerificationBeforeUpdate` the
original value stays in force until then. A user cannot set `*_verified` itself; an admin
may, and then no code is sent. The access token keeps working throughout.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool

from local.emulator.server import moto_seam

from . import codes
from .custom_message import UPDATE_USER_ATTRIBUTE, VERIFY_USER_ATTRIBUTE, Occasion
from .exceptions import (
    InvalidParameterError,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotFoundError,
)
from .models import backend_of, pool_by_id, pool_state

_PURPOSES = {"email": codes.VERIFY_EMAIL, "phone_number": codes.VERIFY_PHONE}
# One address, no spaces, no markup or quoting characters, a dotted domain.
_EMAIL = re.compile(r"[^@\s<>()\[\]\\,;:\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"\+[1-9][0-9]{4,14}")  # E.164
_FORMAT_ERRORS = {
    "email": "Invalid email address format.",
    "phone_number": "Invalid phone number format.",
}


def is_email(value: object) -> bool:
    """Is `value` an e-mail address the pool takes (UpdateUserAttributes' check)?"""
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


def update(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    given: list[dict[str, str]],
    *,
    admin: bool,
    client_metadata: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """Apply `given`; the CodeDeliveryDetailsList of the codes sent for new addresses."""
    values = {a["Name"]: a["Value"] for a in given}
    for name, problem in _FORMAT_ERRORS.items():
        pattern = _EMAIL if name == "email" else _PHONE
        if name in values and not pattern.fullmatch(values[name]):
            raise InvalidParameterError(problem)
    verified_flags = {f"{name}_verified" for name in _PURPOSES}
    if not admin and verified_flags & set(values):
        raise NotAuthorizedError("A client attempted to write unauthorized attribute")
    settings = pool.extended_config.get("UserAttributeUpdateSettings") or {}
    keep_original = set(settings.get("AttributesRequireVerificationBeforeUpdate") or [])
    pool_backend = backend_of(pool)
    sent, apply = [], dict(values)
    for name, purpose in _PURPOSES.items():
        new = values.get(name)
        if new is None or new == user.attribute_lookup.get(name):
            continue
        if name == "email":
            moto_seam.verify_email_is_not_used(pool_backend, pool.id, new)
        if admin and values.get(f"{name}_verified") == "true":
            continue  # the admin vouches for it: applied as given, no code
        if name in keep_original and user.attribute_lookup.get(name):
            pool_state(pool).pending_attributes[(user.username, name)] = apply.pop(name)
        else:
            apply[f"{name}_verified"] = "false"
        occasion = Occasion(UPDATE_USER_ATTRIBUTE, client_metadata=client_metadata or {})
        codes.send(pool, user, purpose, purpose, to=new, occasion=occasion)
        sent.append(codes.delivery_details(name, new))
    user.update_attributes([{"Name": k, "Value": v} for k, v in apply.items()])
    return sent


def admin_user(pool_id: str, username: str) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
    """The pool and user an Admin* attribute operation names."""
    pool = pool_by_id(pool_id)
    if pool is None:
        raise ResourceNotFoundError("User pool does not exist.")
    user = moto_seam.get_user(pool, username)
    if user is None:
        raise UserNotFoundError()
    return pool, user


def send_verification_code(
    pool: CognitoIdpUserPool,
    user: CognitoIdpUser,
    name: str,
    client_metadata: dict[str, str] | None = None,
) -> dict[str, str]:
    """GetUserAttributeVerificationCode: a code to the attribute's (pending) value."""
    purpose = _PURPOSES.get(name)
    pending = pool_state(pool).pending_attributes.get((user.username, name))
    value = pending or user.attribute_lookup.get(name)
    if purpose is None or not value:
        raise InvalidParameterError(f"User has no attribute {name} to verify.")
    occasion = Occasion(VERIFY_USER_ATTRIBUTE, client_metadata=client_metadata or {})
    codes.send(pool, user, purpose, purpose, to=str(value), occasion=occasion)
    return codes.delivery_details(name, str(value))


def verify(pool: CognitoIdpUserPool, user: CognitoIdpUser, name: str, code: str) -> None:
    """The right code verifies the address it was sent to (a pending one takes effect)."""
    purpose = _PURPOSES.get(name)
    if purpose is None:
        raise InvalidParameterError(f"Attribute {name} cannot be verified.")
    codes.check(pool, user, purpose, code)
    update_to: list[dict[str, Any]] = [{"Name": f"{name}_verified", "Value": "true"}]
    pending = pool_state(pool).pending_attributes.pop((user.username, name), None)
    if pending is not None:
        update_to.append({"Name": name, "Value": pending})
    user.update_attributes(update_to)
