"""Hostile input through the local HTTP API, over real HTTP: POST bodies, Authorization values,
oversized heads and bodies.

Properties: never a 5xx; a rejected request writes nothing (checked in the emulator's DynamoDB);
a rejected token never reaches a function (the data plane's invocation counter); an oversized
request gets a clear 4xx. The data plane is the in-process one over the shared emulator, with
signing keys the tests hold (tests/local/conftest.py).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.gateway.app import MAX_BODY_BYTES, MAX_HEAD_BYTES
from local.runtime.client import local_client
from stacks.contract import ApiOutput
from tests.local.conftest import ConformancePlane, LocalRun
from tests.local.gateway.authorizer.bad_tokens import sign_token, valid_claims

pytestmark = pytest.mark.local

PROFILE = "/user/profile"
UNAUTHORIZED = b'{"message":"Unauthorized"}'
FEW = settings(max_examples=100, deadline=None)
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Target:
    """The conformance data plane, its table in the emulator, and tokens it accepts."""

    conformance: ConformancePlane
    dynamodb: Any
    table: str

    @property
    def invocations(self) -> int:
        return self.conformance.plane.invocations

    def token(self, sub: str) -> str:
        plane = self.conformance
        claims = valid_claims(plane.issuer, plane.audience, int(time.time()), sub=sub)
        return sign_token(plane.material, claims)

    def stored(self, sub: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.dynamodb.get_item(
            TableName=self.table, Key={"sub": {"S": sub}}, ConsistentRead=True
        ).get("Item")
        return item

    def item_count(self) -> int:
        count: int = self.dynamodb.scan(TableName=self.table, Select="COUNT")["Count"]
        return count

    def request(self, method: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
        """http.client sends any header bytes, as a hostile client would (httpx refuses some)."""
        url = urlsplit(self.conformance.base_url)
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        try:
            connection.request(method, PROFILE, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def raw(self, head: bytes, body: bytes = b"") -> Answer:
        """Send exactly these bytes (no header added by a client library) and read the answer."""
        url = urlsplit(self.conformance.base_url)
        with socket.create_connection((url.hostname or "", url.port or 80), timeout=30) as sock:
            sock.sendall(head + body)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )


@pytest.fixture(scope="module")
def target(conformance_plane: ConformancePlane, local_run: LocalRun) -> Target:
    dynamodb = local_client("dynamodb", local_run.endpoint_url)
    return Target(conformance_plane, dynamodb, local_run.outputs.api[ApiOutput.TABLE_NAME])


def _new_sub() -> str:
    return f"hostile-{uuid.uuid4()}"


# --- POST bodies ----------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
profile_fields = st.sampled_from(["name", "bio", "website", "sub", "updatedAt", "Name", ""])
near_profiles = st.dictionaries(
    profile_fields,
    st.text(max_size=120) | st.sampled_from(["https://example.com", "Ada", " ", ""]) | json_values,
    max_size=4,
)
valid_profiles = st.fixed_dictionaries(
    {"name": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=100)},
    optional={"bio": st.text(max_size=500), "website": st.just("https://example.com/ada")},
)
bodies = st.one_of(
    valid_profiles.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    near_profiles.map(lambda value: json.dumps(value, ensure_ascii=False).encode()),
    st.text(max_size=200).map(str.encode),
    st.integers(4000, 5000).map(lambda size: json.dumps({"name": "x" * size}).encode()),
)


@FEW
@given(body=bodies)
def test_any_post_body_gets_201_or_a_clear_400_and_only_201_stores(
    target: Target, body: bytes
) -> None:
    """GIVEN a valid token and any POST body WHEN sent THEN 201 with the stored profile, or 400
    with a message and nothing stored for the caller; never a 5xx."""
    sub = _new_sub()
    answer = target.request(
        "POST",
        {"authorization": f"Bearer {target.token(sub)}", "content-type": "application/json"},
        body,
    )
    assert answer.status in (201, 400), answer
    stored = target.stored(sub)
    if answer.status == 400:
        assert isinstance(answer.json()["message"], str)
        assert stored is None
    else:
        profile = answer.json()["profile"]
        assert answer.json()["sub"] == sub
        assert stored is not None
        assert {key: value["S"] for key, value in stored.items() if key != "sub"} == profile


# --- Authorization header values ------------------------------------------------------------

# RFC 9110 field values: no control characters but horizontal tab (h11 enforces it).
FORBIDDEN_IN_FIELD_VALUES = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Latin-1 without CR/LF (http.client refuses those: they would split the header).
header_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=255, exclude_characters="\r\n"),
    max_size=300,
)
authorization_values = st.one_of(
    header_text,
    header_text.map(lambda text: f"Bearer {text}"),
    st.lists(st.text(BASE64URL, max_size=60), min_size=1, max_size=5).map(".".join),
    st.lists(st.text(BASE64URL, max_size=60), min_size=3, max_size=3).map(
        lambda parts: "Bearer " + ".".join(parts)
    ),
)


@FEW
@given(value=authorization_values)
def test_any_forged_authorization_value_is_rejected_before_any_function_or_write(
    target: Target, value: str
) -> None:
    """GIVEN an arbitrary Authorization value and a valid profile body WHEN POSTed THEN 401
    (or, for bytes HTTP forbids in a field value, the HTTP parser's 400 — which may reach the
    client as a reset, since the server closes before reading the body); no function ran and
    nothing was stored."""
    invocations, items = target.invocations, target.item_count()
    try:
        answer = target.request(
            "POST", {"authorization": value, "content-type": "application/json"}, b'{"name":"Eve"}'
        )
    except ConnectionResetError:
        assert FORBIDDEN_IN_FIELD_VALUES.search(value), f"reset for an allowed value {value!r}"
        answer = None
    if answer is not None:
        assert answer.status in (400, 401), answer
    if answer is not None and answer.status == 400:
        assert FORBIDDEN_IN_FIELD_VALUES.search(value), f"400 for an allowed value {value!r}"
    if answer is not None and answer.status == 401:
        assert answer.body == UNAUTHORIZED
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert target.invocations == invocations
    assert target.item_count() == items


@FEW
@given(data=st.data())
def test_a_valid_token_with_any_one_character_changed_is_rejected(
    target: Target, data: st.DataObject
) -> None:
    """GIVEN a valid token with one base64url character replaced (never a segment's last one,
    whose spare bits may not count) WHEN POSTed THEN 401, no function ran, nothing stored."""
    sub = _new_sub()
    token = target.token(sub)
    positions = [
        index
        for index, char in enumerate(token)
        if char != "." and index + 1 < len(token) and token[index + 1] != "."
    ]
    position = data.draw(st.sampled_from(positions[:-1]), label="position")
    replacement = data.draw(
        st.sampled_from([c for c in BASE64URL if c != token[position]]), label="replacement"
    )
    tampered = token[:position] + replacement + token[position + 1 :]
    invocations = target.invocations
    answer = target.request(
        "POST",
        {"authorization": f"Bearer {tampered}", "content-type": "application/json"},
        b'{"name":"Mallory"}',
    )
    assert (answer.status, answer.body) == (401, UNAUTHORIZED)
    assert target.invocations == invocations
    assert target.stored(sub) is None


# --- oversized requests ---------------------------------------------------------------------


def _head(target: Target, headers: list[tuple[str, str]], method: str = "GET") -> bytes:
    host = urlsplit(target.conformance.base_url).netloc
    lines = [f"{method} {PROFILE} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _head_size(target: Target, headers: list[tuple[str, str]]) -> int:
    """What the quota counts: the request line plus every header's name and value."""
    host = urlsplit(target.conformance.base_url).netloc
    line = len(f"GET {PROFILE} HTTP/1.1")
    fixed = len("Host") + len(host) + len("Connection") + len("close")
    return line + fixed + sum(len(name) + len(value) for name, value in headers)


def test_a_20_kb_authorization_header_gets_431_with_a_json_message(target: Target) -> None:
    """GIVEN a 20 KB Authorization header (AWS's quota: 10240 bytes of request line and header
    values) WHEN sent THEN 431 with a JSON message, and no function ran."""
    invocations = target.invocations
    answer = target.raw(_head(target, [("Authorization", "Bearer " + "a" * 20_000)]))
    assert answer.status == 431
    assert answer.json() == {"message": "Request Header Fields Too Large"}
    assert answer.headers["content-type"] == "application/json"
    assert target.invocations == invocations


def test_a_hundred_headers_over_the_quota_get_431(target: Target) -> None:
    """GIVEN 100 headers of 200 bytes each WHEN sent THEN 431, as their values pass 10240."""
    headers = [(f"X-Filler-{index}", "v" * 200) for index in range(100)]
    answer = target.raw(_head(target, headers))
    assert (answer.status, answer.json()["message"]) == (431, "Request Header Fields Too Large")


def test_a_hundred_small_headers_with_a_valid_token_are_served(target: Target) -> None:
    """GIVEN 100 small headers and a valid token, under the quota WHEN sent THEN 200 (header
    count alone is no reason to refuse)."""
    headers = [(f"X-Small-{index}", "v") for index in range(100)]
    headers.append(("Authorization", f"Bearer {target.token(_new_sub())}"))
    answer = target.raw(_head(target, headers))
    assert answer.status == 200


def test_the_quota_counts_request_line_and_header_names_and_values_to_the_byte(
    target: Target,
) -> None:
    """GIVEN a request head of exactly 10240 counted bytes WHEN sent THEN it is authorized as
    usual (401 without a token); one byte more THEN 431."""
    padding = MAX_HEAD_BYTES - _head_size(target, [("X-Pad", "")])
    at_quota = [("X-Pad", "p" * padding)]
    over_quota = [("X-Pad", "p" * (padding + 1))]
    assert _head_size(target, at_quota) == MAX_HEAD_BYTES
    assert target.raw(_head(target, at_quota)).status == 401
    assert target.raw(_head(target, over_quota)).status == 431


def test_a_head_beyond_the_parser_buffer_is_refused_without_running_anything(
    target: Target,
) -> None:
    """GIVEN a 200 KB request head WHEN sent THEN a 4xx (the data plane's 431, or uvicorn's own
    400 once the head passes its 64 KiB buffer) or, when that 400 and the close overtake the
    rest of our upload, a connection reset; never a 5xx, and no function ran."""
    invocations = target.invocations
    try:
        status = target.raw(_head(target, [("Authorization", "Bearer " + "a" * 200_000)])).status
    except (ConnectionResetError, BrokenPipeError):
        status = None
    assert status in (400, 431, None)
    assert target.invocations == invocations


def test_a_body_over_the_payload_quota_gets_413_and_stores_nothing(target: Target) -> None:
    """GIVEN a valid token and a declared body of 10 MB + 1 byte WHEN POSTed THEN 413 with a
    JSON message before the body is read; no function ran and nothing was stored."""
    sub = _new_sub()
    invocations = target.invocations
    headers = [
        ("Authorization", f"Bearer {target.token(sub)}"),
        ("Content-Type", "application/json"),
        ("Content-Length", str(MAX_BODY_BYTES + 1)),
    ]
    answer = target.raw(_head(target, headers, "POST"))
    assert answer.status == 413
    assert answer.json() == {"message": "Request Entity Too Large"}
    assert target.invocations == invocations
    assert target.stored(sub) is None


# --- arbitrary Unicode in profiles (issue 22) ---------------------------------------------

# Every code point, surrogates (which JSON's \ud800 escapes decode to), unassigned ones and
# non-characters included: hypothesis leaves surrogates out unless told otherwise.
any_character = st.characters(exclude_categories=()) | st.characters(categories=["Cs"])
unicode_profiles = st.fixed_dictionaries(
    {"name": st.text(any_character, min_size=1, max_size=40)},
    optional={
        "bio": st.text(any_character, max_size=60),
        "website": st.text(any_character, max_size=20).map(lambda rest: f"https://{rest}"),
    },
)


@FEW
@given(profile=unicode_profiles)
def test_any_unicode_in_any_field_gets_201_or_a_400_naming_the_field_never_a_5xx(
    target: Target, profile: dict[str, str]
) -> None:
    """GIVEN a profile whose fields hold arbitrary code points (lone surrogates as JSON
    escapes) WHEN POSTed THEN 201 with exactly that profile stored, or 400 whose message
    names one of the fields and nothing stored; never a 5xx."""
    sub = _new_sub()
    answer = target.request(
        "POST",
        {"authorization": f"Bearer {target.token(sub)}", "content-type": "application/json"},
        json.dumps(profile).encode(),  # ensure_ascii: surrogates travel as \udxxx escapes
    )
    assert answer.status in (201, 400), answer
    if answer.status == 400:
        message = answer.json()["message"]
        assert any(f"field '{field}'" in message for field in profile), message
        assert target.stored(sub) is None
    else:
        stored = answer.json()["profile"]
        assert {field: stored[field] for field in profile} == profile


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"name": "\ud800"}, "field 'name' contains lone surrogates"),
        ({"name": "Ada", "bio": "\udfff tail"}, "field 'bio' contains lone surrogates"),
        ({"name": "\ufdd0"}, "field 'name' contains unassigned code points or non-characters"),
        ({"name": "\U0010ffff"}, "field 'name' contains unassigned code points or non-characters"),
        (
            {"name": "evil\u202egnp.exe"},
            "field 'name' contains bidi embedding, override or isolate controls",
        ),
        (
            {"name": "Ada", "website": "https://user:pass@example.com/"},
            "field 'website' must not contain credentials (user:password@)",
        ),
    ],
)
def test_surrogates_non_characters_bidi_overrides_and_url_credentials_get_400(
    target: Target, profile: dict[str, str], message: str
) -> None:
    """GIVEN the probe's bodies (`{"name":"\\ud800"}` was a 500 and an ERROR line) WHEN
    POSTed with a valid token THEN 400 with a message naming the field; nothing stored."""
    sub = _new_sub()
    answer = target.request(
        "POST",
        {"authorization": f"Bearer {target.token(sub)}", "content-type": "application/json"},
        json.dumps(profile).encode(),
    )
    assert (answer.status, answer.json()) == (400, {"message": message})
    assert target.stored(sub) is None


def test_bidi_marks_in_a_name_are_stored(target: Target) -> None:
    """GIVEN a mixed-direction name with U+200F (a mark, which reorders nothing around it)
    WHEN POSTed THEN 201: only embeddings, overrides and isolates are refused."""
    sub = _new_sub()
    answer = target.request(
        "POST",
        {"authorization": f"Bearer {target.token(sub)}", "content-type": "application/json"},
        json.dumps({"name": "Ada \u200fעדה"}).encode(),
    )
    assert answer.status == 201


# --- request heads of long names (issue 22) -----------------------------------------------


def test_a_head_of_long_header_names_over_the_quota_gets_431(target: Target) -> None:
    """GIVEN one header whose name is 12,000 characters (values alone are small) and a valid
    token WHEN sent THEN 431: names count toward the head, and no function ran."""
    invocations = target.invocations
    headers = [("X-" + "n" * 12_000, "v"), ("Authorization", f"Bearer {target.token(_new_sub())}")]
    answer = target.raw(_head(target, headers))
    assert (answer.status, answer.json()) == (431, {"message": "Request Header Fields Too Large"})
    assert target.invocations == invocations


def test_a_head_over_64_kib_of_names_gets_431_from_the_parser_guard(target: Target) -> None:
    """GIVEN two headers with 40,000-character names (80 KB of head, past what the parser is
    fed) and a valid token WHEN sent THEN 431 JSON and the connection closes; no function
    ran (httptools has no head limit of its own)."""
    invocations = target.invocations
    headers = [(f"X-{i}-" + "n" * 40_000, "v") for i in range(2)]
    headers.append(("Authorization", f"Bearer {target.token(_new_sub())}"))
    answer = target.raw(_head(target, headers))
    assert (answer.status, answer.json()) == (431, {"message": "Request Header Fields Too Large"})
    assert answer.headers["connection"] == "close"
    assert target.invocations == invocations


def test_an_8_mib_head_of_long_names_is_refused_and_runs_nothing(target: Target) -> None:
    """GIVEN the probe's head: 140 headers with 60,000-character names plus a valid token
    (8 MiB) WHEN sent THEN 431 (or, once the server has answered and closed while we still
    upload, a reset); never a 200, and no function ran."""
    invocations = target.invocations
    headers = [(f"X-{i}-" + "n" * 60_000, "v") for i in range(140)]
    headers.append(("Authorization", f"Bearer {target.token(_new_sub())}"))
    try:
        status: int | None = target.raw(_head(target, headers)).status
    except (ConnectionResetError, BrokenPipeError):
        status = None
    assert status in (431, None)
    assert target.invocations == invocations


def test_more_than_200_headers_get_431(target: Target) -> None:
    """GIVEN 201 one-byte headers (under the byte quota) WHEN sent THEN 431, no function."""
    invocations = target.invocations
    answer = target.raw(_head(target, [(f"X{i}", "v") for i in range(201)]))
    assert answer.status == 431
    assert target.invocations == invocations


# --- nested token JSON (issue 22) ---------------------------------------------------------


def test_a_token_nested_1500_deep_is_401_and_logs_no_traceback(
    target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a token whose payload is `[` nested 1,500 deep WHEN sent THEN 401 as for any
    malformed token, no function ran, and the log has no traceback (it had a RecursionError
    per request)."""

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = segment(b'{"alg":"RS256","kid":"k"}')
    token = f"{header}.{segment(b'[' * 1500 + b']' * 1500)}.c2ln"
    invocations = target.invocations
    with caplog.at_level(logging.DEBUG):
        answer = target.request("GET", {"authorization": f"Bearer {token}"})
    assert (answer.status, answer.body) == (401, UNAUTHORIZED)
    assert target.invocations == invocations
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_info or ''} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert "Traceback" not in logged
    assert "RecursionError" not in logged
    assert all(record.exc_info is None for record in caplog.records)
