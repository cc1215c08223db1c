"""Entry point of `python -m local` (what `make local` and `make token` run)."""

import sys

from local.cli import main

sys.exit(main())
