"""The tutorial's browser flow in headless Chromium, against the shared run with scoped routes
(`scoped_run`, tests/local/conftest.py: requireScopes=true machineClient=true and more).

Open the demo page, sign up on the hosted UI, read the confirmation code on the hosted UI's
local outbox page and type it, come back with the claims shown, call the API with each token
and with none (200, 201, 400, 401, 403 as the API answers), refresh, log out. The same page
after a log-in of an existing user runs too (it needs no code). The run
requires a scope on every route, so the access token from the code grant (which carries every
scope the client may have) passes and the ID token (no scope claim) gets 403, as on AWS.

The browser is the system Chromium (Debian's `chromium`, `make browser`) driven by Playwright;
without one the test fails with the line that says how to get it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from local.runtime.client import local_client
from local.state import ROOT, RunDir, RunState
from tests.local.conftest import LocalRun
from tests.local.hosted_ui.oauth import PASSWORD, create_user, new_email

PROFILE = {
    "name": "Ada Lovelace",
    "bio": "Wrote the first program.",
    "website": "https://ada.example.com",
}
SCREENSHOT = ROOT / "docs" / "demo-page.png"
NO_BROWSER = (
    "no Chromium for the browser tests at {path}: run `make browser` "
    "(apt-get install -y chromium) or set CHROMIUM_PATH=/path/to/chromium"
)


def chromium_path() -> str:
    found = (shutil.which(name) for name in ("chromium", "google-chrome", "google-chrome-stable"))
    path = os.environ.get("CHROMIUM_PATH") or next(filter(None, found), "/usr/bin/chromium")
    if not os.access(path, os.X_OK):
        pytest.fail(NO_BROWSER.format(path=path), pytrace=False)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


def _api_answer(page: Page, expected_status: int) -> dict[str, object]:
    expect(page.locator("#api-status")).to_contain_text(f"HTTP {expected_status}")
    answer: dict[str, object] = json.loads(page.locator("#api-body").inner_text())
    return answer


def watched_page(browser: Browser) -> tuple[Page, list[str]]:
    page = browser.new_page()
    problems: list[str] = []
    # Script errors and CSP violations; the API's 4xx answers are the point, not problems.
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error"
            and "the server responded with a status of 4" not in message.text
            else None
        ),
    )
    return page, problems


def _open_demo_page(page: Page, run: LocalRun) -> None:
    first = page.goto(run.demo_url)
    assert first is not None
    csp = first.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert f"connect-src 'self' {run.auth_url} {run.base_url}" in csp
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_the_tutorials_browser_flow_end_to_end(
    scoped_run: LocalRun, browser: Browser, tmp_path: Path
) -> None:
    """GIVEN `local up` with scoped routes WHEN a person uses the demo page THEN sign-up on the
    hosted UI asks for the code; the hosted UI's outbox page (another tab) shows it; typing it
    lands back on the page with the decoded tokens; then the demo page works (below)."""
    started = time.perf_counter()
    email = new_email()
    page, problems = watched_page(browser)
    _open_demo_page(page, scoped_run)
    page.click("#signup")
    page.wait_for_url(f"{scoped_run.auth_url}/signup?*")
    page.fill("#username", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{scoped_run.auth_url}/confirm?*")
    expect(page.locator("#username")).to_have_value(email)

    outbox = browser.new_page()  # what a developer does: open the outbox, copy the code
    listed = outbox.goto(f"{scoped_run.auth_url}/_local/outbox")
    assert listed is not None
    assert listed.status == 200, listed.text()
    row = outbox.locator("#outbox tbody tr", has_text=email).first
    code = row.locator("td").nth(3).inner_text().strip()
    outbox.close()
    assert code.isdigit(), code
    assert len(code) == 6, code

    page.fill("#code", code)
    page.click("button[name=confirm]")
    page.wait_for_url(scoped_run.demo_url)  # the code and state are gone from the address bar
    _use_the_demo_page(page, scoped_run, email, tmp_path, problems)
    print(f"browser flow took {time.perf_counter() - started:.1f} s")


def test_the_demo_page_after_logging_in_an_existing_user(
    scoped_run: LocalRun, browser: Browser, tmp_path: Path
) -> None:
    """GIVEN `local up` with scoped routes and a confirmed user WHEN the person logs in through
    the hosted UI from the demo page THEN the demo page works (below)."""
    email = new_email()
    outputs = RunState.read(RunDir(scoped_run.state_dir))
    assert outputs is not None
    pool_id = outputs.outputs.user_pool_id
    assert pool_id is not None
    create_user(local_client("cognito-idp", scoped_run.endpoint_url), pool_id, email)
    page, problems = watched_page(browser)
    _open_demo_page(page, scoped_run)
    page.click("#login")
    page.wait_for_url(f"{scoped_run.auth_url}/login?*")
    page.fill("#username", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(scoped_run.demo_url)
    _use_the_demo_page(page, scoped_run, email, tmp_path, problems)


def _use_the_demo_page(
    page: Page, scoped_run: LocalRun, email: str, tmp_path: Path, problems: list[str]
) -> None:
    """Signed in on the demo page: the decoded tokens are shown; GET shows profile null; POST
    stores; GET shows it; a bad POST shows the API's 400; no token gets 401; the ID token gets
    403; refresh issues new tokens; log out ends the hosted UI session; tokens never reach
    web storage; no script error or CSP violation on the way."""
    expect(page.locator("#status")).to_have_text(f"Signed in as {email}")
    claims = json.loads(page.locator("#id-token-claims").inner_text())
    assert claims["email"] == email
    assert claims["token_use"] == "id"
    access = json.loads(page.locator("#access-token-claims").inner_text())
    assert {"openid", "email", "profile"} <= set(access["scope"].split())
    expect(page.locator("#id-time-left")).to_contain_text("expires in 5")  # 59:xx left
    # Passkeys need aws.cognito.signin.user.admin, which this sign-in did not ask for.
    expect(page.locator("#register-passkey")).to_be_hidden()
    assert json.loads(page.locator("#id-token-header").inner_text())["alg"] == "RS256"

    page.check("#use-access")
    page.click("#get-profile")
    assert _api_answer(page, 200)["profile"] is None

    for field, value in PROFILE.items():
        page.fill(f"#profile-{field}", value)
    page.click("#post-profile")
    stored = _api_answer(page, 201)["profile"]
    assert isinstance(stored, dict)
    assert PROFILE.items() <= stored.items()
    page.click("#get-profile")
    answer = _api_answer(page, 200)
    assert answer["profile"] == stored
    assert answer["sub"] == claims["sub"]
    page.screenshot(path=str(_screenshot_path(tmp_path)), full_page=True)

    page.fill("#profile-website", "http://insecure.example.com")
    page.click("#post-profile")
    assert "website" in str(_api_answer(page, 400)["message"])

    page.check("#use-none")
    page.click("#get-profile")
    assert _api_answer(page, 401) == {"message": "Unauthorized"}

    page.check("#use-id")
    page.click("#get-profile")
    assert _api_answer(page, 403) == {"message": "Forbidden"}

    before = page.locator("#access-token-claims").inner_text()
    page.click("#refresh")
    expect(page.locator("#status")).to_contain_text("(tokens refreshed)")
    after = json.loads(page.locator("#access-token-claims").inner_text())
    assert after["jti"] != json.loads(before)["jti"]
    assert after["scope"] == access["scope"]

    storage = page.evaluate("JSON.stringify([{...sessionStorage}, {...localStorage}])")
    assert "eyJ" not in storage, "a token reached web storage"
    # Cookies ignore ports, so the hosted UI's own two (HttpOnly) are all there is on localhost.
    cookies = page.context.cookies(scoped_run.demo_url)
    assert {c["name"] for c in cookies} <= {"XSRF-TOKEN", "cognito", "cognito-signup"}
    assert all(c["httpOnly"] and "eyJ" not in c["value"] for c in cookies)

    page.click("#logout")
    page.wait_for_url(scoped_run.demo_url)
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#signed-in")).to_be_hidden()
    page.click("#login")  # the hosted UI session is gone: the login form, not a silent sign-in
    page.wait_for_url(f"{scoped_run.auth_url}/login?*")
    expect(page.locator("#password")).to_be_visible()

    assert problems == []


def _screenshot_path(tmp_path: Path) -> Path:
    """docs/demo-page.png when UPDATE_SCREENSHOTS=1 (README's picture), else a scratch file."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        return SCREENSHOT
    return tmp_path / "demo-page.png"
