"""`python -m local.emulator.server --port 4566 [--state-dir DIR]` (local.emulator.server.main)."""

import atexit
import os
import sys
import threading
from typing import NoReturn

from local.emulator.server.main import main


def _exit_without_teardown(code: int) -> NoReturn:
    """Exit as the interpreter would (other threads joined, every exit handler run: the deployed
    functions' workers stopped, logs flushed), without its teardown of moto's thousands of
    modules and objects: that alone took ~0.6 s of every stop, after the final save."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


try:
    exit_code = main()
except SystemExit as stop:  # SIGTERM/SIGINT unwind serve_forever() this way (main._stop)
    if stop.code is not None and not isinstance(stop.code, int):
        raise
    exit_code = stop.code or 0
_exit_without_teardown(exit_code)
