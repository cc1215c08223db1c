"""One patch to moto's Lambda: GetFunction's Code.Location must download the code.

AWS answers GetFunction with a presigned URL (valid ~10 minutes) to the deployment package.
moto answers `https://awslambda-<region>-tasks.s3.<region>.amazonaws.com/<key>`, which does
not resolve offline. Functions deployed by the CDK CLI come from an S3 asset in this server's
own S3, so answer with a presigned URL for that object on this server (moto's S3 refuses
unsigned reads of private objects, and accepts presigned ones: the front door verifies them).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from moto import settings
from moto.awslambda.models import LambdaFunction

from local.runtime.credentials import credentials_for

_original_get_code = LambdaFunction.get_code
PRESIGNED_SECONDS = 600


@cache
def _signer(endpoint_url: str, region: str) -> Any:
    """An S3 client used only to sign URLs locally (it sends no request), with the run's
    credentials: the endpoint verifies presigned URLs too."""
    credentials = credentials_for(endpoint_url)
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


def code_location(bucket: str, key: str, region: str) -> str:
    """A presigned GET URL for an object in this server's S3 (localhost, path style)."""
    signer = _signer(f"http://localhost:{settings.moto_server_port()}", region)
    url: str = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=PRESIGNED_SECONDS
    )
    return url


def _get_code(self: LambdaFunction) -> dict[str, Any]:
    """Why: moto's Code.Location is an unreachable amazonaws.com URL (see module docstring)."""
    response: dict[str, Any] = _original_get_code(self)
    code = response.get("Code")
    if code is not None and "S3Bucket" in self.code and "S3Key" in self.code:
        code["Location"] = code_location(self.code["S3Bucket"], self.code["S3Key"], self.region)
    return response


def apply() -> None:
    """Install the patch (idempotent)."""
    if LambdaFunction.get_code is not _get_code:
        LambdaFunction.get_code = _get_code  # type: ignore[method-assign]
