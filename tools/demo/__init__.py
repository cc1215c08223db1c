"""The browser demo page: one static HTML file and two scripts, served with a strict CSP.

The same page works against the local run (`make local` serves it) and against a deployed
stage (`make demo STAGE=dev`): only its config.json differs (hosted UI, client, API, its own
URL, and the pool's sign-in choices when the page signs in by itself: tools.demo.choices). The
page may connect to exactly the hosted UI, the API and (for its own sign-in) the user pool API,
run only its own scripts and its one style block, and be framed by nobody.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stacks.contract import DEMO_PAGE_URL, AuthOutput
from tools.demo.choices import DirectSignIn
from tools.outputs import OutputsError, StageOutputs

HERE = Path(__file__).parent


@dataclass(frozen=True)
class DemoConfig:
    """What the page needs: where to sign in, which client, which API, and its own URL."""

    auth_url: str  # the hosted UI's base URL (the Cognito domain, or the local one)
    client_id: str
    api_url: str  # the API's base URL, without a trailing slash
    redirect_uri: str  # this page's URL: a callback and sign-out URL of the client
    scopes: str = ""  # empty: every scope the client may have (Cognito's rule)
    direct: DirectSignIn | None = None  # the page's own USER_AUTH sign-in, when the pool has it

    @classmethod
    def from_outputs(cls, outputs: StageOutputs, redirect_uri: str = DEMO_PAGE_URL) -> DemoConfig:
        if outputs.auth is None or outputs.client_id is None:
            raise OutputsError("the demo page needs AuthStack (auth=cognito): this stage has none")
        auth_url = outputs.auth.get(AuthOutput.HOSTED_UI_URL)
        if not auth_url:
            raise OutputsError(f"AuthStack has no {AuthOutput.HOSTED_UI_URL} output: redeploy it")
        return cls(auth_url, outputs.client_id, outputs.api_url.rstrip("/"), redirect_uri)

    def as_json(self) -> dict[str, object]:
        page: dict[str, object] = {
            "authUrl": self.auth_url.rstrip("/"),
            "clientId": self.client_id,
            "apiUrl": self.api_url.rstrip("/"),
            "redirectUri": self.redirect_uri,
            "scopes": self.scopes,
        }
        return page | (self.direct.as_json() if self.direct else {})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(config: DemoConfig, html: str) -> str:
    """Only this page's script, its one style block, and fetches to the hosted UI and API (and
    to the user pool API when the page signs in by itself)."""
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles
    )
    origins = [_origin(config.auth_url), _origin(config.api_url)]
    origins += [_origin(config.direct.endpoint)] if config.direct else []
    connect = " ".join(dict.fromkeys(origins))
    return (
        "default-src 'none'; script-src 'self'; "
        f"style-src {hashes}; connect-src 'self' {connect}; img-src 'none'; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def demo_app(config: DemoConfig) -> Starlette:
    """The page, its scripts and its config.json; nothing else."""
    html = (HERE / "index.html").read_text()
    scripts = {name: (HERE / name).read_text() for name in ("app.js", "choices.js")}
    headers = {
        "content-security-policy": content_security_policy(config, html),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    }

    async def page(request: Request) -> Response:
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)

    async def script(request: Request) -> Response:
        source = scripts[request.url.path.lstrip("/")]
        return Response(source, media_type="text/javascript; charset=utf-8", headers=headers)

    async def config_json(request: Request) -> Response:
        return JSONResponse(config.as_json(), headers=headers)

    return Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/app.js", script, methods=["GET"]),
            Route("/choices.js", script, methods=["GET"]),
            Route("/config.json", config_json, methods=["GET"]),
        ]
    )
