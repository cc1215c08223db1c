"""The bench-only echo function: both gateways under comparison run this same code.

It answers with the event it was given, as JSON: the work a function does here is the same
on both sides, so what differs between them is the gateway (HTTP, authorizer, event, hand-off
to the function process, response mapping).
"""

import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(event),
    }
