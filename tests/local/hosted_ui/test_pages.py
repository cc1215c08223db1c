"""The hosted UI's templates rendered as its handlers render them, without a local run: every
value escaped, the one style block the CSP allows, the security headers, and the CSRF cookie."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from starlette.requests import Request

from local.hosted_ui import render
from local.hosted_ui.forms import CSRF_COOKIE, CsrfToken, Forms
from local.hosted_ui.sign_in_choice import Step
from local.hosted_ui.signing import Signer

HOSTILE = '"><script>alert(1)</script>'
# Each template with the values its handler passes (render.page adds csrf, error, notice).
PAGES: dict[str, dict[str, Any]] = {
    "login.html": {"query": HOSTILE, "username": HOSTILE, "factors": ("PASSWORD", "EMAIL_OTP")},
    "code.html": {
        "query": HOSTILE,
        "step": Step(HOSTILE, "EMAIL_OTP", HOSTILE),
        "destination": HOSTILE,
        "medium": "email",
    },
    "passkey.html": {
        "query": HOSTILE,
        "step": Step(HOSTILE, "WEB_AUTHN", HOSTILE),
        "options": HOSTILE,
    },
    "signup.html": {
        "query": HOSTILE,
        "policy": HOSTILE,
        "attributes": ("name",),
        "values": {"username": HOSTILE, "name": HOSTILE},
    },
    "confirm.html": {"query": HOSTILE, "username": HOSTILE},
    "forgot_password.html": {"query": HOSTILE, "username": HOSTILE},
    "confirm_forgot_password.html": {"query": HOSTILE, "username": HOSTILE, "policy": HOSTILE},
    "passkey_add.html": {"query": HOSTILE, "options": HOSTILE, "skip": HOSTILE},
    "outbox.html": {"rows": [(HOSTILE, "to", "kind", "123456", "later")]},
    "error.html": {},
}


def _csrf() -> CsrfToken:
    return Forms(Signer()).csrf(Request({"type": "http", "headers": []}))


@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_page_escapes_what_it_shows(template: str) -> None:
    """GIVEN each page with hostile values in every field it shows, and as an error WHEN
    rendered THEN no markup gets through, and a page with an error answers 400."""
    answer = render.page(template, _csrf(), error=HOSTILE, **PAGES[template])
    body = bytes(answer.body).decode()
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert re.search(r"id=error>[^<]*alert\(1\)", body)
    assert answer.status_code == 400


@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_page_has_the_style_its_policy_allows_and_the_security_headers(
    template: str,
) -> None:
    """GIVEN each page WHEN rendered THEN its one style block hashes to the CSP's style-src,
    and it may not be framed, cached or leak its address as a referrer."""
    answer = render.page(template, **PAGES[template])
    style = re.search(r"<style>(.*?)</style>", bytes(answer.body).decode(), re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = answer.headers["content-security-policy"]
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.status_code == 200


def test_a_page_with_a_form_carries_its_token_and_sets_its_cookie() -> None:
    """GIVEN a CSRF pair WHEN the login page is rendered with it THEN the form carries the
    token in Cognito's `_csrf` field and the answer sets the HttpOnly, SameSite cookie."""
    csrf = _csrf()
    answer = render.page("login.html", csrf, query="client_id=c", factors=("PASSWORD",))
    assert f'name=_csrf value="{csrf.form}"' in bytes(answer.body).decode()
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}={csrf.cookie};")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def _login_form(factors: tuple[str, ...]) -> str:
    return bytes(render.page("login.html", _csrf(), query="q", factors=factors).body).decode()


def test_the_login_page_offers_exactly_the_factors_it_is_given() -> None:
    """GIVEN the first factors the pool offers WHEN the login page is rendered THEN it shows
    the password only when PASSWORD is among them and one button per other factor, each
    posting the e-mail to /login/choose without the password."""
    everything = _login_form(("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"))
    assert "id=password name=password" in everything
    for factor in ("email_otp", "sms_otp", "web_authn"):
        assert re.search(
            rf'id=factor-{factor} formaction="/login/choose\?q" formnovalidate>', everything
        )
    password_only = _login_form(("PASSWORD",))
    assert "id=password" in password_only
    assert "/login/choose" not in password_only
    passwordless = _login_form(("EMAIL_OTP",))
    assert "id=password" not in passwordless
    assert "id=factor-email_otp" in passwordless
    assert "id=factor-web_authn" not in passwordless


def test_only_the_passkey_page_may_run_a_script_and_only_a_same_origin_file() -> None:
    """GIVEN the passkey page (script=True) and the login page WHEN rendered THEN the passkey
    page's policy allows scripts from its own origin only, and loads one such file with no
    inline script; the login page's policy allows none (default-src 'none')."""
    step = Step("ada@example.com", "WEB_AUTHN", "session")
    options = '{"challenge":"abc","rpId":"localhost"}'
    answer = render.page(
        "passkey.html", _csrf(), query="q", step=step, options=options, script=True
    )
    body = bytes(answer.body).decode()
    policy = answer.headers["content-security-policy"]
    assert policy.endswith("; script-src 'self'")
    assert "default-src 'none'" in policy
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/passkey.js">']
    assert 'data-options="{&#34;challenge&#34;:&#34;abc&#34;' in body  # escaped, DOM-decoded
    login = render.page("login.html", _csrf(), query="q", factors=("PASSWORD",))
    assert "script-src" not in login.headers["content-security-policy"]
