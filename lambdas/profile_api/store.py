"""DynamoDB access for profiles keyed by the caller's `sub`.

The client is created on first use, not at import, so a cold start pays only for `import boto3`.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

PROFILE_FIELDS = ("name", "bio", "website", "updatedAt")

# What a DynamoDB call can raise: AWS answered with an error, or no answer came (network, creds).
STORE_ERRORS = (BotoCoreError, ClientError)


@cache
def _client() -> Any:
    return boto3.client("dynamodb")


def _table_name() -> str:
    return os.environ["TABLE_NAME"]


def get_profile(sub: str) -> dict[str, str] | None:
    response = _client().get_item(
        TableName=_table_name(), Key={"sub": {"S": sub}}, ConsistentRead=True
    )
    item = response.get("Item")
    if item is None:
        return None
    return {field: item[field]["S"] for field in PROFILE_FIELDS if field in item}


def put_profile(sub: str, profile: dict[str, str]) -> None:
    item = {"sub": {"S": sub}} | {field: {"S": value} for field, value in profile.items()}
    _client().put_item(TableName=_table_name(), Item=item)
