"""Entry point of `python -m local` (what `make local` and `make token` run)."""

from local.cli import main
from local.process_exit import run_main

run_main(main)
