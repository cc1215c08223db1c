"""`PreventUserExistenceErrors=ENABLED` as Cognito documents it: an unknown user name gets
the answers a known one gets, so a caller cannot tell them apart.

- password flows: `NotAuthorizedException` "Incorrect username or password." (password.py);
- SRP: a challenge with a decoy whose salt and user id are the same on every call for the
  same name (made with a key of the pool's, kept in its state), refused after the answer;
- ForgotPassword and ResendConfirmationCode: a simulated delivery, masked as a real one;
- ConfirmSignUp and ConfirmForgotPassword: `CodeMismatchException`.
"""

from __future__ import annotations

import hashlib
import hmac
import string
import uuid

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, CognitoIdpUserPoolClient

from . import srp
from .exceptions import NotAuthorizedError
from .models import pool_state


def prevents(client: CognitoIdpUserPoolClient) -> bool:
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


def _digest(pool: CognitoIdpUserPool, purpose: str, username: str) -> bytes:
    key = pool_state(pool).decoy_key
    return hmac.new(key, f"{purpose}\0{username}".encode(), hashlib.sha256).digest()


def decoy_user_id(pool: CognitoIdpUserPool, username: str) -> str:
    """What USER_ID_FOR_SRP would be: a user's uuid where users sign in with an e-mail or
    phone number (UsernameAttributes), else the user name itself, as for a real user."""
    if pool.extended_config.get("UsernameAttributes"):
        return str(uuid.UUID(bytes=_digest(pool, "id", username)[:16], version=4))
    return username


def decoy_verifier(pool: CognitoIdpUserPool, username: str, user_id: str) -> srp.Verifier:
    """A verifier no password matches, with the same salt every time for this name."""
    salt = int.from_bytes(_digest(pool, "salt", username)[:16], "big")
    secret = _digest(pool, "password", username).hex()
    return srp.make_verifier(pool.id, user_id, secret, salt=salt)


def delivery(
    pool: CognitoIdpUserPool, user: CognitoIdpUser | None, username: str
) -> dict[str, str]:
    """ForgotPassword's CodeDeliveryDetails by the pool's recovery setting, for a real user
    or simulated for an unknown one (masked alike)."""
    recovery = pool.extended_config.get("AccountRecoverySetting") or {}
    mechanisms = recovery.get("RecoveryMechanisms") or [{"Name": "verified_email", "Priority": 1}]
    chosen = min(mechanisms, key=lambda m: m.get("Priority", 1))["Name"]
    if chosen == "admin_only":
        raise NotAuthorizedError("Contact administrator to reset password.")
    medium = "SMS" if chosen == "verified_phone_number" else "EMAIL"
    return masked(pool, user, username, medium)


def masked(
    pool: CognitoIdpUserPool, user: CognitoIdpUser | None, username: str, medium: str
) -> dict[str, str]:
    """CodeDeliveryDetails for `medium`: the user's masked address, or for an unknown user one
    made from its name (an e-mail name) or from the pool's key, the same on every call."""
    attributes = user.attribute_lookup if user is not None else {}
    made_up = _digest(pool, "destination", username)
    if medium == "SMS":
        number = str(attributes.get("phone_number") or "")
        last = number[-4:] if number else "".join(str(b % 10) for b in made_up[:4])
        return {
            "Destination": f"+*******{last}",
            "DeliveryMedium": "SMS",
            "AttributeName": "phone_number",
        }
    address = str(attributes.get("email") or "") or (username if "@" in username else "")
    if not address:
        letters = string.ascii_lowercase
        address = f"{letters[made_up[0] % 26]}@{letters[made_up[1] % 26]}"
    return {
        "Destination": f"{address[:1]}***@{address.partition('@')[2][:1]}***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
