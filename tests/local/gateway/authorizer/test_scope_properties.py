"""Properties of route scopes in the local authorizer: `scope` strings and `scp` arrays alike.

AWS: a token passes a route with authorizationScopes when it carries at least one of them in
`scope` (space separated) or `scp` (Okta puts an array there); otherwise 403 Forbidden. The
event's `scopes` is then the token's full scope list.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.gateway.authorizer import JwtAuthorizer
from local.gateway.authorizer.jwt_authorizer import token_scopes

from .bad_tokens import SigningMaterial, sign_token, valid_claims
from .conftest import AUDIENCE, ISSUER, NOW

FIXTURES_OK = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# RFC 6749 scope-token characters (no space, no quote, no backslash), with Cognito's '/'.
scope_token = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"\\'),
    min_size=1,
    max_size=24,
)
scope_lists = st.lists(scope_token, max_size=6, unique=True)


def _token(material: SigningMaterial, claim: str, scopes: list[str], sep: str) -> str:
    value: Any = sep.join(scopes) if claim == "scope" else scopes
    return sign_token(material, valid_claims(ISSUER, AUDIENCE, NOW, **{claim: value}))


@FIXTURES_OK
@given(
    token_list=scope_lists,
    route=st.lists(scope_token, min_size=1, max_size=3, unique=True),
    claim=st.sampled_from(["scope", "scp"]),
    sep=st.sampled_from([" ", "  "]),
)
def test_route_passes_iff_token_holds_one_of_its_scopes(
    authorizer: JwtAuthorizer,
    material: SigningMaterial,
    token_list: list[str],
    route: list[str],
    claim: str,
    sep: str,
) -> None:
    """GIVEN any scope set as a `scope` string or an `scp` array and any route scopes WHEN
    authorized THEN allowed exactly when they share a scope (then the event gets every token
    scope), else 403 Forbidden; never a 401 for a validly signed token, never an exception."""
    token = _token(material, claim, token_list, sep)
    decision = authorizer.authorize({"authorization": f"Bearer {token}"}, route)
    if set(token_list) & set(route):
        assert decision.allowed
        assert decision.scopes == token_list
    else:
        assert not decision.allowed
        assert (decision.status_code, decision.body) == (403, b'{"message":"Forbidden"}')


@given(scopes=scope_lists, sep=st.sampled_from([" ", "   "]))
def test_scope_string_and_scp_array_read_the_same(scopes: list[str], sep: str) -> None:
    """GIVEN the same scopes as a space-separated `scope` and as an `scp` array WHEN read THEN
    both give the same list, in order, without empty entries."""
    assert token_scopes({"scope": sep.join(scopes)}) == scopes
    assert token_scopes({"scp": scopes}) == scopes


@given(junk=st.one_of(st.integers(), st.none(), st.dictionaries(st.text(), st.text())))
def test_non_scope_values_give_no_scopes(junk: object) -> None:
    """GIVEN a scope/scp claim that is neither a string nor a list WHEN read THEN no scopes
    (so a scoped route answers 403, never 500)."""
    assert token_scopes({"scope": junk}) == []
    assert token_scopes({"scp": junk}) == []


@given(scopes=st.lists(st.one_of(scope_token, st.integers(), st.none()), max_size=6))
def test_scp_array_keeps_only_string_entries(scopes: list[object]) -> None:
    """GIVEN an `scp` array with non-string entries WHEN read THEN only the strings count."""
    assert token_scopes({"scp": scopes}) == [s for s in scopes if isinstance(s, str) and s]
