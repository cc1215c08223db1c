"""`python -m local.emulator.server --port 4566 [--state-dir DIR]` (local.emulator.server.main)."""

import sys

from local.emulator.server.main import main

sys.exit(main())
