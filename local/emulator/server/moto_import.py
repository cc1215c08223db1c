"""Import moto's CloudFormation parser without building three boto3 Sessions on the way.

The parser imports moto's EC2 models, which list every region at import time from three new
boto3 Sessions (`Session().get_available_regions(...)`), each loading botocore's endpoint data
again: 0.36 s of the endpoint's ~1 s start, paid by every `local up`, restart and test
endpoint. Here they get moto's own cached Session instead (the one its backends ask for their
regions later anyway): the same data, loaded once. A Session asked for with arguments is still
a new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
from moto.core.base_backend import AccountSpecificBackend


@contextmanager
def _one_default_session() -> Iterator[None]:
    shared = AccountSpecificBackend.get_session()
    original = boto3.Session

    def session(*args: Any, **kwargs: Any) -> boto3.Session:
        return shared if not args and not kwargs else original(*args, **kwargs)

    with mock.patch.object(boto3, "Session", new=session):
        yield


def cloudformation_parsing() -> ModuleType:
    """moto.cloudformation.parsing, imported (the first time) with one shared default Session."""
    with _one_default_session():
        from moto.cloudformation import parsing
    return parsing
