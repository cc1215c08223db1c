"""Fetches and caches an issuer's RSA signing keys, the way API Gateway does.

AWS reads ``{issuer}/.well-known/openid-configuration`` -> ``jwks_uri`` -> the JWKS and may
keep the keys for up to two hours. Locally the key location can also be given directly
(see :class:`~local.gateway.authorizer.config.AuthorizerConfig`). Key material is parsed by PyJWT
(:class:`jwt.PyJWK`, backed by ``cryptography``): nothing here does crypto by hand.

The cache is shared by the server's worker threads, so reads are lock-free on an immutable
snapshot and only fetches take a lock (one fetch at a time, no stampede). Every fetch attempt,
successful or not, starts a quiet period (``min_refetch_interval_seconds``) during which a
token naming an unknown ``kid`` does not trigger another fetch: a flood of random kids costs
the issuer at most one request per period.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from tools.tls import shared_tls_context

from .config import AuthorizerConfig

LOG = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 2 * 60 * 60
"""AWS: 'API Gateway can cache the public key for two hours'."""
DEFAULT_MIN_REFETCH_INTERVAL_SECONDS = 10.0
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1024 * 1024
"""A discovery document or JWKS bigger than this is refused (a misconfigured URL, not keys)."""

RSA_JWK_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})


class JwksUnavailableError(Exception):
    """No keys could be fetched and none are cached: every token must be refused."""


@dataclass(frozen=True)
class SigningKey:
    """One usable RSA public key from the JWKS."""

    kid: str
    public_key: RSAPublicKey
    alg: str | None
    """The JWK's own ``alg``, when it declares one; a token must then use that algorithm."""


@dataclass(frozen=True)
class _Snapshot:
    keys: Mapping[str, SigningKey]
    fetched_at: float


def parse_jwks(document: object) -> dict[str, SigningKey]:
    """Keeps the RSA signature keys of a JWKS, keyed by ``kid``; skips everything else.

    Keys without a ``kid`` are useless here (AWS matches on kid), as are EC/oct/OKP keys
    (AWS accepts RSA only) and encryption keys. The first key wins when a kid repeats.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS is not a JSON object with a 'keys' array")
    keys: dict[str, SigningKey] = {}
    for jwk in document["keys"]:
        key = _parse_rsa_jwk(jwk)
        if key is not None and key.kid not in keys:
            keys[key.kid] = key
    return keys


def _parse_rsa_jwk(jwk: object) -> SigningKey | None:
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        return None
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    alg = jwk.get("alg")
    if alg is not None and alg not in RSA_JWK_ALGORITHMS:
        return None
    try:
        # The algorithm only tells PyJWK which parser to use; the token's alg is checked later.
        parsed: Any = PyJWK(jwk, algorithm="RS256").key
    except (PyJWTError, ValueError, TypeError) as error:
        LOG.warning("skipping unusable JWK kid=%r: %s", kid, error)
        return None
    if isinstance(parsed, RSAPrivateKey):
        parsed = parsed.public_key()
    if not isinstance(parsed, RSAPublicKey):
        return None
    return SigningKey(kid=kid, public_key=parsed, alg=alg)


class JwksCache:
    """Thread-safe cache of one issuer's signing keys with TTL and rate-limited refetch."""

    def __init__(
        self,
        *,
        jwks_uri: str | None = None,
        discovery_url: str | None = None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        min_refetch_interval_seconds: float = DEFAULT_MIN_REFETCH_INTERVAL_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (jwks_uri is None) == (discovery_url is None):
            raise ValueError("give exactly one of jwks_uri or discovery_url")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if min_refetch_interval_seconds < 0:
            raise ValueError("min_refetch_interval_seconds must not be negative")
        self._jwks_uri = jwks_uri
        self._discovery_url = discovery_url
        self._ttl = ttl_seconds
        self._min_interval = min_refetch_interval_seconds
        self._clock = clock
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=True,
            verify=shared_tls_context(),
        )
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._last_attempt: float | None = None
        self._fetches = 0

    @classmethod
    def for_config(cls, config: AuthorizerConfig, **options: Any) -> JwksCache:
        """Builds the cache from an authorizer config: ``jwks_uri`` wins, else discovery."""
        if config.jwks_uri is not None:
            return cls(jwks_uri=config.jwks_uri, **options)
        return cls(discovery_url=config.resolved_discovery_url, **options)

    @property
    def fetch_count(self) -> int:
        """How many key fetches were attempted (for tests and diagnostics)."""
        return self._fetches

    def get(self, kid: str) -> SigningKey | None:
        """The key named ``kid``, or None when the issuer does not publish it.

        Fetches when nothing is cached or the TTL ran out, and once more (rate-limited) when
        ``kid`` is unknown, which is how key rotation is picked up before the TTL ends.
        Raises :class:`JwksUnavailableError` only when there are no keys at all to look in.
        """
        snapshot = self._snapshot
        if snapshot is None or self._clock() - snapshot.fetched_at >= self._ttl:
            snapshot = self._refresh(reason="expired" if snapshot else "empty", seen=snapshot)
        key = snapshot.keys.get(kid)
        if key is not None:
            return key
        snapshot = self._refresh(reason="unknown kid", seen=snapshot)
        return snapshot.keys.get(kid)

    def refresh(self) -> None:
        """Fetches now, ignoring TTL and rate limit (for a server's warm-up)."""
        with self._lock:
            self._fetch_locked()

    def close(self) -> None:
        """Closes the HTTP client if this cache created it."""
        if self._owns_client:
            self._client.close()

    def _refresh(self, *, reason: str, seen: _Snapshot | None) -> _Snapshot:
        with self._lock:
            current = self._snapshot
            if current is not None and current is not seen:
                return current  # another thread refreshed while we waited
            now = self._clock()
            quiet = self._last_attempt is not None and now - self._last_attempt < self._min_interval
            if quiet:
                if current is None:
                    raise JwksUnavailableError("the signing keys could not be fetched recently")
                return current
            LOG.debug("fetching JWKS (%s)", reason)
            try:
                return self._fetch_locked()
            except JwksUnavailableError:
                if current is None:
                    raise
                LOG.warning("keeping %d cached keys after a failed refresh", len(current.keys))
                return current

    def _fetch_locked(self) -> _Snapshot:
        self._fetches += 1
        self._last_attempt = self._clock()
        try:
            jwks_uri = self._jwks_uri or self._discover_jwks_uri()
            keys = parse_jwks(self._get_json(jwks_uri))
        except (httpx.HTTPError, ValueError) as error:
            LOG.warning("could not fetch signing keys: %s", error)
            raise JwksUnavailableError(str(error)) from error
        if not keys:
            LOG.warning("the JWKS at %s holds no usable RSA signature keys", jwks_uri)
        snapshot = _Snapshot(keys=MappingProxyType(keys), fetched_at=self._clock())
        self._snapshot = snapshot
        return snapshot

    def _discover_jwks_uri(self) -> str:
        assert self._discovery_url is not None
        document = self._get_json(self._discovery_url)
        jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
        if not isinstance(jwks_uri, str) or urlsplit(jwks_uri).scheme not in ("http", "https"):
            raise ValueError(f"{self._discovery_url} has no http(s) jwks_uri")
        return jwks_uri

    def _get_json(self, url: str) -> object:
        with self._client.stream("GET", url, headers={"accept": "application/json"}) as response:
            if response.status_code != 200:
                raise ValueError(f"GET {url} answered {response.status_code}")
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_DOCUMENT_BYTES:
                    raise ValueError(f"GET {url} returned more than {MAX_DOCUMENT_BYTES} bytes")
        try:
            return json.loads(content)
        except ValueError as error:
            raise ValueError(f"GET {url} did not return JSON: {error}") from error
