"""Talking to the local AWS endpoint: its fixed account, region and credentials, in one place.

The emulator accepts any credentials; fixed ones keep a developer's real AWS keys out of it.
Every boto3 client, CLI and handler process of a local run gets them from here.
"""

from __future__ import annotations

from typing import Any

import boto3

LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def local_aws_environment(endpoint_url: str) -> dict[str, str]:
    """What every AWS client (CLI, boto3, handlers) needs to talk to the emulator only."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        **TEST_CREDENTIALS,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def local_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client bound to the emulator with its test credentials, whatever the shell has."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
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
