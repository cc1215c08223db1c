"""The one port probe: is a loopback port free, and a free one to use.

Used before binding (the CLI's ports, the emulator's) so a taken port is one clear line,
not a server's traceback; and to pick ports for a run, a test or a benchmark.
"""

from __future__ import annotations

import errno
import socket


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether `host:port` can be bound the way a server binds it (SO_REUSEADDR); False only
    when it is in use, any other failure (no such address, a privileged port) raises."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the system says is free now (another process may take it before we bind)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
