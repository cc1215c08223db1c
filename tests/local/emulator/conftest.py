"""Fixtures: one emulator process per test module, and boto3 clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from local.emulator import EmulatorProcess
from local.state import free_port

AwsClient = Callable[[str], Any]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(free_port()) as running:
        yield running


@pytest.fixture(scope="module")
def aws(emulator: EmulatorProcess) -> AwsClient:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=emulator.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client
