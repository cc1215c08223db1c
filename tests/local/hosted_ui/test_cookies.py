"""The hosted UI's signed cookies and CSRF pair, without a local run: a value is honoured only
when this run signed it, for the same purpose, and (for sessions) recently enough."""

from __future__ import annotations

import asyncio
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from local.hosted_ui.errors import PageError
from local.hosted_ui.forms import CSRF_COOKIE, Forms
from local.hosted_ui.sessions import (
    PENDING_SIGNUP_SECONDS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    SIGNUP_COOKIE,
    Sessions,
)
from local.hosted_ui.signing import Signer
from local.hosted_ui.tokens import SignedIn


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _request(**cookies: str) -> Request:
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return Request({"type": "http", "headers": [(b"cookie", header.encode())]})


def _cookie(response: Response, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    for value in response.headers.getlist("set-cookie"):
        jar.load(value)
    return jar[name].value


def _post(forms: Forms, cookie: str, token: str) -> int:
    """The status a form post gets: 200 when read, else the refusal's."""
    body = urlencode({"_csrf": token, "username": "user@example.com"}).encode()

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"cookie", f"{CSRF_COOKIE}={cookie}".encode()),
    ]
    request = Request({"type": "http", "method": "POST", "headers": headers}, receive)
    try:
        asyncio.run(forms.read(request))
    except PageError as refused:
        return refused.status if "CSRF check failed" in str(refused) else 400
    return 200


def test_a_form_token_with_the_cookie_this_server_issued_passes() -> None:
    """GIVEN a form loaded from this server WHEN it is posted with its token THEN accepted;
    a later page for the same cookie keeps its nonce, so either token passes with it."""
    forms = Forms(Signer())
    first = forms.csrf(_request())
    assert _post(forms, first.cookie, first.form) == 200
    again = forms.csrf(_request(**{CSRF_COOKIE: first.cookie}))
    assert _post(forms, first.cookie, again.form) == 200


def test_a_csrf_pair_signed_by_another_run_is_refused() -> None:
    """GIVEN a CSRF cookie and its form token, both signed with another run's secret (a server
    on another localhost port planting its own pair) WHEN posted here THEN 403."""
    foreign = Forms(Signer()).csrf(_request())
    assert _post(Forms(Signer()), foreign.cookie, foreign.form) == 403


def test_the_cookie_value_sent_as_the_form_token_is_refused() -> None:
    """GIVEN a browser's own CSRF cookie (the right nonce, signed for the cookie) WHEN its
    value is posted as the form's token THEN 403: a value signed for one purpose is refused
    for another."""
    forms = Forms(Signer())
    pair = forms.csrf(_request())
    assert _post(forms, pair.cookie, pair.cookie) == 403
    assert _post(forms, pair.form, pair.form) == 403


def test_a_forged_csrf_cookie_is_refused_and_replaced() -> None:
    """GIVEN a CSRF cookie this server did not sign WHEN posted with the same value as token
    THEN 403; a page loaded with it carries a new pair of this server's, which passes."""
    forms = Forms(Signer())
    assert _post(forms, "forged.value", "forged.value") == 403
    pair = forms.csrf(_request(**{CSRF_COOKIE: "forged.value"}))
    assert pair.cookie != "forged.value"
    assert _post(forms, pair.cookie, pair.form) == 200


def test_a_token_for_another_browser_s_cookie_is_refused() -> None:
    """GIVEN two browsers' CSRF pairs from this server WHEN one posts the other's token with
    its own cookie THEN 403."""
    forms = Forms(Signer())
    first, second = forms.csrf(_request()), forms.csrf(_request())
    assert _post(forms, second.cookie, first.form) == 403


def _started(sessions: Sessions, client_id: str = "client-1") -> str:
    response = Response()
    sessions.start(response, "user@example.com", client_id, "refresh-1", SignedIn(auth_time=1))
    return _cookie(response, SESSION_COOKIE)


def test_a_session_is_found_by_its_cookie_for_its_client_only() -> None:
    """GIVEN a started session WHEN its cookie comes back THEN it is found for its client,
    not for another."""
    sessions = Sessions(Signer())
    cookie = _started(sessions)
    found = sessions.find(_request(**{SESSION_COOKIE: cookie}), "client-1")
    assert found is not None
    assert found.username == "user@example.com"
    assert sessions.find(_request(**{SESSION_COOKIE: cookie}), "client-2") is None


def test_a_session_past_its_hour_is_gone() -> None:
    """GIVEN a session WHEN SESSION_SECONDS have passed THEN its cookie finds nothing."""
    clock = _Clock()
    sessions = Sessions(Signer(), clock=clock)
    cookie = _started(sessions)
    clock.now += SESSION_SECONDS + 1
    assert sessions.find(_request(**{SESSION_COOKIE: cookie}), "client-1") is None


def test_a_session_cookie_signed_more_than_an_hour_ago_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a session cookie WHEN its signature is older than SESSION_SECONDS (whatever the
    record says) THEN it finds nothing."""
    sessions = Sessions(Signer())
    cookie = _started(sessions)
    later = time.time() + SESSION_SECONDS + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.find(_request(**{SESSION_COOKIE: cookie}), "client-1") is None


def test_a_session_cookie_from_another_run_or_purpose_is_refused() -> None:
    """GIVEN a session id signed by another run, one signed for the CSRF cookie, or the bare
    id WHEN sent as the session cookie THEN nothing is found."""
    signer = Signer()
    sessions = Sessions(signer)
    cookie = _started(sessions)
    session_id = signer.unsign(cookie, "session")
    assert session_id is not None
    for forged in (
        Signer().sign(session_id, "session"),
        signer.sign(session_id, "csrf-cookie"),
        session_id,
    ):
        assert sessions.find(_request(**{SESSION_COOKIE: forged}), "client-1") is None


def test_signing_out_forgets_the_session() -> None:
    """GIVEN a session WHEN it is ended THEN a copy of its cookie finds nothing."""
    sessions = Sessions(Signer())
    request = _request(**{SESSION_COOKIE: _started(sessions)})
    sessions.end(request)
    assert sessions.find(request, "client-1") is None


def test_a_pending_sign_up_lasts_its_quarter_hour_only() -> None:
    """GIVEN a sign-up held for its code WHEN its cookie comes back THEN it is found, and
    after PENDING_SIGNUP_SECONDS it is not; a session-purpose signature of its id is refused."""
    clock = _Clock()
    signer = Signer()
    sessions = Sessions(signer, clock=clock)
    response = Response()
    sessions.hold_sign_up(response, "new@example.com", "Secret-1", "client-1")
    cookie = _cookie(response, SIGNUP_COOKIE)
    pending = sessions.pending(_request(**{SIGNUP_COOKIE: cookie}))
    assert pending is not None
    assert (pending.username, pending.client_id) == ("new@example.com", "client-1")
    pending_id = signer.unsign(cookie, "sign-up")
    assert pending_id is not None
    crossed = signer.sign(pending_id, "session")
    assert sessions.pending(_request(**{SIGNUP_COOKIE: crossed})) is None
    clock.now += PENDING_SIGNUP_SECONDS + 1
    assert sessions.pending(_request(**{SIGNUP_COOKIE: cookie})) is None
