"""The demo page's server: config from a stage's outputs, and the headers that lock it down."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from stacks.contract import ApiOutput, AuthOutput
from tools.demo import DemoConfig, demo_app
from tools.outputs import OutputsError, StageOutputs

API: dict[str, str] = {
    ApiOutput.API_URL: "https://abc.execute-api.us-east-1.amazonaws.com/",
    ApiOutput.API_ID: "abc",
}
AUTH: dict[str, str] = {
    AuthOutput.USER_POOL_ID: "us-east-1_pool",
    AuthOutput.CLIENT_ID: "client123",
    AuthOutput.HOSTED_UI_URL: "https://demo.auth.us-east-1.amazoncognito.com",
}


def _get(config: DemoConfig, path: str) -> httpx.Response:
    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=demo_app(config))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3002") as c:
            return await c.get(path)

    return asyncio.run(fetch())


def test_config_comes_from_the_stage_outputs() -> None:
    """GIVEN a deployed stage's outputs WHEN the demo config is built THEN the page talks to
    that stage's hosted UI, client and API, and calls itself back at its own URL."""
    config = DemoConfig.from_outputs(StageOutputs(api=API, auth=AUTH))
    assert config.as_json() == {
        "authUrl": "https://demo.auth.us-east-1.amazoncognito.com",
        "clientId": "client123",
        "apiUrl": "https://abc.execute-api.us-east-1.amazonaws.com",
        "redirectUri": "http://localhost:3002/",
        "scopes": "",
    }


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (None, "the demo page needs AuthStack (auth=cognito)"),
        ({k: v for k, v in AUTH.items() if k != AuthOutput.HOSTED_UI_URL}, "no HostedUiUrl output"),
    ],
)
def test_a_stage_without_a_hosted_ui_is_a_one_line_error(
    auth: dict[str, str] | None, message: str
) -> None:
    """GIVEN a stage with another issuer, or an AuthStack from before HostedUiUrl THEN a clear
    OutputsError instead of a page that cannot sign in."""
    with pytest.raises(OutputsError, match=re.escape(message)):
        DemoConfig.from_outputs(StageOutputs(api=API, auth=auth))


def test_the_page_is_served_with_a_strict_content_security_policy() -> None:
    """GIVEN the page WHEN served THEN scripts only from itself, its one style block by hash,
    fetches only to the hosted UI and the API, no forms, no framing, nothing cached."""
    config = DemoConfig.from_outputs(StageOutputs(api=API, auth=AUTH))
    for path in ("/", "/app.js", "/config.json"):
        answer = _get(config, path)
        assert answer.status_code == 200
        csp = answer.headers["content-security-policy"]
        assert csp.startswith("default-src 'none'; script-src 'self'; style-src 'sha256-")
        assert (
            "connect-src 'self' https://demo.auth.us-east-1.amazoncognito.com "
            "https://abc.execute-api.us-east-1.amazonaws.com;"
        ) in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["cache-control"] == "no-store"
    assert _get(config, "/config.json").json()["clientId"] == "client123"
    assert '<script src="app.js"' in _get(config, "/").text
    assert _get(config, "/other").status_code == 404
