"""Fixtures: one emulator process per worker for the modules here, and boto3 clients for it.

Each module makes what it reads (its own pool, users, bucket, functions, stack), under names
no other module uses, so modules can share one endpoint (every process start costs a second of
CPU). A module that reads what the whole account holds (list_user_pools, list_exports) starts
one of its own with `own_emulator()`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.emulator.caller import EmulatorProcess
from local.runtime.client import LocalClients
from tools.ports import free_port

AwsClient = Callable[[str], Any]


def own_emulator() -> Iterator[EmulatorProcess]:
    """An emulator process for one module's fixtures (see the module docstring)."""
    with EmulatorProcess(free_port()) as running:
        yield running


emulator = pytest.fixture(scope="session", name="emulator")(own_emulator)


@pytest.fixture(scope="session")
def aws(emulator: EmulatorProcess) -> AwsClient:
    return LocalClients(emulator.endpoint_url)
