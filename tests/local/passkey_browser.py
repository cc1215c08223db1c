"""What the passkey browser tests share: one Chromium per module, a WebAuthn virtual
authenticator per page (Chrome DevTools protocol), and a watch on the pool's answers.

The virtual authenticator is Chromium's own: `navigator.credentials.create/get` run for real
(CTAP2, internal, resident keys, user verification), only the touch is simulated. Keys it holds
can be read and replaced over the same protocol, which is how a test makes "another
authenticator" sign for a registered credential id.
"""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import CDPSession, Page
from playwright.sync_api import Response as PageResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from local.emulator.caller.outbox import read_outbox
from tests.conftest import ROOT
from tests.local.conftest import serve_config_in_thread

# One headless Chromium per test module (test_browser_flow's fixture); each test opens a page.
from tests.local.test_browser_flow import browser as browser
from tools.ports import free_port

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@dataclass
class VirtualAuthenticator:
    """One CDP virtual authenticator attached to one page."""

    session: CDPSession
    authenticator_id: str

    @classmethod
    def attach(cls, page: Page) -> VirtualAuthenticator:
        session = page.context.new_cdp_session(page)
        session.send("WebAuthn.enable", {"enableUI": False})
        added = session.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        return cls(session, str(added["authenticatorId"]))

    def credentials(self) -> list[dict[str, Any]]:
        """What the authenticator holds (credentialId, rpId, userHandle, signCount, ...)."""
        answer = self.session.send(
            "WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id}
        )
        found: list[dict[str, Any]] = answer["credentials"]
        return found

    def replace_key(self, credential: dict[str, Any]) -> None:
        """Keep the credential's id, rp and user but sign with a new P-256 key from now on:
        what a cloned id on another authenticator would send."""
        self.session.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": self.authenticator_id, "credentialId": credential["credentialId"]},
        )
        key = ec.generate_private_key(ec.SECP256R1())
        pkcs8 = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        replacement = {
            "credentialId": credential["credentialId"],
            "isResidentCredential": credential["isResidentCredential"],
            "rpId": credential["rpId"],
            "privateKey": base64.b64encode(pkcs8).decode(),
            "userHandle": credential.get("userHandle", ""),
            "signCount": credential["signCount"] + 1,
        }
        self.session.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.authenticator_id, "credential": replacement},
        )


@dataclass
class PoolAnswers:
    """Every answer the local AWS endpoint gave the page: (operation, status)."""

    endpoint_url: str
    seen: list[tuple[str, int]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("response", self._record)

    def _record(self, response: PageResponse) -> None:
        if not response.url.startswith(self.endpoint_url):
            return
        target = response.request.headers.get("x-amz-target", response.request.method)
        self.seen.append((target.rsplit(".", 1)[-1], response.status))

    def server_errors(self) -> list[tuple[str, int]]:
        return [(operation, status) for operation, status in self.seen if status >= 500]


def messages_sent(endpoint_url: str, email: str) -> int:
    """How many messages the local pool 'sent' to `email` so far (any kind)."""
    return len(read_outbox(endpoint_url, destination=email))


def next_code(endpoint_url: str, email: str, before: int, wait: float = 5.0) -> str:
    """The code of the first message sent to `email` after the first `before` ones (the pool
    names its kinds; a test only needs the one its last step made it send)."""
    deadline = time.monotonic() + wait
    while True:
        sent = read_outbox(endpoint_url, destination=email)
        if len(sent) > before:
            return sent[before].code
        if time.monotonic() >= deadline:
            raise AssertionError(f"no new code for {email} (had {before} messages)")
        time.sleep(0.1)


SDK_DIR = ROOT / "tests" / "sdk"
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Amplify passkeys</title>'
    '</head><body><script src="amplify.js"></script></body></html>'
)


def bundle_amplify(out_dir: Path) -> Path:
    """tests/sdk/browser/passkey_flow.mjs and the pinned Amplify, bundled by the pinned esbuild
    for the browser (one IIFE script, ~0.1 s)."""
    esbuild = SDK_DIR / "node_modules" / ".bin" / "esbuild"
    assert esbuild.exists(), "run `make test` (npm ci in tests/sdk installs esbuild)"
    bundle = out_dir / "amplify.js"
    subprocess.run(
        [
            str(esbuild),
            "browser/passkey_flow.mjs",
            "--bundle",
            "--format=iife",
            "--platform=browser",
            "--log-level=warning",
            f"--outfile={bundle}",
        ],
        cwd=SDK_DIR,
        check=True,
        timeout=60,
    )
    return bundle


@contextmanager
def amplify_page(out_dir: Path) -> Iterator[str]:
    """Serve the bundle and a page that loads it on http://localhost:<port>/ (WebAuthn's
    relying party offline is `localhost`: a secure context on any port); yields the URL."""
    script = bundle_amplify(out_dir).read_bytes()

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def amplify_js(request: Request) -> Response:
        return Response(script, media_type="text/javascript; charset=utf-8")

    app = Starlette(routes=[Route("/", page), Route("/amplify.js", amplify_js)])
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    with serve_config_in_thread(config) as base_url:
        yield base_url.replace("127.0.0.1", "localhost") + "/"
