"""The local pool signs with a key of its own (issue 30, item 9), over the real `local up` run.

moto signs every pool's tokens with one key pair shipped in its package (kid `dummy`): anyone
with moto could forge a token the local API accepted. Now each pool has its own key, published
in its JWKS with a Cognito-shaped kid, and handed out only to signed callers of the run.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import moto.cognitoidp
import pytest

from local.emulator.caller.keys import pool_signing_key
from local.emulator.wire import POOL_KEYS_PATH
from local.runtime.client import local_client
from tests.local.conftest import LocalRun
from tools.jwt_signing import SigningKey
from tools.token import tokens_for_stage

pytestmark = pytest.mark.local

PROFILE = "/user/profile"


def _moto_key() -> SigningKey:
    """moto's published Cognito key pair (private half included): what an attacker has."""
    resources = Path(moto.cognitoidp.__file__).parent / "resources"
    document = json.loads(gzip.decompress((resources / "jwks-private.json.gz").read_bytes()))
    return SigningKey.from_jwk(document["keys"][0] if "keys" in document else document)


def _jwks(run: LocalRun) -> list[dict[str, Any]]:
    pool_id = run.outputs.user_pool_id
    keys: list[dict[str, Any]] = httpx.get(
        f"{run.endpoint_url}/{pool_id}/.well-known/jwks.json"
    ).json()["keys"]
    return keys


def _id_token(run: LocalRun, tmp_path: Path) -> str:
    tokens = tokens_for_stage(
        run.outputs,
        local_client("cognito-idp", run.endpoint_url),
        email="keys@example.com",
        password_store=tmp_path / "users.json",
    )
    return tokens.id_token


def test_the_pools_jwks_is_its_own_key_with_a_cognito_shaped_kid(local_run: LocalRun) -> None:
    """GIVEN the deployed pool WHEN its JWKS is read THEN one RSA key, not moto's (was kid
    `dummy` with moto's modulus), whose kid is base64 of 32 bytes as Cognito's are."""
    keys = _jwks(local_run)
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["kid"] != "dummy"
    assert len(base64.b64decode(key["kid"], validate=True)) == 32
    assert key["n"] != _moto_key().public_jwk()["n"]


def test_the_pools_tokens_name_its_kid_and_pass_the_api(
    local_run: LocalRun, tmp_path: Path
) -> None:
    """GIVEN a token from the pool WHEN its header is read and it calls the API THEN it names
    the JWKS's kid and gets 200."""
    token = _id_token(local_run, tmp_path)
    assert jwt.get_unverified_header(token)["kid"] == _jwks(local_run)[0]["kid"]
    answer = httpx.get(f"{local_run.base_url}{PROFILE}", headers={"Authorization": token})
    assert answer.status_code == 200, answer.text


def test_a_token_forged_with_motos_published_key_is_401(
    local_run: LocalRun, tmp_path: Path
) -> None:
    """GIVEN a real token's claims re-signed with moto's published key (as `dummy` and as the
    pool's kid) WHEN they call the API THEN 401 (was 200: anyone with moto could forge one)."""
    claims = jwt.decode(_id_token(local_run, tmp_path), options={"verify_signature": False})
    claims |= {"exp": int(time.time()) + 600, "sub": "forged-sub"}
    moto_key = _moto_key()
    for kid in ("dummy", _jwks(local_run)[0]["kid"]):
        forged = jwt.encode(claims, moto_key.private_key, algorithm="RS256", headers={"kid": kid})
        answer = httpx.get(f"{local_run.base_url}{PROFILE}", headers={"Authorization": forged})
        assert answer.status_code == 401, (kid, answer.text)


def test_the_private_key_goes_only_to_signed_callers(local_run: LocalRun) -> None:
    """GIVEN the pool's private key WHEN asked for unsigned THEN 403; WHEN asked with the run's
    credentials THEN it is the key whose public half the JWKS publishes."""
    pool_id = local_run.outputs.user_pool_id
    assert pool_id is not None
    unsigned = httpx.get(f"{local_run.endpoint_url}{POOL_KEYS_PATH}?userPoolId={pool_id}")
    assert unsigned.status_code == 403
    assert '"d"' not in unsigned.text
    key = pool_signing_key(local_run.endpoint_url, pool_id)
    assert key.public_jwk()["n"] == _jwks(local_run)[0]["n"]
    assert key.kid == _jwks(local_run)[0]["kid"]
