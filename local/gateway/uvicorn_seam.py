"""Every uvicorn internal the gateway relies on, named in one place.

local.gateway.protocol subclasses uvicorn's httptools protocol (an internal module, not part of
uvicorn's documented API) to write each response in one piece and to bound the request head
before httptools buffers it. The class, the methods it overrides and calls back into, and the
attributes of the base class it reads are listed here, and tests/local/gateway/
test_uvicorn_seam.py fails when the installed uvicorn changes any of them, instead of the
gateway failing (or silently slowing) at run time after an upgrade. Kept because `make bench`
shows the one-write responses matter (BENCHMARKS.md, "uvicorn's internals").
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["BASE_ATTRIBUTES", "BASE_METHODS", "HttpToolsProtocol"]

# Methods of HttpToolsProtocol the gateway's protocol overrides and calls with super(), by the
# parameters (after self) it passes them.
BASE_METHODS: dict[str, tuple[str, ...]] = {
    "connection_made": ("transport",),
    "data_received": ("data",),
    "on_header": ("name", "value"),
    "on_headers_complete": (),
    "on_message_complete": (),
    "send_400_response": ("msg",),
    "on_response_complete": (),
}

# Attributes of HttpToolsProtocol it reads, all set once the base class's connection_made ran:
# the event loop (to flush at the end of a loop turn), uvicorn's error logger, the connection's
# transport (the coalescing wrapper), and the server's set of running request tasks.
BASE_ATTRIBUTES: tuple[str, ...] = ("loop", "logger", "transport", "tasks")
