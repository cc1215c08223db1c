"""A scripted user agent for the hosted UI: PKCE pairs, forms with their CSRF token, codes,
and users made in the pool as a confirmed sign-up leaves them."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

PASSWORD = "Correct-Horse-9-battery"


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def create_user(cognito: Any, pool_id: str, email: str, password: str = PASSWORD) -> None:
    """A user as a confirmed sign-up leaves it (CONFIRMED, e-mail verified), made with the
    admin API: for tests about what comes after sign-up, which need no outbox code."""
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )


def csrf_of(html: str) -> str:
    match = re.search(r'name=_csrf value="([^"]+)"', html)
    assert match, f"no CSRF field in the page: {html[:300]}"
    return match.group(1)


def page_error(html: str) -> str:
    match = re.search(r"id=error>([^<]*)<", html)
    assert match, f"no error shown on the page: {html[:300]}"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def fragment_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


@dataclass
class Agent:
    """One browser-like client (its own cookies) of one app client."""

    http: httpx.Client  # no redirects followed: each hop is checked
    client_id: str
    redirect_uri: str
    cognito: Any  # the pool's API, to make users
    pool_id: str

    def params(self, pkce: Pkce | None = None, **overrides: Any) -> dict[str, str]:
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "state": "state-123",
            "scope": "openid email profile",
        }
        if pkce is not None:
            params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
        return {k: v for k, v in (params | overrides).items() if v is not None}

    def submit(self, page: str, params: dict[str, str], **fields: str) -> httpx.Response:
        """GET the form (for its CSRF token), then POST it as a browser would."""
        form = self.http.get(f"/{page}", params=params)
        assert form.status_code == 200, form.text
        return self.http.post(
            f"/{page}", params=params, data={"_csrf": csrf_of(form.text), **fields}
        )

    def sign_up(
        self, params: dict[str, str], email: str, password: str = PASSWORD
    ) -> httpx.Response:
        return self.submit("signup", params, username=email, password=password)

    def log_in(
        self, params: dict[str, str], email: str, password: str = PASSWORD
    ) -> httpx.Response:
        return self.submit("login", params, username=email, password=password)

    def join(self, params: dict[str, str], email: str) -> httpx.Response:
        """A new, confirmed user `email` signs in through the login form."""
        create_user(self.cognito, self.pool_id, email)
        return self.log_in(params, email)

    def code(self, pkce: Pkce, email: str | None = None, **overrides: Any) -> str:
        """A fresh authorization code for a new user (or `email`, signed up already)."""
        params = self.params(pkce, **overrides)
        answer = self.join(params, new_email()) if email is None else self.log_in(params, email)
        assert answer.status_code == 302, answer.text
        assert answer.headers["location"].startswith(self.redirect_uri)
        return query_of(answer.headers["location"])["code"]

    def redeem(self, code: str, pkce: Pkce | None, /, **overrides: Any) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "code": code,
            "redirect_uri": self.redirect_uri,
        }
        if pkce is not None:
            form["code_verifier"] = pkce.verifier
        form = {k: v for k, v in (form | overrides).items() if v is not None}
        return self.http.post("/oauth2/token", data=form)
