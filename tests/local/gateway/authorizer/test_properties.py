"""Properties: garbage never raises and never passes; signed claims obey the AWS rules."""

from __future__ import annotations

from typing import Any, TypeGuard

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.gateway.authorizer import AuthDecision, JwtAuthorizer
from local.gateway.payload import build_event, map_response

from .bad_tokens import SigningMaterial, b64url, sign_token
from .conftest import AUDIENCE, ISSUER, NOW, SECOND_AUDIENCE

FIXTURES_OK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

token_alphabet = st.sampled_from("abcXYZ019-_.=+/ \t")
header_values = st.one_of(
    st.text(),
    st.text(alphabet=token_alphabet),
    st.builds(lambda s: "Bearer " + s, st.text(alphabet=token_alphabet)),
    st.builds(
        lambda h, p, s: f"Bearer {b64url(h)}.{b64url(p)}.{b64url(s)}",
        st.binary(max_size=64),
        st.binary(max_size=64),
        st.binary(max_size=64),
    ),
)


def assert_refused(decision: AuthDecision) -> None:
    assert not decision.allowed
    assert decision.status_code == 401
    assert decision.body == b'{"message":"Unauthorized"}'
    assert decision.headers["www-authenticate"].startswith("Bearer")


@FIXTURES_OK
@given(value=header_values)
def test_arbitrary_header_value_never_raises_and_never_allows(
    authorizer: JwtAuthorizer, value: str
) -> None:
    """GIVEN any header string WHEN authorized THEN a 401 decision, never an exception."""
    assert_refused(authorizer.authorize({"authorization": value}, None))


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
times = st.one_of(
    st.none(),
    st.integers(min_value=NOW - 10, max_value=NOW + 10),
    st.floats(min_value=NOW - 10, max_value=NOW + 10),
    st.just("abc"),
    st.booleans(),
)
audiences = st.one_of(
    st.none(),
    st.sampled_from([AUDIENCE, SECOND_AUDIENCE, "other", 5]),
    st.lists(st.sampled_from([AUDIENCE, "other", 7]), max_size=3),
)


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def aws_would_allow(claims: dict[str, Any]) -> bool:
    """An independent statement of AWS's claim rules (no leeway)."""
    if claims.get("iss") != ISSUER:
        return False
    configured = {AUDIENCE, SECOND_AUDIENCE}
    aud = claims.get("aud")
    if aud is not None:
        candidates = aud if isinstance(aud, list) else [aud]
        if not any(isinstance(c, str) and c in configured for c in candidates):
            return False
    elif claims.get("client_id") not in configured:
        return False
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if not is_number(exp) or exp <= NOW:
        return False
    for value in (nbf, iat):
        if value is not None and (not is_number(value) or value > NOW):
            return False
    return True


@FIXTURES_OK
@given(
    iss=st.sampled_from([ISSUER, ISSUER + "/", "x", None]),
    aud=audiences,
    client_id=st.sampled_from([None, AUDIENCE, "other"]),
    exp=times,
    nbf=times,
    iat=times,
    extra=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4),
)
def test_signed_token_is_allowed_exactly_when_the_aws_rules_say_so(
    authorizer: JwtAuthorizer,
    material: SigningMaterial,
    iss: str | None,
    aud: object,
    client_id: str | None,
    exp: object,
    nbf: object,
    iat: object,
    extra: dict[str, Any],
) -> None:
    """GIVEN a correctly signed token with arbitrary iss/aud/client_id/exp/nbf/iat/claims
    WHEN authorized THEN allowed iff AWS's rules allow it, and claims are all strings."""
    claims: dict[str, Any] = {**extra}
    for name, value in [
        ("iss", iss),
        ("aud", aud),
        ("client_id", client_id),
        ("exp", exp),
        ("nbf", nbf),
        ("iat", iat),
    ]:
        claims.pop(name, None)
        if value is not None:
            claims[name] = value

    decision = authorizer.authorize({"authorization": f"Bearer {sign_token(material, claims)}"})

    assert decision.allowed == aws_would_allow(claims), decision.reason
    if decision.allowed:
        assert all(isinstance(v, str) for v in decision.claims.values())
        assert set(decision.claims) == {k for k, v in claims.items() if v is not None}
    else:
        assert decision.status_code == 401


@settings(max_examples=150, deadline=None)
@given(
    headers=st.lists(st.tuples(st.text(min_size=1, max_size=10), st.text(max_size=20))),
    query=st.binary(max_size=40),
    body=st.binary(max_size=40),
)
def test_any_request_builds_a_json_event(
    headers: list[tuple[str, str]], query: bytes, body: bytes
) -> None:
    """GIVEN arbitrary headers, query bytes and body WHEN the event is built
    THEN it never raises and has lowercased header names."""
    built = build_event(
        method="POST",
        raw_path="/p",
        route_key="POST /p",
        api_id="api",
        raw_query=query,
        headers=headers,
        body=body,
    )

    assert all(name == name.lower() for name in built["headers"])
    assert "cookie" not in built["headers"]


@settings(max_examples=200, deadline=None)
@given(
    result=json_values
    | st.dictionaries(
        st.sampled_from(["statusCode", "headers", "body", "cookies", "isBase64Encoded"]),
        json_values,
    )
)
def test_any_handler_result_maps_to_a_response_without_raising(result: object) -> None:
    """GIVEN any JSON-ish handler result WHEN mapped THEN an HttpResponse, never an exception."""
    response = map_response(result)

    assert 100 <= response.status_code <= 599
    assert isinstance(response.body, bytes)


@pytest.mark.parametrize("size", [1, 100_000])
def test_huge_or_tiny_header_is_refused(authorizer: JwtAuthorizer, size: int) -> None:
    """GIVEN a 1-char or 100 kB header WHEN authorized THEN 401."""
    assert_refused(authorizer.authorize({"authorization": "x" * size}))
