"""Fixtures: one emulator process per test module, and boto3 clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local.emulator.caller import EmulatorProcess
from local.runtime.client import LocalClients
from tools.ports import free_port

AwsClient = Callable[[str], Any]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(free_port()) as running:
        yield running


@pytest.fixture(scope="module")
def aws(emulator: EmulatorProcess) -> AwsClient:
    return LocalClients(emulator.endpoint_url)
