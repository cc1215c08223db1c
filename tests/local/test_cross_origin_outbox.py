"""A page on another origin cannot read the local outbox (issue 30, finding 1), over the real run.

The outbox shows every code the local pool sent: a page that reads it can reset a local
account's password. So nothing under `/_local/` answers CORS on any port, and the hosted UI
answers CORS only on the endpoints Cognito's domain serves to browsers (token, revoke,
userInfo, discovery). The developer still reads the outbox: the page itself, the CLI, and the
signed endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from local.emulator.caller.outbox import latest_code
from local.runtime.client import local_client
from tests.local.conftest import LocalRun, local_cli
from tests.local.test_browser_flow import chromium_path

pytestmark = pytest.mark.local

EVIL_PAGE = "http://127.0.0.1:9/evil.html"  # never served: Playwright answers it below
# As the probe ran it: the user allowed local-network access, so only CORS decides.
LOCAL_NETWORK_ALLOWED = (
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
    "PrivateNetworkAccessSendPreflights"
)
PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=[LOCAL_NETWORK_ALLOWED]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def signed_up(local_run: LocalRun) -> str:
    """A user who signed up, so the outbox holds a code; its e-mail."""
    email = f"victim-{uuid.uuid4().hex[:10]}@example.com"
    client_id = local_run.outputs.client_id
    assert client_id is not None
    local_client("cognito-idp", local_run.endpoint_url).sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def _evil_fetch(browser: Browser, url: str, init: dict[str, Any] | None = None) -> dict[str, Any]:
    """`fetch(url)` from a page on another origin, as an attacker's page runs it: the answer's
    status and text when the browser lets the page read it, else the error."""
    page = browser.new_page()
    try:
        page.route(
            EVIL_PAGE,
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<html><body>evil</body></html>"
            ),
        )
        page.goto(EVIL_PAGE)
        script = """async ([url, init]) => {
            try {
                const answer = await fetch(url, init || {});
                return {read: true, status: answer.status, text: await answer.text()};
            } catch (error) { return {read: false, error: String(error)}; }
        }"""
        result: dict[str, Any] = page.evaluate(script, [url, init])
        return result
    finally:
        page.close()


def test_a_page_on_another_origin_cannot_read_the_hosted_uis_outbox_in_chromium(
    local_run: LocalRun, browser: Browser, signed_up: str
) -> None:
    """GIVEN a code in the outbox WHEN a page on another origin fetches the hosted UI's
    `/_local/outbox` in Chromium THEN the browser refuses to hand it the answer (no CORS)."""
    stolen = _evil_fetch(browser, f"{local_run.auth_url}/_local/outbox")
    assert stolen["read"] is False, stolen.get("text", "")[:300]
    assert "Failed to fetch" in stolen["error"]


def test_a_page_on_another_origin_still_reads_the_token_endpoints_answer_in_chromium(
    local_run: LocalRun, browser: Browser
) -> None:
    """GIVEN a browser app on its own origin WHEN it posts to the hosted UI's /oauth2/token and
    reads its discovery THEN it reads both answers, as from Cognito's domain."""
    token = _evil_fetch(
        browser,
        f"{local_run.auth_url}/oauth2/token",
        {
            "method": "POST",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
            "body": "grant_type=authorization_code&client_id=nobody&code=x",
        },
    )
    assert token["read"] is True, token
    assert token["status"] in (400, 401)
    assert '"error"' in token["text"]
    discovery = _evil_fetch(browser, f"{local_run.auth_url}/.well-known/openid-configuration")
    assert discovery["read"] is True, discovery
    assert "token_endpoint" in discovery["text"]


def _ports(run: LocalRun) -> list[str]:
    return [run.base_url, run.auth_url, run.demo_url.rstrip("/"), run.endpoint_url]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nothing_under_local_answers_cors_on_any_port(
    local_run: LocalRun, signed_up: str, method: str
) -> None:
    """GIVEN a foreign Origin WHEN it asks for /_local/outbox on the API, the hosted UI, the
    demo page and the AWS endpoint THEN no answer carries Access-Control-Allow-Origin."""
    for base in _ports(local_run):
        answer = httpx.request(
            method, f"{base}/_local/outbox", headers={"Origin": "https://evil.example"}
        )
        allowed = answer.headers.get("access-control-allow-origin")
        assert allowed is None, f"{base}: {answer.status_code} {allowed}"
        assert signed_up not in answer.text or base == local_run.auth_url


def test_no_preflight_under_local_is_allowed_on_any_port(local_run: LocalRun) -> None:
    """GIVEN a foreign page WHEN its browser preflights /_local/outbox on any port THEN no
    answer allows it: the browser never sends the request."""
    for base in _ports(local_run):
        answer = httpx.request(
            "OPTIONS",
            f"{base}/_local/outbox",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert "access-control-allow-origin" not in answer.headers, base


def test_the_hosted_ui_answers_cors_only_on_its_browser_endpoints(local_run: LocalRun) -> None:
    """GIVEN a foreign Origin WHEN it calls each hosted UI route THEN only token, revoke,
    userInfo and discovery carry Access-Control-Allow-Origin."""
    origin = {"Origin": "https://app.example"}
    base = local_run.auth_url
    with_cors = {
        "/oauth2/token": httpx.post(f"{base}/oauth2/token", headers=origin, data={"a": "b"}),
        "/oauth2/revoke": httpx.post(f"{base}/oauth2/revoke", headers=origin, data={"a": "b"}),
        "/oauth2/userInfo": httpx.get(f"{base}/oauth2/userInfo", headers=origin),
        "/.well-known/openid-configuration": httpx.get(
            f"{base}/.well-known/openid-configuration", headers=origin
        ),
    }
    for path, answer in with_cors.items():
        assert answer.headers.get("access-control-allow-origin") == "*", path
    for path in ("/login", "/signup", "/confirm", "/forgotPassword", "/_local/outbox", "/logout"):
        answer = httpx.get(f"{base}{path}", headers=origin)
        assert "access-control-allow-origin" not in answer.headers, path


def test_the_developer_still_reads_the_outbox_page_cli_and_signed_endpoint(
    local_run: LocalRun, signed_up: str
) -> None:
    """GIVEN a code sent WHEN the developer opens the outbox page, runs `local outbox` and reads
    the signed endpoint THEN each shows the code."""
    code = latest_code(local_run.endpoint_url, signed_up)
    page = httpx.get(f"{local_run.auth_url}/_local/outbox")
    assert page.status_code == 200
    assert code in page.text
    listed = local_cli(local_run.state_dir, "outbox", "--email", signed_up)
    assert listed.returncode == 0, listed.stderr
    assert code in listed.stdout
