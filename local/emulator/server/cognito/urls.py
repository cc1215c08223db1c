"""The URL table of the pool's additions, routed to cognito-idp by path before moto guesses
a service from the request (a client's HTTP Basic credentials are not a SigV4 signature:
moto would pick S3):

- `POST /<poolId>/oauth2/token`, `POST /<poolId>/oauth2/revoke`, `GET|POST
  /<poolId>/oauth2/userInfo` and the pool's discovery document (oauth.py);
- `POST /_local/oauth/authorize`: the hosted UI's authorize decisions (authorize.py);
- `GET /<poolId>/.well-known/jwks.json`: the pool's own public key (keys.py);
- `GET /_local/pool-keys?userPoolId=`: its private key, for the run's hosted UI and tools;
- `GET /_local/outbox`: the messages the local pools 'sent' (codes.py), JSON `{"messages":
  [{"userPoolId", "username", "destination", "kind", "code", "sentAt", "expiresAt"}]}`,
  oldest first; `?userPoolId=`, `?destination=` and `?kind=` filter it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.cognitoidp import urls
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local.emulator.wire import OUTBOX_PATH, POOL_AUTHORIZE_PATH, POOL_KEYS_PATH

from . import keys, oauth
from .models import all_pools, pool_by_id, pool_state

_OUTBOX_URL_PATH = "{0}" + OUTBOX_PATH + "$"
_POOL_KEYS_URL_PATH = "{0}" + POOL_KEYS_PATH + "$"
_JWKS_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)/.well-known/jwks.json$"
_TOKEN_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)" + oauth.TOKEN_PATH + "$"
_REVOKE_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)" + oauth.REVOKE_PATH + "$"
_USER_INFO_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)" + oauth.USER_INFO_PATH + "$"
_AUTHORIZE_URL_PATH = "{0}" + POOL_AUTHORIZE_PATH + "$"
_OAUTH_PATHS = tuple(
    p.strip("/") for p in (oauth.TOKEN_PATH, oauth.REVOKE_PATH, oauth.USER_INFO_PATH)
)
_DISCOVERY_URL_PATH = "{0}/(?P<user_pool_id>[^/]+)/.well-known/openid-configuration$"
_FILTERS = {"userPoolId": "user_pool_id", "destination": "destination", "kind": "kind"}

Response = tuple[int, dict[str, str], bytes]


def outbox(request: Any, full_url: str, headers: Any) -> Response:
    answer = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    if request.method != "GET":
        return 405, answer | {"Allow": "GET"}, b'{"message": "use GET"}'
    query = parse_qs(urlparse(full_url).query)
    unknown = sorted(set(query) - set(_FILTERS))
    if unknown:
        return 400, answer, json.dumps({"message": f"unknown filter {unknown[0]!r}"}).encode()
    wanted = {_FILTERS[k]: v[-1] for k, v in query.items()}
    messages = [
        message
        for pool in all_pools()
        for message in pool_state(pool).outbox
        if all(getattr(message, attribute) == value for attribute, value in wanted.items())
    ]
    messages.sort(key=lambda m: m.sent_at)
    return 200, answer, json.dumps({"messages": [m.to_json() for m in messages]}).encode()


def jwks(request: Any, full_url: str, headers: Any) -> Response:
    """The pool's own public key (keys.py), never moto's shared test key."""
    pool_id = urlparse(full_url).path.strip("/").split("/")[0]
    pool = pool_by_id(pool_id)
    answer = {"Content-Type": "application/json"}
    if pool is None:
        message = {"__type": "ResourceNotFoundException", "message": "User pool not found."}
        return 404, answer, json.dumps(message).encode()
    return 200, answer, json.dumps(keys.public_jwks(pool)).encode()


def private_keys(request: Any, full_url: str, headers: Any) -> Response:
    """A pool's private signing key (the front door lets only signed requests reach here)."""
    answer = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    if request.method != "GET":
        return 405, answer | {"Allow": "GET"}, b'{"message": "use GET"}'
    pool = pool_by_id(parse_qs(urlparse(full_url).query).get("userPoolId", [""])[-1])
    if pool is None:
        return 404, answer, b'{"message": "no such user pool"}'
    return 200, answer, json.dumps({"keys": [keys.private_jwk(pool)]}).encode()


_moto_discovery = urls.url_paths[_DISCOVERY_URL_PATH]


def _discovery(request: Any, full_url: str, headers: Any) -> Response:
    return oauth.discovery_document(_moto_discovery, request, full_url, headers)


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
    """Register the routes (idempotent); before moto builds its cognito-idp app."""
    urls.url_paths[_OUTBOX_URL_PATH] = outbox
    urls.url_paths[_POOL_KEYS_URL_PATH] = private_keys
    urls.url_paths[_JWKS_URL_PATH] = jwks
    urls.url_paths[_TOKEN_URL_PATH] = oauth.token_endpoint
    urls.url_paths[_REVOKE_URL_PATH] = oauth.revoke_endpoint
    urls.url_paths[_USER_INFO_URL_PATH] = oauth.user_info_endpoint
    urls.url_paths[_AUTHORIZE_URL_PATH] = oauth.authorize_decision
    urls.url_paths[_DISCOVERY_URL_PATH] = _discovery
    if DomainDispatcherApplication.infer_service_region_host is not _infer_service_region_host:
        global _original_infer
        _original_infer = DomainDispatcherApplication.infer_service_region_host
        DomainDispatcherApplication.infer_service_region_host = _infer_service_region_host  # type: ignore[method-assign]
