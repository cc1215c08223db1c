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


# Session fixtures that are expensive to build: tests using one stay on one xdist worker, so it
# is built once per session, not once per worker. Shared local runs (tests/local/runs.py:
# local_run, scoped_run and any made by shared_run_fixture) add themselves here.
SHARED_FIXTURE_GROUPS = {
    "swap_run": "issuer-swap",  # one run per external provider, one after another
    "synthesized": "synth",  # every configuration synthesized, ~4 s of jsii
    "cli_synth": "synth",  # one real `cdk synth` of the dev configuration
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        group = next((g for name, g in SHARED_FIXTURE_GROUPS.items() if name in fixtures), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
