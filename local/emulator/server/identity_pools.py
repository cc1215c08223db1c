"""Identity pools (`AWSCognitoIdentityService`): JSON errors instead of moto's 500s.

This product deploys no identity pool, but their unsigned operations (`GetId`, ...) reach moto
as on AWS. moto answered `GetId` for an unknown pool (a KeyError) and every operation it lacks
(`UnlinkIdentity`, ...) with a 500: now an unknown pool is `ResourceNotFoundException` and an
operation moto lacks is AWS's `UnsupportedOperationException`, both JSON with status 400.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.cognitoidentity.responses import CognitoIdentityResponse

from . import moto_seam

log = logging.getLogger("local.emulator.server.identity_pools")

_original_call_action = CognitoIdentityResponse.call_action


def _json_error(error_type: str, message: str) -> tuple[int, dict[str, str], str]:
    body = json.dumps({"__type": error_type, "message": message})
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amzn-ErrorType": error_type}
    return 400, headers, body


def call_action(self: CognitoIdentityResponse) -> Any:
    operation = moto_seam.operation_name(self)
    try:
        return _original_call_action(self)
    except NotImplementedError:
        log.warning("identity pool operation %s is not implemented locally", operation[:64])
        return _json_error(
            "UnsupportedOperationException",
            f"{operation[:64]} is not implemented by the local AWS endpoint (make local).",
        )
    except KeyError as missing:  # moto looks the identity pool up by id
        return _json_error("ResourceNotFoundException", f"IdentityPool {missing} not found.")


def apply() -> None:
    """Install the wrapper (idempotent)."""
    if CognitoIdentityResponse.call_action is not call_action:
        CognitoIdentityResponse.call_action = call_action  # type: ignore[method-assign,assignment]
