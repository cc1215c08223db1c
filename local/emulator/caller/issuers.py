"""Local stand-ins for Auth0, Okta and any OIDC issuer: a signing key, discovery and JWKS.

With `auth=auth0|okta|jwt` the deployed authorizer names the real provider's issuer, whose keys
are out of reach offline. `local up` starts a :class:`StandInIssuer` for that exact issuer
string: an RSA key generated for this run, and an HTTP server on localhost that serves
``{issuer path}/.well-known/openid-configuration`` (its ``issuer`` is the deployed string, its
``jwks_uri`` local) and the JWKS at the provider's usual path. The data plane is told the local
discovery URL; the issuer the tokens must name is unchanged.

The private key is written to the run's state directory (mode 0600) so `local token`, another
process, can sign tokens in the provider's shape (:mod:`local.emulator.caller.token_shapes`). It is
deleted when the run stops and is worth nothing outside this run.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tools.jwks_server import DocumentServer
from tools.jwt_signing import ALGORITHM, SigningKey

from .token_shapes import SHAPES, DemoUser, Provider, TokenRequest, demo_client_id

KEY_FILE_NAME = "issuer-key.pem"
# Where each provider publishes its keys, relative to the issuer's path.
_JWKS_PATHS = {
    Provider.AUTH0: "/.well-known/jwks.json",  # https://{domain}/.well-known/jwks.json
    Provider.OKTA: "/v1/keys",  # https://{domain}/oauth2/{server}/v1/keys
    Provider.OIDC: "/jwks",  # providers differ; discovery says where
}


class IssuerError(RuntimeError):
    """The stand-in issuer cannot start or sign; the message says why and what to do."""


def _issuer_path(issuer: str) -> str:
    return urlsplit(issuer).path.rstrip("/")


@dataclass(frozen=True)
class IssuerSettings:
    """What other processes need to know about a run's stand-in issuer (kept in RunState)."""

    provider: str  # a Provider value
    issuer: str  # exactly as deployed
    audiences: list[str]
    base_url: str  # http://localhost:PORT, standing in for the issuer's scheme and host
    kid: str
    client_id: str  # the demo client the tokens name
    key_file: str

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}{_issuer_path(self.issuer)}/.well-known/openid-configuration"

    @property
    def jwks_uri(self) -> str:
        provider = Provider(self.provider)
        return f"{self.base_url}{_issuer_path(self.issuer)}{_JWKS_PATHS[provider]}"


class LocalIssuer:
    """Signs access tokens of one provider's shape with the run's key."""

    def __init__(self, settings: IssuerSettings, key: rsa.RSAPrivateKey) -> None:
        self.settings = settings
        self.provider = Provider(settings.provider)
        self._signer = SigningKey(settings.kid, key)

    @classmethod
    def load(cls, settings: IssuerSettings) -> LocalIssuer:
        """The issuer of a running `local up`, from its recorded settings and key file."""
        try:
            pem = Path(settings.key_file).read_bytes()
        except OSError as error:
            raise IssuerError(
                f"the local issuer's key {settings.key_file} is unreadable ({error.strerror}): "
                "is `make local` still running?"
            ) from None
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise IssuerError(f"{settings.key_file} does not hold an RSA private key")
        return cls(settings, key)

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        """For tests and tools that must sign variants (expired, wrong audience) this issuer's
        keys verify."""
        return self._signer.private_key

    def jwks(self) -> dict[str, Any]:
        """The public half, as the provider publishes it."""
        return self._signer.jwks()

    def discovery(self) -> dict[str, Any]:
        """The OpenID configuration: the deployed issuer string, the local key location."""
        return {
            "issuer": self.settings.issuer,
            "jwks_uri": self.settings.jwks_uri,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
        }

    def token(self, user: DemoUser | None, scopes: tuple[str, ...], now: int | None = None) -> str:
        """A user-style (``user``) or machine-style (None) access token for the first
        configured audience, in the provider's shape, signed with the run's key."""
        request = TokenRequest(
            issuer=self.settings.issuer,
            audience=self.settings.audiences[0],
            client_id=self.settings.client_id,
            scopes=scopes,
            now=int(time.time()) if now is None else now,
            user=user,
        )
        shaped = SHAPES[self.provider](request)
        return self._signer.sign(shaped.claims, shaped.header)


def _write_private(path: Path, data: bytes) -> None:
    """Create (or replace) a file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


class StandInIssuer:
    """The HTTP side of a run's local issuer: discovery and JWKS on 127.0.0.1 (any free port,
    or ``port``). ``close()`` stops it and deletes the key file."""

    def __init__(
        self,
        provider: Provider,
        issuer: str,
        audiences: list[str],
        state_dir: Path,
        port: int = 0,
    ) -> None:
        if not audiences:
            raise IssuerError("the deployed authorizer has no audience to issue tokens for")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = state_dir / KEY_FILE_NAME
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        documents: dict[str, bytes] = {}
        try:
            self._server = DocumentServer(documents, port)
        except OSError as error:
            raise IssuerError(
                f"the local issuer could not listen on port {port}: {error.strerror}"
            ) from None
        settings = IssuerSettings(
            provider=provider.value,
            issuer=issuer,
            audiences=list(audiences),
            base_url=f"http://localhost:{self._server.port}",
            kid=secrets.token_urlsafe(16),
            client_id=demo_client_id(provider),
            key_file=str(key_file),
        )
        self.issuer = LocalIssuer(settings, key)
        path = _issuer_path(issuer)
        documents[f"{path}/.well-known/openid-configuration"] = json.dumps(
            self.issuer.discovery()
        ).encode()
        documents[urlsplit(settings.jwks_uri).path] = json.dumps(self.issuer.jwks()).encode()
        try:
            _write_private(key_file, pem)
        except OSError as error:
            self._server.close()
            raise IssuerError(
                f"could not write the local issuer's key {key_file}: {error}"
            ) from None
        self._server.start()

    @property
    def settings(self) -> IssuerSettings:
        return self.issuer.settings

    def close(self) -> None:
        self._server.close()
        Path(self.settings.key_file).unlink(missing_ok=True)
