"""JwksCache over real HTTP: discovery, caching, refetch on unknown kid and its rate limit."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local.gateway.authorizer import (
    AuthorizerConfig,
    JwksCache,
    JwksUnavailableError,
    JwtAuthorizer,
)
from local.gateway.authorizer.jwks import parse_jwks

from .bad_tokens import SigningMaterial, sign_token, valid_claims
from .conftest import AUDIENCE, ISSUER, NOW, FakeClock
from .jwks_server import FakeIssuer


def test_discovery_follows_the_issuer_openid_configuration_once(
    fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN only an issuer ending with '/' WHEN keys are looked up twice
    THEN discovery and JWKS are each fetched once, at '{issuer}.well-known/...'."""
    config = AuthorizerConfig(issuer=fake_issuer.issuer, audiences=(AUDIENCE,))
    cache = JwksCache.for_config(config)

    first = cache.get(material.kid)
    second = cache.get(material.kid)

    assert first is not None
    assert first is second
    assert (fake_issuer.discovery_fetches, fake_issuer.jwks_fetches) == (1, 1)


def test_explicit_jwks_uri_skips_discovery(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN a jwks_uri WHEN a key is looked up THEN no discovery request is made."""
    assert keys.get(material.kid) is not None
    assert (fake_issuer.discovery_fetches, fake_issuer.jwks_fetches) == (0, 1)


def test_explicit_discovery_url_is_used(fake_issuer: FakeIssuer, material: SigningMaterial) -> None:
    """GIVEN a discovery_url apart from the issuer WHEN looked up THEN that document is read."""
    config = AuthorizerConfig(
        issuer=ISSUER,
        audiences=(AUDIENCE,),
        discovery_url=f"{fake_issuer.issuer}.well-known/openid-configuration",
    )

    assert JwksCache.for_config(config).get(material.kid) is not None
    assert fake_issuer.discovery_fetches == 1


def test_keys_are_refetched_after_the_two_hour_ttl(
    keys: JwksCache, fake_issuer: FakeIssuer, monotonic: FakeClock, material: SigningMaterial
) -> None:
    """GIVEN cached keys WHEN just under and then past 2 h THEN only the latter refetches."""
    keys.get(material.kid)
    monotonic.advance(2 * 60 * 60 - 1)
    keys.get(material.kid)
    assert fake_issuer.jwks_fetches == 1

    monotonic.advance(1)
    keys.get(material.kid)

    assert fake_issuer.jwks_fetches == 2


def test_unknown_kid_refetches_once_and_finds_a_rotated_in_key(
    config: AuthorizerConfig,
    keys: JwksCache,
    fake_issuer: FakeIssuer,
    material: SigningMaterial,
    monotonic: FakeClock,
) -> None:
    """GIVEN warm keys WHEN the issuer rotates in a new key and a token uses it
    THEN one refetch picks it up and the token is allowed."""
    authorizer = JwtAuthorizer(config, keys, clock=lambda: NOW)
    keys.get(material.kid)
    monotonic.advance(60)
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_jwk = json.loads(RSAAlgorithm.to_jwk(new_key.public_key()))
    fake_issuer.serve({"keys": [*material.jwks()["keys"], {**new_jwk, "kid": "rotated-in"}]})
    token = sign_token(material, valid_claims(ISSUER, AUDIENCE, NOW), kid="rotated-in", key=new_key)

    decision = authorizer.authorize({"authorization": f"Bearer {token}"}, None)

    assert decision.allowed, decision.reason
    assert fake_issuer.jwks_fetches == 2


def test_flood_of_unknown_kids_costs_the_issuer_one_request_per_interval(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial, monotonic: FakeClock
) -> None:
    """GIVEN warm keys WHEN 100 random kids arrive in one interval THEN one refetch in all;
    WHEN the interval has passed THEN another unknown kid may refetch again."""
    keys.get(material.kid)
    monotonic.advance(10)

    results = [keys.get(f"random-{n}") for n in range(100)]

    assert results == [None] * 100
    assert fake_issuer.jwks_fetches == 2
    monotonic.advance(10)
    keys.get("random-again")
    assert fake_issuer.jwks_fetches == 3


def test_cold_cache_under_concurrent_requests_fetches_once(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN a cold cache WHEN 16 threads look up a key at once THEN one JWKS request."""
    barrier = threading.Barrier(16)
    found: list[object] = []

    def lookup() -> None:
        barrier.wait()
        found.append(keys.get(material.kid))

    threads = [threading.Thread(target=lookup) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 16
    assert all(key is not None for key in found)
    assert fake_issuer.jwks_fetches == 1


def test_outage_at_start_is_reported_and_not_retried_within_the_interval(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial, monotonic: FakeClock
) -> None:
    """GIVEN an issuer answering 503 WHEN looked up twice quickly THEN one request, errors;
    WHEN it recovers and the interval passes THEN keys load."""
    fake_issuer.serve(material.jwks(), status=503)
    with pytest.raises(JwksUnavailableError):
        keys.get(material.kid)
    with pytest.raises(JwksUnavailableError):
        keys.get(material.kid)
    assert fake_issuer.jwks_fetches == 1

    fake_issuer.serve(material.jwks())
    monotonic.advance(10)

    assert keys.get(material.kid) is not None


def test_stale_keys_are_kept_when_a_refresh_fails(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial, monotonic: FakeClock
) -> None:
    """GIVEN cached keys WHEN the TTL passes during an outage THEN the old keys still serve."""
    keys.get(material.kid)
    fake_issuer.serve(material.jwks(), status=500)
    monotonic.advance(2 * 60 * 60)

    assert keys.get(material.kid) is not None
    assert fake_issuer.jwks_fetches == 2


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"keys": "nope"}'],
    ids=["not_json", "array", "keys_not_a_list"],
)
def test_unusable_jwks_document_means_keys_unavailable(body: bytes) -> None:
    """GIVEN a JWKS URL answering junk WHEN looked up THEN JwksUnavailableError."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    cache = JwksCache(jwks_uri="http://issuer.test/jwks", client=httpx.Client(transport=transport))

    with pytest.raises(JwksUnavailableError):
        cache.get("any")


def test_discovery_without_jwks_uri_means_keys_unavailable() -> None:
    """GIVEN a discovery document lacking jwks_uri WHEN looked up THEN JwksUnavailableError."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"issuer": "x"}))
    cache = JwksCache(
        discovery_url="http://issuer.test/.well-known/openid-configuration",
        client=httpx.Client(transport=transport),
    )

    with pytest.raises(JwksUnavailableError):
        cache.get("any")


def test_oversized_document_is_refused() -> None:
    """GIVEN a 2 MiB answer WHEN fetched THEN refused rather than parsed."""
    huge = b'{"keys": [' + b" " * (2 * 1024 * 1024) + b"]}"
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=huge))
    cache = JwksCache(jwks_uri="http://issuer.test/jwks", client=httpx.Client(transport=transport))

    with pytest.raises(JwksUnavailableError):
        cache.get("any")


def test_parse_jwks_keeps_only_rsa_signature_keys(material: SigningMaterial) -> None:
    """GIVEN a JWKS mixing RSA, EC, oct, encryption, kid-less and broken keys
    WHEN parsed THEN only the usable RSA signature keys remain, first kid wins."""
    rsa_jwk = material.jwks()["keys"][0]
    private_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(material.stranger_key))
    document = {
        "keys": [
            rsa_jwk,
            {**rsa_jwk, "n": "AQAB"},  # duplicate kid: ignored
            material.jwks()["keys"][2],  # EC
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {**rsa_jwk, "kid": "enc", "use": "enc"},
            {**rsa_jwk, "kid": "oaep", "alg": "RSA-OAEP"},
            {k: v for k, v in rsa_jwk.items() if k != "kid"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            {**private_jwk, "kid": "private"},
            "not an object",
        ]
    }

    keys = parse_jwks(document)

    assert sorted(keys) == [material.kid, "private"]
    assert keys[material.kid].public_key.public_numbers() == (
        material.private_key.public_key().public_numbers()
    )
    assert keys["private"].public_key.public_numbers() == (
        material.stranger_key.public_key().public_numbers()
    )


def test_cache_needs_exactly_one_key_location() -> None:
    """GIVEN both or neither key locations WHEN the cache is built THEN ValueError."""
    with pytest.raises(ValueError, match="exactly one"):
        JwksCache()
    with pytest.raises(ValueError, match="exactly one"):
        JwksCache(jwks_uri="http://a/jwks", discovery_url="http://a/disc")


def test_refresh_fetches_now_for_a_server_warm_up(
    keys: JwksCache, fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN a cold cache WHEN refresh() is called THEN keys are fetched and then served."""
    keys.refresh()

    assert fake_issuer.jwks_fetches == 1
    assert keys.get(material.kid) is not None
    assert fake_issuer.jwks_fetches == 1
