"""`python -m local.emulator.server --port 4566 [--state-dir DIR]` (local.emulator.server.main)."""

from local.emulator.server.main import main
from local.process_exit import run_main

run_main(main)
