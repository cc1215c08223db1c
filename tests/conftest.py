"""Shared test setup: make the Lambda asset importable the way the Lambda runtime sees it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ROOT = ROOT / "lambdas"
for path in (ROOT, LAMBDA_ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, keep every test that uses the shared `local run` (emulator + real
    deploy, ~10 s to start) on one worker, so it starts once per session, not once per worker."""
    for item in items:
        if "local_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("local-run"))
