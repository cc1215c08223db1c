"""One TLS context per process, for the HTTP clients a process builds again and again.

httpx builds a new default SSL context for each `httpx.Client` (and each `httpx.get`): the CA
bundle parsed again, ~19 ms of CPU, even for the plain-http loopback calls that never use it.
`local up`'s outbox poller paid that once a second for as long as a run served, its hosted UI
once per client_credentials token and its start once per function's code, and the suite's
property tests once per example (a one-shot command's single client gains nothing). This is
the context httpx would build (certifi's CAs, or SSL_CERT_FILE/SSL_CERT_DIR; hostname checks
on), built once: an SSLContext is safe to share between clients and threads.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built on first use and kept for the process."""
    return httpx.create_ssl_context()
