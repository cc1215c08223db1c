"""The pool's URL table, as moto's cognitoidp/urls.py: install.py puts it over moto's."""

from __future__ import annotations

from typing import Any

from local.emulator.wire import OUTBOX_PATH, POOL_AUTHORIZE_PATH, POOL_KEYS_PATH

from . import local_endpoints, oauth
from .responses import LocalCognitoResponse

url_paths: dict[str, Any] = {
    "{0}/$": LocalCognitoResponse.dispatch,
    "{0}" + OUTBOX_PATH + "$": local_endpoints.outbox,
    "{0}" + POOL_KEYS_PATH + "$": local_endpoints.private_keys,
    "{0}/(?P<user_pool_id>[^/]+)/.well-known/jwks.json$": local_endpoints.jwks,
    "{0}" + POOL_AUTHORIZE_PATH + "$": oauth.authorize_decision,
    "{0}/(?P<user_pool_id>[^/]+)" + oauth.TOKEN_PATH + "$": oauth.token_endpoint,
    "{0}/(?P<user_pool_id>[^/]+)" + oauth.REVOKE_PATH + "$": oauth.revoke_endpoint,
    "{0}/(?P<user_pool_id>[^/]+)" + oauth.USER_INFO_PATH + "$": oauth.user_info_endpoint,
    "{0}/(?P<user_pool_id>[^/]+)/.well-known/openid-configuration$": local_endpoints.discovery,
}
