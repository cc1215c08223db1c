"""The emulator's two sides share one definition of what crosses the wire (local.emulator.wire)."""

from __future__ import annotations

import json

import pytest

from local.emulator.wire import OutboxMessage

_MESSAGE = OutboxMessage(
    user_pool_id="us-east-1_Pool",
    username="alice",
    destination="alice@example.com",
    kind="signup",
    code="012345",
    sent_at=1_700_000_000.25,
    expires_at=1_700_086_400.25,
)


def test_given_an_outbox_message_when_the_server_lists_it_then_the_caller_reads_the_same() -> None:
    """GIVEN a message a pool sent WHEN the server writes it as JSON and the caller reads that
    JSON back THEN the caller holds the very same message (codes keep their leading zeros)."""
    listed = json.loads(json.dumps({"messages": [_MESSAGE.to_json()]}))
    assert [OutboxMessage.from_json(item) for item in listed["messages"]] == [_MESSAGE]


def test_given_an_outbox_message_when_written_then_it_uses_the_outbox_s_camel_case_keys() -> None:
    """GIVEN a message WHEN written for `GET /_local/outbox` THEN its keys are the documented
    camelCase ones."""
    assert set(_MESSAGE.to_json()) == {
        "userPoolId",
        "username",
        "destination",
        "kind",
        "code",
        "sentAt",
        "expiresAt",
        "subject",
        "message",
    }


def test_given_an_item_without_a_field_when_read_then_it_is_a_key_error() -> None:
    """GIVEN an outbox item missing a field WHEN the caller reads it THEN KeyError, which
    read_outbox turns into its OutboxError."""
    item = _MESSAGE.to_json()
    del item["code"]
    with pytest.raises(KeyError):
        OutboxMessage.from_json(item)
