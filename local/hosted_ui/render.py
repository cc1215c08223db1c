"""The hosted UI's pages as HTML answers: Jinja2 templates (templates/, every value escaped)
with the headers every page carries.

No inline script at all (only the passkey page loads one same-origin script file); the only
style is one block whose hash the Content-Security-Policy allows; no page may be framed, cached
or sniffed as another type.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local.hosted_ui.forms import CsrfToken

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.note{color:#555}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Forms post to this host, whose answer may redirect to a registered callback.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'"
)
_PAGE_HEADERS = NO_STORE | {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
# The passkey page's one script is a same-origin file (static/passkey.js); no page runs
# inline script.
_SCRIPT_PAGE_HEADERS = _PAGE_HEADERS | {
    "content-security-policy": f"{CONTENT_SECURITY_POLICY}; script-src 'self'"
}
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=StrictUndefined,  # a value a template names but the caller forgot is an error
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals["style"] = Markup(STYLE)  # noqa: S704 - a constant of this module


def page(
    template: str,
    csrf: CsrfToken | None = None,
    *,
    status: int | None = None,
    error: str | None = None,
    notice: str | None = None,
    script: bool = False,
    **values: object,
) -> HTMLResponse:
    """One page; a page showing an error answers 400 unless `status` says otherwise. With a
    CSRF pair the form carries its token and the answer sets its cookie. A `script` page may
    load same-origin scripts (the passkey page's)."""
    body = TEMPLATES.get_template(template).render(
        csrf=csrf.form if csrf else None, error=error, notice=notice, **values
    )
    if status is None:
        status = 200 if error is None else 400
    headers = _SCRIPT_PAGE_HEADERS if script else _PAGE_HEADERS
    response = HTMLResponse(body, status_code=status, headers=headers)
    if csrf is not None:
        csrf.set_cookie(response)
    return response


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every answer: no page or JSON is ever read as
    another type (a JSON error with user text must not become HTML)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["x-content-type-options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_header)
