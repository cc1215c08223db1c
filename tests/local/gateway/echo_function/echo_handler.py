"""A test function that answers with the event it received (and fails on request)."""

import os
import sys
import time
from typing import Any


def handler(event: dict[str, Any], context: Any) -> Any:
    query = event.get("queryStringParameters") or {}
    if query.get("fail") == "raise":
        raise RuntimeError("the test asked this function to fail")
    if query.get("fail") == "exit":
        sys.exit(3)
    if query.get("fail") == "crash":
        os._exit(1)
    if "sleep" in query:
        time.sleep(float(query["sleep"]))
    if query.get("shorthand") == "set":
        return {"not", "json"}
    if query.get("shorthand") == "1":
        return {"hello": "world"}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": __import__("json").dumps(
            {
                "event": event,
                "env": os.environ.get("ECHO_SETTING"),
                "function": context.function_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "pid": os.getpid(),
            }
        ),
    }
