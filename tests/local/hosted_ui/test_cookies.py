"""The hosted UI's signed cookies and CSRF pair, without a local run: a value is honoured only
when this run signed it, for the same purpose, and (for sessions) recently enough. The session
cookie carries the pool's sign-in handle; whether it still signs in is the pool's to say."""

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
from local.hosted_ui.pool import Pool
from local.hosted_ui.pool_oauth import PoolOAuth
from local.hosted_ui.sessions import (
    PENDING_SIGNUP_SECONDS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    SIGNUP_COOKIE,
    Sessions,
)
from local.hosted_ui.sign_in import SignIn
from local.hosted_ui.signing import Signer


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


HANDLE = "pool-session-handle"


def _started(sessions: Sessions, handle: str = HANDLE) -> str:
    response = Response()
    sessions.start(response, handle)
    return _cookie(response, SESSION_COOKIE)


def test_a_session_cookie_gives_back_the_pools_handle() -> None:
    """GIVEN a session started with the pool's handle WHEN its cookie comes back THEN the
    handle (and not the bare handle: the cookie is signed); without a cookie, none."""
    sessions = Sessions(Signer())
    cookie = _started(sessions)
    assert cookie != HANDLE
    assert sessions.handle(_request(**{SESSION_COOKIE: cookie})) == HANDLE
    assert sessions.handle(_request()) is None


def test_a_session_cookie_signed_more_than_an_hour_ago_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a session cookie WHEN its signature is older than SESSION_SECONDS (whatever the
    pool says) THEN it gives no handle."""
    sessions = Sessions(Signer())
    cookie = _started(sessions)
    later = time.time() + SESSION_SECONDS + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.handle(_request(**{SESSION_COOKIE: cookie})) is None


def test_a_session_cookie_from_another_run_or_purpose_is_refused() -> None:
    """GIVEN the handle signed by another run, one signed for the CSRF cookie, or the bare
    handle WHEN sent as the session cookie THEN no handle."""
    signer = Signer()
    sessions = Sessions(signer)
    for forged in (
        Signer().sign(HANDLE, "session"),
        signer.sign(HANDLE, "csrf-cookie"),
        HANDLE,
    ):
        assert sessions.handle(_request(**{SESSION_COOKIE: forged})) is None


class _Cognito:
    """Just enough of cognito-idp for Pool: a pool with no policy or attributes."""

    def describe_user_pool(self, **_: object) -> dict[str, object]:
        return {"UserPool": {}}


class _EndingPool(PoolOAuth):
    """The pool's client, recording the handles it is asked to end (no pool is reached)."""

    def __init__(self) -> None:
        super().__init__("https://127.0.0.1:9", "local_pool")
        self.ended: list[str] = []

    def end(self, session: str) -> None:
        self.ended.append(session)


def test_signing_out_asks_the_pool_to_forget_the_session() -> None:
    """GIVEN a session WHEN it is signed out THEN the pool is asked to end its handle (so a
    copy of its cookie signs in no more); a cookie this run did not sign is never sent."""
    signer = Signer()
    sessions = Sessions(signer)
    pool = _EndingPool()
    sign_in = SignIn(Pool(_Cognito(), "local_pool"), pool, sessions, Forms(signer))
    sign_in.sign_out(_request(**{SESSION_COOKIE: _started(sessions)}))
    sign_in.sign_out(_request(**{SESSION_COOKIE: Signer().sign("other", "session")}))
    sign_in.sign_out(_request())
    assert pool.ended == [HANDLE]


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
