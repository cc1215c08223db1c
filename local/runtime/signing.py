"""Sign a request to the local AWS endpoint as AWS's SDKs do (SigV4, botocore's signer).

For callers with no boto3 client for the request: the run's control calls, the endpoint's
health probe, `/_local/*` reads. The endpoint's side of SigV4 (verifying) is
local.emulator.server.sigv4.
"""

from __future__ import annotations

from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.runtime.credentials import RunCredentials


def sign_headers(
    credentials: RunCredentials,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    service: str = "local",
) -> dict[str, str]:
    """The headers that sign a request (for callers with no boto3 client for it: the run's
    control calls, the endpoint's health probe)."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    signer = SigV4Auth(
        Credentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        ),
        service,
        "us-east-1",
    )
    signer.add_auth(request)
    signed: dict[str, Any] = dict(request.headers.items())
    return {str(name): str(value) for name, value in signed.items()}
