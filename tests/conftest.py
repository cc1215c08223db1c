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


# The groups that take longest (seconds of one worker), longest first: xdist hands out work in
# collection order (pyproject: --no-loadscope-reorder; its default order, most tests first,
# left the 4 slow kept-state tests for the end), so these start first and the many short tests
# fill in around them. pytest-randomly's shuffle stays within each part.
HEAVY_GROUPS = (
    "persistence",
    "local-run",
    "watch",
    "synth",
    "issuer-swap",
    "scoped-run",
    "triggers-app",  # the trigger test app: ~15 s deploy, ~20 s of tests (tests/local/triggers)
)


def _group(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    return None if marker is None else str(marker.args[0] if marker.args else "")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (after pytest-randomly's shuffle)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        group = next((g for name, g in SHARED_FIXTURE_GROUPS.items() if name in fixtures), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))

    def rank(item: pytest.Item) -> int:
        group = _group(item)
        return HEAVY_GROUPS.index(group) if group in HEAVY_GROUPS else len(HEAVY_GROUPS)

    items.sort(key=rank)  # stable: the order within each part is kept
