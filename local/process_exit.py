"""How this product's long-lived processes (`local up`, the local AWS endpoint) end: as the
interpreter would, minus its teardown of every imported module and object.

That teardown (moto, boto3, uvicorn: thousands of modules) took 0.3-0.8 s of every stop,
after the process had done everything it had to do."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def exit_without_teardown(code: int) -> NoReturn:
    """Exit with `code` as the interpreter would (other threads joined, every exit handler run:
    function workers stopped, logs flushed, output flushed), without its teardown."""
    # The interpreter's own first step: its thread-exit hooks (thread pools told to finish),
    # then every other non-daemon thread joined.
    shutdown_threads: Callable[[], None] = getattr(threading, "_shutdown")  # noqa: B009
    shutdown_threads()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the interpreter's own exit code for it
        code = code or 120
    os._exit(code)


def run_main(main: Callable[[], int]) -> NoReturn:
    """`sys.exit(main())`, ending with exit_without_teardown. An integer SystemExit (a signal
    handler unwinding a server, argparse's usage error) ends the same way; anything else (an
    uncaught error, a message to exit with) takes the interpreter's own path."""
    try:
        code = main()
    except SystemExit as stop:
        if stop.code is not None and not isinstance(stop.code, int):
            raise
        code = stop.code or 0
    exit_without_teardown(code)
