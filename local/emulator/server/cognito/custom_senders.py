"""The pool's custom sender triggers: CustomEmailSender and CustomSMSSender.

With a custom sender in `LambdaConfig` (and its `KMSKeyID`), Cognito sends no e-mail or SMS
itself: it encrypts the code with that KMS key and hands it to the function, which delivers it
its own way. Locally the same: the code is encrypted by the local KMS (moto's, the pool's
`KMSKeyID`), the function runs in a worker (lambda_triggers), and the outbox records nothing
for that message, as Cognito sends nothing; one line of the emulator's log, which `make local`
prints (local.pool_notices), says which function took which message (never the code).

AWS encrypts with the AWS Encryption SDK (its message format around a KMS data key); that SDK
is not a dependency here, so `request.code` is base64 of KMS `Encrypt`'s ciphertext of the
code, which the function decrypts with one KMS `Decrypt` call (no Encryption SDK needed).
A function that raises or keeps Cognito waiting fails the operation with Cognito's errors;
what it answers is ignored, as Cognito ignores it.
"""

from __future__ import annotations

import base64
import logging

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool
from moto.kms.models import kms_backends

from local.emulator.wire import OutboxMessage

from . import lambda_triggers
from .custom_message import Occasion
from .exceptions import InvalidParameterError

log = logging.getLogger("local.emulator.server.cognito.custom_senders")

CUSTOM_MESSAGE_PREFIX = "CustomMessage_"
_ATTRIBUTE_KINDS = {"verify_email": "email", "verify_phone_number": "phone_number"}
_REQUEST_TYPES = {
    "CustomEmailSender": "customEmailSenderRequestV1",
    "CustomSMSSender": "customSMSSenderRequestV1",
}


def sender_of(message: OutboxMessage) -> str:
    """The trigger a message goes to: SMS for a phone number, e-mail otherwise."""
    sms = message.kind == "verify_phone_number" or message.destination.startswith("+")
    return "CustomSMSSender" if sms else "CustomEmailSender"


def trigger_source(trigger: str, occasion: Occasion) -> str:
    """`<Trigger>_<Source>`: the source the call gave its message (custom_message.Occasion,
    e.g. CustomMessage_UpdateUserAttribute -> CustomEmailSender_UpdateUserAttribute)."""
    return f"{trigger}_{occasion.trigger_source.removeprefix(CUSTOM_MESSAGE_PREFIX)}"


def encrypted_code(pool: CognitoIdpUserPool, key_id: str, code: str) -> str:
    """The code as the local KMS encrypts it with the pool's key, base64 (module docstring)."""
    backend = kms_backends[pool.account_id][pool.region]
    try:
        ciphertext, _arn = backend.encrypt(key_id, code.encode(), {"userpool-id": pool.id})
    except Exception:  # moto's NotFoundException and friends: the key is not in this account
        raise InvalidParameterError(
            f"The KMS key {key_id} of the pool's custom sender triggers does not exist."
        ) from None
    return base64.b64encode(ciphertext).decode()


def deliver(
    pool: CognitoIdpUserPool, user: CognitoIdpUser, message: OutboxMessage, occasion: Occasion
) -> bool:
    """Hand `message`, sent for `occasion`, to the pool's custom sender for its medium; False
    when the pool has none (the outbox keeps it), True when the function took it (the outbox
    must not)."""
    trigger = sender_of(message)
    arn = lambda_triggers.function_arn(pool, trigger)
    if arn is None:
        return False
    key_id = str((pool.extended_config.get("LambdaConfig") or {}).get("KMSKeyID") or "")
    if not key_id:
        raise InvalidParameterError(f"{trigger} needs the pool's KMSKeyID.")
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    attributes.setdefault("sub", user.id)
    if message.kind in _ATTRIBUTE_KINDS:  # the address the code verifies (maybe not yet set)
        attributes[_ATTRIBUTE_KINDS[message.kind]] = message.destination
    request = {
        "type": _REQUEST_TYPES[trigger],
        "code": encrypted_code(pool, key_id, message.code),
        "clientMetadata": dict(occasion.client_metadata),
        "userAttributes": attributes,
    }
    source = trigger_source(trigger, occasion)
    sent = lambda_triggers.event(
        pool, source, user_name=user.username, client_id=occasion.client_id, request=request
    )
    lambda_triggers.call(arn, trigger, sent)
    # A warning, so the emulator's log has it and `make local` prints it (local.pool_notices).
    log.warning(
        "the %s code for %s went to the pool's custom sender (%s, %s, pool %s), not the outbox",
        message.kind,
        message.destination,
        source,
        arn.rsplit(":", 1)[-1],
        pool.id,
    )
    return True
