"""The stand-in issuer over real HTTP: discovery names the deployed issuer, keys are local,
and the local JWT authorizer accepts what it signs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from local.emulator.caller.issuers import IssuerError, IssuerSettings, LocalIssuer, StandInIssuer
from local.emulator.caller.token_shapes import Provider, demo_user
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer

CASES = {
    Provider.AUTH0: ("https://dev-abc123.us.auth0.com/", "/.well-known/jwks.json"),
    Provider.OKTA: ("https://dev-123456.okta.com/oauth2/default", "/oauth2/default/v1/keys"),
    Provider.OIDC: ("https://idp.example.com/realms/main", "/realms/main/jwks"),
}


@pytest.fixture(params=list(CASES), ids=str)
def stand_in(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StandInIssuer]:
    provider: Provider = request.param
    issuer = StandInIssuer(provider, CASES[provider][0], ["https://profile-api"], tmp_path)
    try:
        yield issuer
    finally:
        issuer.close()


def test_discovery_names_the_deployed_issuer_and_a_local_jwks(stand_in: StandInIssuer) -> None:
    """GIVEN a stand-in WHEN its discovery document is fetched at {issuer path}/.well-known/
    openid-configuration on localhost THEN issuer is the deployed string, byte for byte, and
    jwks_uri is the provider's usual key path on the same local server."""
    settings = stand_in.settings
    issuer, jwks_path = CASES[Provider(settings.provider)]
    document = httpx.get(settings.discovery_url).json()
    assert document["issuer"] == issuer
    assert document["jwks_uri"] == f"{settings.base_url}{jwks_path}"
    keys = httpx.get(document["jwks_uri"]).json()["keys"]
    assert [(k["kid"], k["kty"], k["alg"], k["use"]) for k in keys] == [
        (settings.kid, "RSA", "RS256", "sig")
    ]
    assert "d" not in keys[0]  # the public half only
    assert httpx.get(f"{settings.base_url}/elsewhere").status_code == 404


def test_a_foreign_host_is_refused_by_the_stand_in(stand_in: StandInIssuer) -> None:
    """GIVEN DNS rebinding (Host: rebind.evil.example) WHEN the stand-in's discovery is
    fetched THEN 403 `{"message":"Forbidden"}`, as every local server answers (issue 22)."""
    port = stand_in.settings.base_url.rsplit(":", 1)[1]
    answer = httpx.get(
        stand_in.settings.discovery_url, headers={"Host": f"rebind.evil.example:{port}"}
    )
    assert (answer.status_code, answer.json()) == (403, {"message": "Forbidden"})


def test_local_authorizer_accepts_its_tokens_through_discovery(stand_in: StandInIssuer) -> None:
    """GIVEN the authorizer configured with the deployed issuer and the local discovery URL
    WHEN a user token and a machine token from the key file's issuer arrive THEN both pass."""
    settings = stand_in.settings
    config = AuthorizerConfig(
        issuer=settings.issuer,
        audiences=("https://profile-api",),
        discovery_url=settings.discovery_url,
    )
    keys = JwksCache.for_config(config)
    try:
        authorizer = JwtAuthorizer(config, keys)
        signer = LocalIssuer.load(settings)  # as `local token` does, from the key file
        user = demo_user(signer.provider, settings.issuer, "ada@example.com")
        for token in (signer.token(user, ()), signer.token(None, ())):
            decision = authorizer.authorize({"authorization": f"Bearer {token}"})
            assert decision.allowed, decision.reason
            assert jwt.get_unverified_header(token)["kid"] == settings.kid
    finally:
        keys.close()


def test_key_file_is_private_and_gone_after_close(tmp_path: Path) -> None:
    """GIVEN a stand-in WHEN running THEN its key file is mode 0600; WHEN closed THEN the file
    is deleted and the port no longer answers."""
    issuer = StandInIssuer(Provider.AUTH0, CASES[Provider.AUTH0][0], ["aud"], tmp_path)
    key_file = Path(issuer.settings.key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    issuer.close()
    assert not key_file.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(issuer.settings.discovery_url)


def test_token_command_without_the_key_says_the_run_is_gone(tmp_path: Path) -> None:
    """GIVEN recorded settings whose key file is missing WHEN loaded THEN one clear error."""
    settings = IssuerSettings(
        provider="okta",
        issuer=CASES[Provider.OKTA][0],
        audiences=["api://default"],
        base_url="http://localhost:1",
        kid="k",
        client_id="c",
        key_file=str(tmp_path / "missing.pem"),
    )
    with pytest.raises(IssuerError, match="is `make local` still running"):
        LocalIssuer.load(settings)


def test_no_audience_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IssuerError, match="no audience"):
        StandInIssuer(Provider.OIDC, CASES[Provider.OIDC][0], [], tmp_path)


def test_unwritable_state_dir_is_one_clear_error(tmp_path: Path) -> None:
    """GIVEN a state 'directory' that is a file WHEN the stand-in starts THEN IssuerError naming
    the key path (one line for `local up`, no traceback)."""
    not_a_dir = tmp_path / "state"
    not_a_dir.write_text("")
    with pytest.raises(IssuerError, match="could not write the local issuer's key"):
        StandInIssuer(Provider.AUTH0, CASES[Provider.AUTH0][0], ["aud"], not_a_dir)
