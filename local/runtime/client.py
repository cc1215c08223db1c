"""Talking to the local AWS endpoint: its fixed account and region, the run's credentials.

The endpoint refuses unsigned and foreign-signed requests (local.emulator.server.security); every
boto3 client, CLI, handler process and HTTP call of a local run signs with the run's own
credentials, found by local.runtime.credentials.credentials_for (never a developer's real
AWS keys, never moto's public `testing` pair).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import boto3
import httpx

from local.runtime.credentials import credentials_for
from local.runtime.signing import sign_headers
from tools.tls import shared_tls_context

LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"


def local_aws_environment(endpoint_url: str) -> dict[str, str]:
    """What every AWS client (CLI, boto3, handlers) needs to talk to the emulator only."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        **credentials_for(endpoint_url).environment(),
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def local_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client bound to the emulator with the run's credentials, whatever the shell has."""
    credentials = credentials_for(endpoint_url)
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )


class LocalClients:
    """boto3 clients for one endpoint, created on first use."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = local_client(service, self.endpoint_url)
        return self._cache[service]


class _SigV4(httpx.Auth):
    """Signs each request with the run's credentials (SigV4, as AWS's SDKs do)."""

    requires_request_body = True

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        credentials = credentials_for(self.endpoint_url)
        keep = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "host")}
        signed = sign_headers(credentials, request.method, str(request.url), keep, request.content)
        for name, value in signed.items():
            request.headers[name] = value
        yield request


def local_http(endpoint_url: str, *, timeout: float = 30) -> httpx.Client:
    """An HTTP client for the endpoint's non-AWS paths (`/_local/*`, `/moto-api/*`), which are
    secrets too: every request it sends is signed with the run's credentials."""
    return httpx.Client(
        base_url=endpoint_url,
        auth=_SigV4(endpoint_url),
        timeout=timeout,
        verify=shared_tls_context(),
    )
