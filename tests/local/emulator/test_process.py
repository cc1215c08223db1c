"""The emulator process: starts on localhost, refuses a taken port clearly, stops cleanly."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from local.emulator.caller import EmulatorError, EmulatorProcess
from local.runtime.client import local_client, local_http
from tools.ports import free_port


def test_endpoint_is_localhost_and_answers_while_running(emulator: EmulatorProcess) -> None:
    """GIVEN a started emulator
    WHEN its endpoint is read and called
    THEN it is http://localhost:PORT (moto resolves CLI template URLs only for localhost)
    and it answers a request signed with the run's credentials."""
    assert emulator.endpoint_url == f"http://localhost:{emulator.port}"
    with local_http(emulator.endpoint_url) as http:
        assert http.get("/moto-api/").status_code == 200


def test_server_exits_2_with_one_line_when_the_port_is_taken(emulator: EmulatorProcess) -> None:
    """GIVEN a port the running emulator already holds
    WHEN a second server is started on it
    THEN it exits with code 2 and a single line naming the port."""
    result = subprocess.run(
        [sys.executable, "-m", "local.emulator.server", "--port", str(emulator.port)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: port {emulator.port} is already in use on 127.0.0.1; "
        "stop whatever holds it or pick another --port"
    ]


def test_process_start_on_a_taken_port_raises_with_the_reason(emulator: EmulatorProcess) -> None:
    """GIVEN a port the running emulator already holds
    WHEN EmulatorProcess starts on it
    THEN it raises EmulatorError quoting the server's reason (not a timeout, not a foreign
    server mistaken for ours), and clients of the running one still sign with its credentials."""
    with (
        pytest.raises(EmulatorError, match=r"code 2: error: port \d+ is already in use"),
        EmulatorProcess(emulator.port),
    ):
        pass
    with local_http(emulator.endpoint_url) as http:
        assert http.get("/moto-api/").status_code == 200


def test_stopped_process_frees_its_port_and_state_is_fresh_on_restart() -> None:
    """GIVEN an emulator holding some state
    WHEN it is stopped and started again on the same port
    THEN the port was released and the new server has none of the old state."""
    port = free_port()

    def sqs(endpoint: str) -> Any:
        return local_client("sqs", endpoint)

    with EmulatorProcess(port) as first:
        sqs(first.endpoint_url).create_queue(QueueName="left-over")
    with EmulatorProcess(port) as second:
        queues = sqs(second.endpoint_url).list_queues()
    assert "QueueUrls" not in queues
