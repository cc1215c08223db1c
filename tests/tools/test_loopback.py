"""Which Host names a local server answers: this machine's, with its own port (DNS rebinding)."""

from __future__ import annotations

import pytest

from tools.loopback import check_bind_address, configured_hosts, host_allowed


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:3000",
        "LOCALHOST:3000",
        "127.0.0.1:3000",
        "[::1]:3000",
        "[::1]",
        "cdk-assets.localhost:3000",
    ],
)
def test_this_machines_names_are_allowed(host: str) -> None:
    """GIVEN a loopback name, with the server's port or none WHEN checked THEN allowed."""
    assert host_allowed(host, 3000)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "rebind.evil.example",
        "rebind.evil.example:3000",
        "localhost:3001",  # another local server's port
        "127.0.0.2:3000",
        "localhost.evil.example:3000",
        "evil.example#.localhost",
        "[::1",
        "0.0.0.0:3000",
        "x" * 400,
    ],
)
def test_any_other_host_is_refused(host: str | None) -> None:
    """GIVEN a foreign, malformed or other-port Host WHEN checked THEN refused."""
    assert not host_allowed(host, 3000)


def test_names_the_user_configured_are_allowed() -> None:
    """GIVEN LOCAL_ALLOWED_HOSTS=dev.test,Other.Test WHEN those names arrive THEN allowed."""
    extra = configured_hosts({"LOCAL_ALLOWED_HOSTS": "dev.test, Other.Test,"})
    assert extra == {"dev.test", "other.test"}
    assert host_allowed("dev.test:3000", 3000, extra)
    assert host_allowed("other.test", 3000, extra)
    assert not host_allowed("third.test", 3000, extra)


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.5", "::"])  # noqa: S104 - refused
def test_binding_anywhere_but_loopback_is_refused(address: str) -> None:
    """GIVEN a non-loopback listen address WHEN checked THEN ValueError naming it."""
    with pytest.raises(ValueError, match=f"refusing to listen on {address}"):
        check_bind_address(address)
