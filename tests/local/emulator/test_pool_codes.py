"""The pool's authorization codes, in process: Cognito's five-minute lifetime and single use
(the code grant's own checks, without a server)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from authlib.oauth2.rfc6749 import errors

from local.emulator.server.cognito.minting import Minted
from local.emulator.server.cognito.oauth_grants import CodeGrant, CodeGrantFlow, new_code

CALLBACK = "https://app.example.com/cb"


def _flow(pool: Any, redirect_uri: str = CALLBACK) -> CodeGrantFlow:
    request = SimpleNamespace(form={"redirect_uri": redirect_uri})
    return CodeGrantFlow(request, SimpleNamespace(pool=pool))


def _client(client_id: str = "c1") -> Any:
    return SimpleNamespace(flows=frozenset({"code"}), client=SimpleNamespace(id=client_id))


def _code(pool: Any, *, expires_at: float) -> str:
    minted = Minted("access", "id", 3600)
    grant = CodeGrant("c1", CALLBACK, None, ("openid",), minted, "refresh", expires_at)
    return new_code(pool, grant)


def test_an_expired_code_is_invalid_grant_the_code_has_expired() -> None:
    """GIVEN a code older than its five-minute lifetime WHEN redeemed THEN invalid_grant
    "the code has expired"."""
    pool = SimpleNamespace()
    code = _code(pool, expires_at=time.time() - 1)
    with pytest.raises(errors.InvalidGrantError, match="the code has expired"):
        _flow(pool).query_authorization_code(code, _client())


def test_any_redemption_attempt_consumes_the_code() -> None:
    """GIVEN a live code WHEN redeemed with the wrong redirect_uri THEN invalid_grant, and the
    right one afterwards finds no code."""
    pool = SimpleNamespace()
    code = _code(pool, expires_at=time.time() + 300)
    with pytest.raises(errors.InvalidGrantError, match="redirect_uri"):
        _flow(pool, "https://other.example.com/").query_authorization_code(code, _client())
    with pytest.raises(errors.InvalidGrantError, match="unknown or was already used"):
        _flow(pool).query_authorization_code(code, _client())


def test_another_clients_code_is_invalid_grant() -> None:
    """GIVEN a code of client c1 WHEN client c2 redeems it THEN invalid_grant."""
    pool = SimpleNamespace()
    code = _code(pool, expires_at=time.time() + 300)
    with pytest.raises(errors.InvalidGrantError):
        _flow(pool).query_authorization_code(code, _client("c2"))
