"""The bad-token catalogue over real HTTP: AWS's status, body and challenge; no function runs."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest

from tests.local.conftest import ConformancePlane
from tests.local.gateway.authorizer.bad_tokens import CASES, BadTokenCase, good_token

pytestmark = pytest.mark.local

# The deployed routes have no scopes, so the scope cases (403) are covered in-process only.
# Over HTTP a 20 KB header never reaches the authorizer: the request-head quota answers 431
# first, as at AWS's edge (tests/local/test_hostile_input.py); in-process it still gets 401.
OVER_HEAD_QUOTA = {"huge_header"}
HTTP_CASES = [
    case for case in CASES if case.route_scopes is None and case.name not in OVER_HEAD_QUOTA
]


def get_profile(base_url: str, headers: dict[str, str]) -> tuple[int, str | None, bytes]:
    """(status, www-authenticate, body). http.client sends any header bytes, as a hostile
    client would; httpx refuses blank or non-ASCII values before they leave the test."""
    target = urlsplit(base_url)
    connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
    try:
        connection.request("GET", "/user/profile", headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("www-authenticate"), response.read()
    finally:
        connection.close()


def test_catalogue_is_large_enough() -> None:
    """GIVEN the catalogue WHEN counted THEN at least 20 distinct bad tokens run over HTTP."""
    assert len({case.name for case in HTTP_CASES}) >= 20


@pytest.mark.parametrize("case", HTTP_CASES, ids=lambda case: case.name)
def test_bad_token_is_rejected_before_any_function_runs(
    conformance_plane: ConformancePlane, case: BadTokenCase
) -> None:
    """GIVEN a bad token WHEN GET /user/profile THEN AWS's status, 26-byte body and challenge,
    and the function was never invoked."""
    plane = conformance_plane
    headers = case.headers(plane.material, plane.issuer, plane.audience, int(time.time()))
    invocations_before = plane.plane.invocations
    status, challenge, body = get_profile(plane.base_url, headers)
    assert status == case.status
    assert body == b'{"message":"Unauthorized"}'
    assert challenge == case.expected_challenge()
    assert plane.plane.invocations == invocations_before


def test_good_token_from_the_same_keys_reaches_the_function(
    conformance_plane: ConformancePlane,
) -> None:
    """GIVEN a valid token signed with the same test keys WHEN GET THEN 200 and one invocation
    (so the rejections above are not an artefact of the setup)."""
    plane = conformance_plane
    token = good_token(plane.material, plane.issuer, plane.audience, int(time.time()))
    before = plane.plane.invocations
    status, _, _ = get_profile(plane.base_url, {"authorization": f"Bearer {token}"})
    assert status == 200
    assert plane.plane.invocations == before + 1
