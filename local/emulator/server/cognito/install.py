"""Installs the pool into moto (idempotent; before moto builds its cognito-idp app): moto's
token methods routed to the one minting path (minting.py), the refresh-family patches
(tokens.py), the URL table (urls.py) over moto's, and the dispatcher's routing of the pool's
additions.

moto guesses a request's service from its SigV4 signature; the pool's OAuth endpoints are
called with a client's HTTP Basic credentials or a bearer token (moto would pick S3) and the
local endpoints with none, so they are routed to cognito-idp by path first.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp import urls as moto_urls
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local.emulator.wire import OUTBOX_PATH, POOL_AUTHORIZE_PATH, POOL_KEYS_PATH

from . import minting, oauth, tokens, urls

_OAUTH_PATHS = tuple(
    p.strip("/") for p in (oauth.TOKEN_PATH, oauth.REVOKE_PATH, oauth.USER_INFO_PATH)
)

_original_infer = DomainDispatcherApplication.infer_service_region_host


def _infer_service_region_host(
    self: DomainDispatcherApplication, environ: dict[str, Any], path: str
) -> str | None:
    if path.rstrip("/") in (OUTBOX_PATH, POOL_KEYS_PATH, POOL_AUTHORIZE_PATH):
        return "cognito-idp.us-east-1.amazonaws.com"
    parts = path.strip("/").split("/")
    if len(parts) == 3 and "/".join(parts[1:]) in _OAUTH_PATHS and "_" in parts[0]:
        return f"cognito-idp.{parts[0].rsplit('_', 1)[0]}.amazonaws.com"
    return _original_infer(self, environ, path)


def apply() -> None:
    """Install the pool (calling it again changes nothing)."""
    minting.install_moto_hooks()
    tokens.apply()
    moto_urls.url_paths.update(urls.url_paths)
    if DomainDispatcherApplication.infer_service_region_host is not _infer_service_region_host:
        global _original_infer
        _original_infer = DomainDispatcherApplication.infer_service_region_host
        DomainDispatcherApplication.infer_service_region_host = _infer_service_region_host  # type: ignore[method-assign]
