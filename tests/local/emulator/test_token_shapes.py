"""Token shapes: each provider's header and claims, as its public docs show them."""

from __future__ import annotations

import re

import pytest

from local.emulator.caller.token_shapes import (
    DemoUser,
    Provider,
    TokenRequest,
    auth0_token,
    demo_client_id,
    demo_user,
    oidc_token,
    okta_token,
)

NOW = 1_800_000_000
AUTH0_ISSUER = "https://dev-abc123.us.auth0.com/"
OKTA_ISSUER = "https://dev-123456.okta.com/oauth2/default"
OIDC_ISSUER = "https://idp.example.com/realms/main"
USER = DemoUser(user_id="auth0|0123456789abcdef01234567", email="ada@example.com")


def request(
    issuer: str, user: DemoUser | None, scopes: tuple[str, ...] = ("read:profile",)
) -> TokenRequest:
    return TokenRequest(
        issuer=issuer,
        audience="https://profile-api",
        client_id="client-1",
        scopes=scopes,
        now=NOW,
        user=user,
    )


def test_auth0_user_token_has_the_userinfo_audience_scope_string_and_permissions() -> None:
    """GIVEN an Auth0 sign-in WHEN shaped THEN aud is a list with the API identifier and the
    tenant's userinfo URL, scope a string (OIDC scopes first), permissions an array, azp the
    client, a day's lifetime, no gty."""
    token = auth0_token(request(AUTH0_ISSUER, USER))
    assert token.header == {"typ": "JWT"}
    assert token.claims == {
        "iss": AUTH0_ISSUER,
        "sub": USER.user_id,
        "aud": ["https://profile-api", "https://dev-abc123.us.auth0.com/userinfo"],
        "iat": NOW,
        "exp": NOW + 86400,
        "azp": "client-1",
        "scope": "openid profile email read:profile",
        "permissions": ["read:profile"],
    }


def test_auth0_machine_token_is_client_credentials_shaped() -> None:
    """GIVEN client credentials WHEN shaped THEN sub is '{client}@clients', aud the API
    identifier alone, gty client-credentials, scope only the API scopes."""
    claims = auth0_token(request(AUTH0_ISSUER, None)).claims
    assert claims["sub"] == "client-1@clients"
    assert claims["aud"] == "https://profile-api"
    assert claims["gty"] == "client-credentials"
    assert claims["scope"] == "read:profile"
    assert claims["azp"] == "client-1"


def test_okta_user_token_has_scp_array_cid_and_uid_and_no_typ_header() -> None:
    """GIVEN an Okta sign-in WHEN shaped THEN ver 1, an AT. jti, aud a string, cid, uid, scp an
    array, sub the login, an hour's lifetime; the header has no typ."""
    user = DemoUser(user_id="00uabcdefghijklmnopq", email="ada@example.com")
    token = okta_token(request(OKTA_ISSUER, user, ("profile.read",)))
    assert token.header == {"typ": None}  # PyJWT drops a None typ
    claims = token.claims
    assert re.fullmatch(r"AT\.[\w-]{43}", claims.pop("jti"))
    assert claims == {
        "ver": 1,
        "iss": OKTA_ISSUER,
        "aud": "https://profile-api",
        "iat": NOW,
        "exp": NOW + 3600,
        "cid": "client-1",
        "uid": user.user_id,
        "scp": ["openid", "profile", "email", "profile.read"],
        "auth_time": NOW,
        "sub": "ada@example.com",
    }


def test_okta_machine_token_has_the_client_as_subject_and_no_uid() -> None:
    claims = okta_token(request(OKTA_ISSUER, None, ("profile.read",))).claims
    assert claims["sub"] == claims["cid"] == "client-1"
    assert claims["scp"] == ["profile.read"]
    assert "uid" not in claims


def test_oidc_tokens_follow_the_jwt_access_token_profile() -> None:
    """GIVEN a generic OIDC issuer WHEN shaped THEN RFC 9068: typ at+jwt, iss exp aud sub
    client_id iat jti (+ scope); a user token adds auth_time, a machine token's sub is the
    client."""
    user = DemoUser(user_id="5f0c1a2b-0000-4000-8000-000000000000", email="ada@example.com")
    user_token = oidc_token(request(OIDC_ISSUER, user, ()))
    assert user_token.header == {"typ": "at+jwt"}
    assert set(user_token.claims) == {
        "iss",
        "exp",
        "aud",
        "sub",
        "client_id",
        "iat",
        "jti",
        "scope",
        "auth_time",
    }
    assert user_token.claims["scope"] == "openid profile email"
    machine = oidc_token(request(OIDC_ISSUER, None, ())).claims
    assert machine["sub"] == machine["client_id"] == "client-1"
    assert "scope" not in machine  # nothing granted, nothing claimed
    assert "auth_time" not in machine


@pytest.mark.parametrize("provider", list(Provider))
def test_demo_user_is_stable_per_issuer_and_email(provider: Provider) -> None:
    """GIVEN the same issuer and e-mail WHEN asked twice THEN the same id (a stored profile is
    found again with the next token); another e-mail gets another id."""
    first = demo_user(provider, "https://issuer.example/", "ada@example.com")
    assert first == demo_user(provider, "https://issuer.example/", "ada@example.com")
    assert (
        first.user_id != demo_user(provider, "https://issuer.example/", "bob@example.com").user_id
    )


def test_ids_have_each_providers_form() -> None:
    assert re.fullmatch(r"auth0\|[0-9a-f]{24}", demo_user(Provider.AUTH0, "i", "e").user_id)
    assert re.fullmatch(r"00u[0-9A-Za-z]{17}", demo_user(Provider.OKTA, "i", "e").user_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", demo_user(Provider.OIDC, "i", "e").user_id)
    assert re.fullmatch(r"[0-9A-Za-z]{32}", demo_client_id(Provider.AUTH0))
    assert re.fullmatch(r"0oa[0-9A-Za-z]{17}", demo_client_id(Provider.OKTA))
