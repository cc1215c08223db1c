"""Shared fixtures: key material (generated once), a live local issuer, a configured authorizer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer

from .bad_tokens import SigningMaterial
from .jwks_server import FakeIssuer

NOW = 1_800_000_000
"""The authorizer's wall clock in these tests (fixed, so expiry cases are exact)."""
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool"
"""An AWS-style issuer whose keys are served elsewhere, as with moto."""
AUDIENCE = "local-client-id"
SECOND_AUDIENCE = "second-client-id"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def material() -> SigningMaterial:
    return SigningMaterial.generate()


@pytest.fixture(scope="session")
def _issuer_server() -> Iterator[FakeIssuer]:
    server = FakeIssuer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_issuer(_issuer_server: FakeIssuer, material: SigningMaterial) -> FakeIssuer:
    """The live issuer, serving ``material.jwks()`` with request counters at zero."""
    _issuer_server.serve(material.jwks())
    _issuer_server.reset_counts()
    return _issuer_server


@pytest.fixture
def config(fake_issuer: FakeIssuer) -> AuthorizerConfig:
    return AuthorizerConfig(
        issuer=ISSUER, audiences=(AUDIENCE, SECOND_AUDIENCE), jwks_uri=fake_issuer.jwks_uri
    )


@pytest.fixture
def monotonic() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys(config: AuthorizerConfig, monotonic: FakeClock) -> Iterator[JwksCache]:
    cache = JwksCache.for_config(config, clock=monotonic)
    yield cache
    cache.close()


@pytest.fixture
def authorizer(config: AuthorizerConfig, keys: JwksCache) -> JwtAuthorizer:
    return JwtAuthorizer(config, keys, clock=lambda: NOW)
