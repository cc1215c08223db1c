"""What the pool serves besides its JSON API (urls.py routes them):

- `GET /_local/outbox`: the messages the local pools 'sent' (codes.py), JSON `{"messages":
  [{"userPoolId", "username", "destination", "kind", "code", "sentAt", "expiresAt", "subject",
  "message"}]}`,
  oldest first; `?userPoolId=`, `?destination=` and `?kind=` filter it;
- `GET /<poolId>/.well-known/jwks.json`: the pool's own public key (keys.py);
- `GET /_local/pool-keys?userPoolId=`: its private key, for the run's hosted UI and tools;
- the pool's discovery document: moto's, with the pool's token endpoint (oauth.py).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.cognitoidp.responses import CognitoIdpOpenIdConfigurationResponse

from . import keys, oauth
from .exceptions import ResourceNotFoundError
from .models import all_pools, pool_by_id, pool_state

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
        return 404, answer, ResourceNotFoundError("User pool not found.").get_body().encode()
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


def discovery(request: Any, full_url: str, headers: Any) -> Response:
    """moto's discovery document, with the pool's token endpoint (oauth.py)."""
    moto_discovery: Any = CognitoIdpOpenIdConfigurationResponse.serve_openid_configuration
    return oauth.discovery_document(moto_discovery, request, full_url, headers)
