"""Installs the pool into moto (idempotent; after local.emulator.server.pre_token.apply(),
before moto builds its cognito-idp app): the token patches (tokens.py), the URL table
(urls.py) over moto's, and the dispatcher's routing of the pool's additions.

moto guesses a request's service from its SigV4 signature; the pool's token endpoint is
called with a client's HTTP Basic credentials (moto would pick S3) and the local endpoints
with none, so they are routed to cognito-idp by path first.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp import urls as moto_urls
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local.emulator.wire import OUTBOX_PATH, POOL_KEYS_PATH

from . import oauth, tokens, urls

_original_infer = DomainDispatcherApplication.infer_service_region_host


def _infer_service_region_host(
    self: DomainDispatcherApplication, environ: dict[str, Any], path: str
) -> str | None:
    if path.rstrip("/") in (OUTBOX_PATH, POOL_KEYS_PATH):
        return "cognito-idp.us-east-1.amazonaws.com"
    parts = path.strip("/").split("/")
    if len(parts) == 3 and "/".join(parts[1:]) == oauth.TOKEN_PATH.strip("/") and "_" in parts[0]:
        return f"cognito-idp.{parts[0].rsplit('_', 1)[0]}.amazonaws.com"
    return _original_infer(self, environ, path)


def apply() -> None:
    """Install the pool (calling it again changes nothing)."""
    tokens.apply()
    moto_urls.url_paths.update(urls.url_paths)
    if DomainDispatcherApplication.infer_service_region_host is not _infer_service_region_host:
        global _original_infer
        _original_infer = DomainDispatcherApplication.infer_service_region_host
        DomainDispatcherApplication.infer_service_region_host = _infer_service_region_host  # type: ignore[method-assign]
