"""A client that lies in Content-Length and disconnects leaves one quiet log line on the local
AWS endpoint, never a traceback (issue 30, finding 7), on a real endpoint process."""

from __future__ import annotations

import socket
import time

import pytest

from local.emulator.caller import EmulatorProcess


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\n", "/"),
        ("", "/us-east-1_abc/oauth2/token"),
        ("", "/"),
    ],
)
def test_a_body_cut_short_is_one_quiet_line(
    emulator: EmulatorProcess, target: str, path: str
) -> None:
    """GIVEN a client that announces 1,000 bytes, sends 10 and disconnects WHEN the endpoint
    reads the body (unsigned operation, the pool's token endpoint, a signed path) THEN its log
    says so in one line and shows no traceback."""
    before = len(emulator.log_text())
    port = int(emulator.endpoint_url.rsplit(":", 1)[1])
    head = (
        f"POST {path} HTTP/1.1\r\nHost: localhost:{port}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\n{target}Content-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(head.encode() + b'{"a": 1}  ')
    deadline = time.monotonic() + 5
    while "went away" not in emulator.log_text()[before:] and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = emulator.log_text()[before:]
    assert "client went away mid-body" in logged
    assert "Traceback" not in logged
