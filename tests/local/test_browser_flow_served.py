"""What `local up` serves for the browser flow, through the real process: the printed URLs,
the discovery document, the demo page's config, and CORS for the demo page's origin."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from local.runtime.client import local_aws_environment
from local.state import ROOT
from tests.local.conftest import LocalRun
from tests.local.test_browser_flow import NO_BROWSER, chromium_path
from tools.ports import free_port


def test_local_up_prints_the_demo_page_and_working_sign_up_and_login_urls(
    local_run: LocalRun,
) -> None:
    """GIVEN `local up` WHEN it is ready THEN it prints the demo page and the local sign-up and
    login URLs next to the endpoints, and each URL answers with its form."""
    log = local_run.log_text()
    assert f"demo page: {local_run.demo_url}" in log
    for page in ("signup", "login"):
        match = re.search(rf"(http://localhost:{local_run.auth_port}/{page}\?\S+)", log)
        assert match, f"no {page} URL printed"
        answer = httpx.get(match.group(1))
        assert answer.status_code == 200
        assert "name=password" in answer.text


def test_discovery_lists_every_endpoint_locally_and_the_pools_keys(local_run: LocalRun) -> None:
    """GIVEN the local hosted UI WHEN its discovery document is read THEN authorize, token,
    userInfo, logout and revocation are local URLs that answer, the issuer is the pool's (AWS
    form), and jwks_uri serves the key that signs the pool's tokens."""
    document = httpx.get(f"{local_run.auth_url}/.well-known/openid-configuration").json()
    assert document["issuer"] == local_run.outputs.api["Issuer"]
    assert document["authorization_endpoint"] == f"{local_run.auth_url}/oauth2/authorize"
    assert document["token_endpoint"] == f"{local_run.auth_url}/oauth2/token"
    assert document["userinfo_endpoint"] == f"{local_run.auth_url}/oauth2/userInfo"
    assert document["end_session_endpoint"] == f"{local_run.auth_url}/logout"
    assert document["revocation_endpoint"] == f"{local_run.auth_url}/oauth2/revoke"
    assert document["code_challenge_methods_supported"] == ["S256"]
    keys = httpx.get(document["jwks_uri"]).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kid"] != "dummy"  # the pool's own key, never moto's published one
    unauthenticated = httpx.post(document["token_endpoint"], data={"grant_type": "x"})
    assert unauthenticated.status_code == 400
    assert httpx.get(document["userinfo_endpoint"]).status_code == 401
    assert httpx.post(document["revocation_endpoint"], data={"token": "x"}).status_code == 401


def test_the_demo_page_is_configured_for_this_run_and_the_api_allows_its_origin(
    local_run: LocalRun,
) -> None:
    """GIVEN `local up` WHEN the demo page's config is read THEN it names this run's hosted UI,
    client, API and sign-in choices (the pool's first factors, at the local AWS endpoint); and
    the API's CORS preflight allows the page's origin (the page's URL is
    a registered callback, and CORS follows the callbacks)."""
    config = httpx.get(f"{local_run.demo_url}config.json").json()
    assert config == {
        "authUrl": local_run.auth_url,
        "clientId": local_run.outputs.client_id,
        "apiUrl": local_run.base_url,
        "redirectUri": local_run.demo_url,
        "scopes": "",
        "cognitoEndpoint": local_run.endpoint_url,  # the page's own sign-in (USER_AUTH)
        "signInFactors": ["WEB_AUTHN", "EMAIL_OTP", "PASSWORD"],  # the dev defaults
    }
    origin = local_run.demo_url.rstrip("/")
    preflight = httpx.options(
        f"{local_run.base_url}/user/profile",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin


def test_without_a_browser_the_test_fails_saying_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN no Chromium at CHROMIUM_PATH WHEN the browser tests look for one THEN they fail
    (never skip) with one line naming `make browser`."""
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception) as failure:
        chromium_path()
    assert str(failure.value) == NO_BROWSER.format(path="/nonexistent/chromium")
    assert "make browser" in str(failure.value)


def test_make_demo_serves_the_page_for_a_deployed_stage_from_its_outputs(
    local_run: LocalRun,
) -> None:
    """GIVEN a deployed stage (the local run's CloudFormation stands in for AWS) WHEN
    `python -m tools.demo --stage dev` runs THEN the page's config names that stage's Cognito
    domain (HostedUiUrl), client and API, read from the stack outputs, and the sign-in choices
    and user pool API the page signs in with by itself (DescribeUserPool/-Client)."""
    port = free_port()
    environment = dict(os.environ) | local_aws_environment(local_run.endpoint_url)
    command = [sys.executable, "-m", "tools.demo", "--stage", "dev", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                config = httpx.get(f"http://localhost:{port}/config.json").json()
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0].decode()
                assert time.monotonic() < deadline, "tools.demo did not serve"
                time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    outputs = local_run.outputs
    assert outputs.auth is not None
    assert config == {
        "authUrl": outputs.auth["HostedUiUrl"],
        "clientId": outputs.client_id,
        "apiUrl": outputs.api_url.rstrip("/"),
        "redirectUri": f"http://localhost:{port}/",
        "scopes": "",
        "cognitoEndpoint": local_run.endpoint_url,  # the stage's user pool API
        "signInFactors": ["WEB_AUTHN", "EMAIL_OTP", "PASSWORD"],  # read from the pool
    }
    assert config["authUrl"].endswith(".amazoncognito.com")
