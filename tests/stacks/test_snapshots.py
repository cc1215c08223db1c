"""Snapshot of every configuration's templates: any change to what deploys shows in review.

Asset hashes are masked so editing a handler's code does not break the snapshot; changes to
the infrastructure itself do.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.stacks.configurations import CONFIGURATIONS
from tests.stacks.conftest import Synthesized

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def mask_asset_hashes(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: mask_asset_hashes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_asset_hashes(item) for item in value]
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    return value


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_synthesized_templates_match_snapshot(
    synthesized: dict[str, Synthesized], json_snapshot: SnapshotAssertion, name: str
) -> None:
    """GIVEN a configuration WHEN synthesized THEN its templates equal the reviewed snapshot."""
    synth = synthesized[name]
    templates = {"api": synth.api_json, "auth": synth.auth_json}
    assert mask_asset_hashes(templates) == json_snapshot


def test_masking_hides_asset_hashes_only() -> None:
    """GIVEN an S3Key with an asset hash WHEN masked THEN only the hash is replaced."""
    key = "a" * 64 + ".zip"
    assert mask_asset_hashes({"S3Key": key, "n": 1}) == {"S3Key": "<asset-hash>.zip", "n": 1}
