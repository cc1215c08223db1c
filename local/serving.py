"""The one way product code serves an ASGI app beside other work: uvicorn in a daemon thread.

`local up` serves the hosted UI and the demo page this way next to the data plane, and the
benchmark serves an in-process data plane; the caller gets a stop function once uvicorn has
bound its port, or ServeError if it could not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import uvicorn


class ServeError(RuntimeError):
    """uvicorn stopped before it served (the port was taken, the app failed to start)."""


def serve_in_thread(config: uvicorn.Config) -> Callable[[], None]:
    """Start serving `config` in a daemon thread; returns once it serves. Call the returned
    function to stop it (it waits up to 10 s for in-flight requests)."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"serve-{config.port}", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise ServeError(f"could not serve on port {config.port}")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop
