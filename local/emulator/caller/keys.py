"""The local user pool's signing key, for the run's tools that must make tokens its verifiers
accept (load test, benchmarks, tests; the hosted UI signs nothing).

Each local pool signs with a key of its own, kept in the private kept state; the emulator
hands it out at `GET /_local/pool-keys`, signed with the run's credentials like every /_local
path (local.emulator.server.cognito.keys). moto's published test key is trusted nowhere.
"""

from __future__ import annotations

from local.emulator.wire import POOL_KEYS_PATH
from tools.jwt_signing import SigningKey


class PoolKeyError(RuntimeError):
    """The emulator did not hand out the pool's key."""


def pool_signing_key(endpoint_url: str, user_pool_id: str) -> SigningKey:
    """The private key (and kid) the pool signs its tokens with."""
    from local.runtime.client import local_http

    with local_http(endpoint_url) as http:
        answer = http.get(POOL_KEYS_PATH, params={"userPoolId": user_pool_id})
    if answer.status_code != 200:
        raise PoolKeyError(
            f"the local AWS endpoint refused the key of pool {user_pool_id}: "
            f"{answer.status_code} {answer.text[:200]}"
        )
    jwk = answer.json()["keys"][0]
    return SigningKey.from_jwk(jwk)
