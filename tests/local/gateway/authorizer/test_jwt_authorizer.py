"""JwtAuthorizer: AWS's checks, in AWS's order, with AWS's answers."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.authorizer import jwt_authorizer as module

from .bad_tokens import (
    CASES,
    MISSING,
    BadTokenCase,
    SigningMaterial,
    sign_token,
    valid_claims,
)
from .conftest import AUDIENCE, ISSUER, NOW, SECOND_AUDIENCE, FakeClock
from .jwks_server import FakeIssuer

UNAUTHORIZED = b'{"message":"Unauthorized"}'


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def token_with(material: SigningMaterial, **overrides: Any) -> str:
    return sign_token(material, valid_claims(ISSUER, AUDIENCE, NOW, **overrides))


def test_catalogue_has_at_least_25_uniquely_named_cases() -> None:
    """GIVEN the bad-token catalogue WHEN counted THEN it is big enough and names are unique."""
    names = [case.name for case in CASES]
    assert len(names) >= 25
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_token_is_refused_with_the_aws_answer(
    case: BadTokenCase, authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a catalogued bad token
    WHEN the authorizer checks it
    THEN it is refused with AWS's status, body and www-authenticate challenge."""
    headers = case.headers(material, ISSUER, AUDIENCE, NOW)

    decision = authorizer.authorize(headers, case.route_scopes)

    assert not decision.allowed
    assert decision.status_code == case.status
    expected_body = UNAUTHORIZED if case.status == 401 else b'{"message":"Forbidden"}'
    assert decision.body == expected_body
    assert decision.headers.get("www-authenticate") == case.expected_challenge()
    assert decision.headers["content-type"] == "application/json"
    assert decision.claims == {}
    assert decision.reason


def test_missing_token_answers_the_26_byte_body_with_a_bare_bearer_challenge(
    authorizer: JwtAuthorizer,
) -> None:
    """GIVEN no Authorization header WHEN authorized THEN 401, 26-byte body, 'Bearer'."""
    decision = authorizer.authorize({}, None)

    assert (decision.status_code, len(decision.body)) == (401, 26)
    assert decision.headers["www-authenticate"] == "Bearer"


def test_valid_id_token_is_allowed_with_stringified_claims(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a valid Cognito-like ID token WHEN authorized THEN 200 and every claim a string."""
    decision = authorizer.authorize(bearer(token_with(material)), None)

    assert decision.allowed
    assert decision.status_code == 200
    assert decision.scopes is None
    assert decision.claims == {
        "sub": "0b3f7c1e-user",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "token_use": "id",
        "auth_time": str(NOW - 60),
        "iat": str(NOW - 60),
        "exp": str(NOW + 3600),
        "email": "user@example.com",
    }


def test_bare_token_without_bearer_prefix_is_allowed(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN the token alone in the header WHEN authorized THEN allowed (AWS accepts both)."""
    decision = authorizer.authorize({"authorization": token_with(material)}, None)

    assert decision.allowed


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"aud": ["other", AUDIENCE]}, id="aud_list_with_one_match"),
        pytest.param({"aud": SECOND_AUDIENCE}, id="second_configured_audience"),
        pytest.param(
            {"aud": MISSING, "client_id": AUDIENCE, "token_use": "access"},
            id="access_token_with_client_id_and_no_aud",
        ),
        pytest.param({"aud": None, "client_id": AUDIENCE}, id="null_aud_falls_back_to_client_id"),
        pytest.param({"nbf": NOW, "iat": NOW}, id="nbf_and_iat_exactly_now"),
        pytest.param({"exp": NOW + 1}, id="expires_in_one_second"),
        pytest.param({"token_use": "anything"}, id="token_use_is_not_checked"),
    ],
)
def test_token_accepted_by_aws_rules_is_allowed(
    overrides: dict[str, Any], authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a token that satisfies AWS's audience/time rules in a less common way
    WHEN authorized THEN it is allowed."""
    decision = authorizer.authorize(bearer(token_with(material, **overrides)), None)

    assert decision.allowed, decision.reason


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_every_rs_algorithm_is_accepted(
    alg: str, authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a token signed with RS256/384/512 WHEN authorized THEN allowed."""
    token = sign_token(material, valid_claims(ISSUER, AUDIENCE, NOW), alg=alg)

    assert authorizer.authorize(bearer(token), None).allowed


def test_auth0_style_issuer_with_trailing_slash_matches_exactly(
    fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN an issuer ending with '/' found by discovery
    WHEN a token carries that exact issuer THEN it is allowed."""
    config = AuthorizerConfig(issuer=fake_issuer.issuer, audiences=(AUDIENCE,))
    authorizer = JwtAuthorizer(config, JwksCache.for_config(config), clock=lambda: NOW)
    token = sign_token(material, valid_claims(fake_issuer.issuer, AUDIENCE, NOW))

    assert authorizer.authorize(bearer(token), None).allowed
    assert fake_issuer.discovery_fetches == 1


def test_leeway_accepts_a_just_expired_token_only_when_configured(
    config: AuthorizerConfig, keys: JwksCache, material: SigningMaterial
) -> None:
    """GIVEN a token that expired 5 s ago
    WHEN checked without leeway, then with 10 s leeway
    THEN refused first, allowed second."""
    token = token_with(material, exp=NOW - 5)
    strict = JwtAuthorizer(config, keys, clock=lambda: NOW)
    lenient_config = AuthorizerConfig(
        issuer=config.issuer,
        audiences=config.audiences,
        jwks_uri=config.jwks_uri,
        leeway_seconds=10,
    )
    lenient = JwtAuthorizer(lenient_config, keys, clock=lambda: NOW)

    assert strict.authorize(bearer(token), None).status_code == 401
    assert lenient.authorize(bearer(token), None).allowed
    assert lenient.authorize(bearer(token_with(material, nbf=NOW + 5)), None).allowed
    assert not lenient.authorize(bearer(token_with(material, exp=NOW - 11)), None).allowed


def test_route_scope_present_in_scope_claim_is_allowed_with_all_token_scopes(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a route requiring profile/read and a token with 'openid profile/read'
    WHEN authorized THEN allowed, and scopes lists every scope of the token."""
    token = token_with(material, scope="openid  profile/read")

    decision = authorizer.authorize(bearer(token), ["profile/read", "admin"])

    assert decision.allowed
    assert decision.scopes == ["openid", "profile/read"]


@pytest.mark.parametrize(
    "scp", [["profile/read", "x"], "x profile/read"], ids=["scp_list", "scp_string"]
)
def test_scp_claim_satisfies_route_scopes(
    scp: object, authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN an Okta-style token with scp WHEN the route requires one of them THEN allowed."""
    decision = authorizer.authorize(bearer(token_with(material, scp=scp)), ["profile/read"])

    assert decision.allowed
    assert decision.scopes is not None
    assert set(decision.scopes) == {"profile/read", "x"}


def test_missing_route_scope_answers_403_forbidden(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a valid token without the route's scope WHEN authorized THEN 403 Forbidden."""
    decision = authorizer.authorize(bearer(token_with(material, scope="openid")), ["admin"])

    assert (decision.status_code, decision.body) == (403, b'{"message":"Forbidden"}')
    assert "www-authenticate" not in decision.headers


def test_route_without_scopes_gives_null_scopes_even_when_token_has_some(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a token with scopes WHEN the route requires none THEN scopes is None."""
    decision = authorizer.authorize(bearer(token_with(material, scope="openid")), [])

    assert decision.allowed
    assert decision.scopes is None


def test_claims_are_stringified_like_api_gateway(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN claims of every JSON type WHEN allowed THEN each is a string the AWS way."""
    token = token_with(
        material,
        **{
            "cognito:groups": ["admin", "users"],
            "email_verified": True,
            "disabled": False,
            "ratio": 1.50,
            "nested": {"a": [1, "b"], "c": None},
            "mixed": [1, True, None, {"k": "v"}],
            "gone": None,
            "unicode": "h\u00e9llo",
        },
    )

    claims = authorizer.authorize(bearer(token), None).claims

    assert claims["cognito:groups"] == "[admin users]"
    assert claims["email_verified"] == "true"
    assert claims["disabled"] == "false"
    assert claims["ratio"] == "1.5"
    assert json.loads(claims["nested"]) == {"a": [1, "b"], "c": None}
    assert claims["nested"] == '{"a":[1,"b"],"c":null}'
    assert claims["mixed"] == '[1 true null {"k":"v"}]'
    assert claims["unicode"] == "h\u00e9llo"
    assert claims["exp"] == str(NOW + 3600)
    assert "gone" not in claims
    assert all(isinstance(value, str) for value in claims.values())


def test_decimal_claims_keep_the_token_digits(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a payload with 1.50 and a fractional exp WHEN allowed THEN the digits are kept."""
    payload = (f'{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{NOW + 10}.25,"price":1.50}}').encode()

    claims = authorizer.authorize(bearer(sign_token(material, payload)), None).claims

    assert claims["price"] == "1.50"
    assert claims["exp"] == f"{NOW + 10}.25"


def test_custom_identity_source_reads_only_that_header(
    fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN identity source $request.header.X-Token
    WHEN the token is in x-token THEN allowed; in authorization only THEN 401 missing."""
    config = AuthorizerConfig(
        issuer=ISSUER,
        audiences=(AUDIENCE,),
        identity_source="$request.header.X-Token",
        jwks_uri=fake_issuer.jwks_uri,
    )
    authorizer = JwtAuthorizer(config, JwksCache.for_config(config), clock=lambda: NOW)
    token = token_with(material)

    assert authorizer.authorize({"x-token": token}, None).allowed
    assert authorizer.authorize(bearer(token), None).headers["www-authenticate"] == "Bearer"


def test_cached_token_is_checked_again_for_expiry(
    config: AuthorizerConfig, keys: JwksCache, material: SigningMaterial
) -> None:
    """GIVEN a token allowed once WHEN the clock passes its exp THEN the cached token is refused."""
    now = [NOW]
    authorizer = JwtAuthorizer(config, keys, clock=lambda: now[0])
    token = token_with(material, exp=NOW + 30)
    assert authorizer.authorize(bearer(token), None).allowed

    now[0] = NOW + 30
    decision = authorizer.authorize(bearer(token), None)

    assert decision.status_code == 401
    assert 'error_description="token is expired"' in decision.headers["www-authenticate"]


def test_repeated_token_is_verified_once(
    authorizer: JwtAuthorizer, material: SigningMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the same token three times WHEN authorized THEN the RSA signature is checked once."""
    calls = []
    algorithm = module.ACCEPTED_ALGORITHMS["RS256"]
    original = algorithm.verify

    def counting_verify(*args: Any) -> bool:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(algorithm, "verify", counting_verify)
    token = token_with(material)

    decisions = [authorizer.authorize(bearer(token), None) for _ in range(3)]

    assert all(decision.allowed for decision in decisions)
    assert len(calls) == 1


def test_changing_returned_claims_does_not_leak_into_the_next_decision(
    authorizer: JwtAuthorizer, material: SigningMaterial
) -> None:
    """GIVEN a handler that mutates the claims it got WHEN the token comes again THEN intact."""
    token = token_with(material)
    authorizer.authorize(bearer(token), None).claims["sub"] = "someone-else"

    assert authorizer.authorize(bearer(token), None).claims["sub"] == "0b3f7c1e-user"


def test_cached_token_is_refused_once_its_key_leaves_the_jwks(
    authorizer: JwtAuthorizer,
    fake_issuer: FakeIssuer,
    material: SigningMaterial,
    monotonic: FakeClock,
) -> None:
    """GIVEN an allowed token WHEN its key is rotated out and the TTL passes THEN refused."""
    token = token_with(material)
    assert authorizer.authorize(bearer(token), None).allowed
    jwks = material.jwks()
    fake_issuer.serve({"keys": [k for k in jwks["keys"] if k["kid"] != material.kid]})

    monotonic.advance(2 * 60 * 60)
    decision = authorizer.authorize(bearer(token), None)

    assert decision.status_code == 401
    assert "no key in the issuer's JWKS" in decision.headers["www-authenticate"]


def test_unreachable_keys_answer_401_not_an_error(
    authorizer: JwtAuthorizer, fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN an issuer answering 500 WHEN a token is checked THEN 401 keys-unavailable."""
    fake_issuer.serve(material.jwks(), status=500)

    decision = authorizer.authorize(bearer(token_with(material)), None)

    assert decision.status_code == 401
    assert "signing keys could not be fetched" in decision.headers["www-authenticate"]


def test_unexpected_internal_error_still_answers_401(
    authorizer: JwtAuthorizer,
    keys: JwksCache,
    material: SigningMaterial,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a bug deep in key lookup WHEN a token is checked THEN 401, never an exception."""

    def broken(kid: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(keys, "get", broken)

    decision = authorizer.authorize(bearer(token_with(material)), None)

    assert (decision.allowed, decision.status_code) == (False, 401)


def test_concurrent_requests_share_one_key_fetch_and_all_pass(
    authorizer: JwtAuthorizer, fake_issuer: FakeIssuer, material: SigningMaterial
) -> None:
    """GIVEN 8 threads sending a mix of repeated and distinct tokens to a cold authorizer
    WHEN they all run at once THEN every valid token passes and the JWKS is fetched once."""
    tokens = [token_with(material, jti=f"t{n}") for n in range(10)]
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        barrier.wait()
        outcome = [
            authorizer.authorize(bearer(tokens[(offset + n) % 10]), None).allowed for n in range(40)
        ]
        with lock:
            results.extend(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [True] * 320
    assert fake_issuer.jwks_fetches == 1
