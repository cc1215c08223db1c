"""The one TLS context every HTTP client shares still verifies what httpx's default verifies."""

from __future__ import annotations

import ssl

import httpx

from local.runtime.client import local_http
from tools.tls import shared_tls_context


def test_the_shared_context_is_built_once_and_verifies_certificates_and_hostnames() -> None:
    """GIVEN the process's shared TLS context
    WHEN it is asked for twice
    THEN it is one object, and it checks certificates against CAs and the host name, as the
    context httpx builds for each client by default does."""
    context = shared_tls_context()
    assert shared_tls_context() is context
    default = httpx.create_ssl_context()
    assert context.verify_mode == default.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is default.check_hostname is True
    assert context.cert_store_stats()["x509_ca"] == default.cert_store_stats()["x509_ca"] > 0


def test_the_local_endpoints_client_uses_the_shared_context() -> None:
    """GIVEN two clients for the local endpoint's own paths (the outbox poller makes one a
    second) WHEN they are built THEN both hold the shared context, not one parsed each time."""
    contexts = set()
    for _ in range(2):
        with local_http("http://localhost:1") as client:
            pool = client._transport._pool  # type: ignore[attr-defined]
            contexts.add(id(pool._ssl_context))
    assert contexts == {id(shared_tls_context())}
