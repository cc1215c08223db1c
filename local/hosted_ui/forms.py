"""Reading what a browser or client sends: query and form parameters (size, UTF-8, each once)
and the pages' CSRF check.

The CSRF pair is a random nonce signed twice by this run (signing.py): once for the
`XSRF-TOKEN` cookie, once for the form's hidden `_csrf` field. A post passes only with a cookie
this server issued and the form token it signed for that cookie's nonce.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from local.hosted_ui.accounts import SignInError
from local.hosted_ui.errors import PageError
from local.hosted_ui.signing import Signer

MAX_PARAM_CHARS = 2048
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 32
CSRF_COOKIE = "XSRF-TOKEN"


def single(items: list[tuple[str, Any]], *, where: str) -> dict[str, str]:
    """Parameters as a dict; a repeated or over-long one is a malformed request."""
    params: dict[str, str] = {}
    for key, value in items:
        if not isinstance(value, str):
            raise PageError(f"{where} parameter '{key[:64]}' must be text")
        if key in params:
            raise PageError(f"{where} parameter '{key[:64]}' appears more than once")
        if len(value) > MAX_PARAM_CHARS:
            raise PageError(f"{where} parameter '{key[:64]}' is longer than {MAX_PARAM_CHARS}")
        params[key] = value
    return params


async def read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body: at most MAX_FORM_BYTES however it is sent
    (chunked too), UTF-8, at most MAX_FORM_FIELDS fields, each once."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise PageError("the body must be application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(f"the body is larger than {MAX_FORM_BYTES} bytes", status=413)
    try:
        pairs = parse_qsl(
            body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
        )
    except UnicodeDecodeError:
        raise PageError("the body is not UTF-8") from None
    except ValueError:
        raise PageError(f"the body has more than {MAX_FORM_FIELDS} fields") from None
    return single(pairs, where="form")


@dataclass(frozen=True)
class CsrfToken:
    """What a page with a form carries: the hidden field's token and the cookie it goes with."""

    form: str  # the `_csrf` field's value
    cookie: str  # the `XSRF-TOKEN` cookie's value

    def set_cookie(self, response: Response) -> None:
        response.set_cookie(CSRF_COOKIE, self.cookie, httponly=True, samesite="lax")


class Forms:
    """The pages' forms: their CSRF pair, and a post read and checked against it."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def _cookie_nonce(self, request: Request) -> str | None:
        """The nonce of a CSRF cookie this server issued, else None: a cookie the client
        chose, or one another localhost port planted, is not ours."""
        return self._signer.unsign(request.cookies.get(CSRF_COOKIE, ""), "csrf-cookie")

    def csrf(self, request: Request) -> CsrfToken:
        """The form's CSRF pair: for the browser's CSRF cookie if ours, else a new nonce; both
        halves signed by this server, so neither can be made up by a client."""
        nonce = self._cookie_nonce(request) or secrets.token_urlsafe(24)
        return CsrfToken(
            form=self._signer.sign(nonce, "csrf-form"),
            cookie=self._signer.sign(nonce, "csrf-cookie"),
        )

    async def read(self, request: Request) -> dict[str, str]:
        """The posted form, checked: size, single values, and the CSRF token."""
        fields = await read_form(request)
        nonce = self._cookie_nonce(request)
        sent = self._signer.unsign(fields.get("_csrf", ""), "csrf-form")
        if nonce is None or sent is None or not hmac.compare_digest(nonce, sent):
            raise PageError("CSRF check failed: reload the page and try again", status=403)
        return fields

    async def with_username(self, request: Request) -> tuple[str, dict[str, str]]:
        """A checked post that must name the user (confirm, resend, the password reset)."""
        fields = await self.read(request)
        username = fields.get("username", "")
        if not username or len(username) > 128:
            raise SignInError("Enter your email.")
        return username, fields
