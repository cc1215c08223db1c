"""RunState: what a serving `local up` records, read back typed, or refused with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.emulator.caller.issuers import IssuerSettings
from local.state import STATE_VERSION, RunDir, RunState, StateError

SETTINGS = IssuerSettings(
    provider="auth0",
    issuer="https://dev-abc123.us.auth0.com/",
    audiences=["https://profile-api"],
    base_url="http://localhost:40000",
    kid="kid-1",
    client_id="client-1",
    key_file="/tmp/issuer-key.pem",
)


def state(issuer: IssuerSettings | None) -> RunState:
    return RunState(
        endpoint_url="http://localhost:4566",
        api_url="http://localhost:3000/",
        pid=123,
        stage="dev",
        stacks={"JwtProfileApiDev": {"ApiId": "abc"}},
        issuer=issuer,
    )


@pytest.mark.parametrize("issuer", [SETTINGS, None], ids=["stand-in issuer", "cognito"])
def test_state_round_trips_with_and_without_a_stand_in_issuer(
    tmp_path: Path, issuer: IssuerSettings | None
) -> None:
    """GIVEN a run's state WHEN written and read back THEN equal, the issuer typed (the token
    command reads its discovery URL and key file from it)."""
    run_dir = RunDir(tmp_path)
    state(issuer).write(run_dir)
    read = RunState.read(run_dir)
    assert read == state(issuer)
    if issuer is not None:
        assert read is not None
        assert read.issuer is not None
        assert read.issuer.discovery_url == (
            "http://localhost:40000/.well-known/openid-configuration"
        )
        assert read.issuer.jwks_uri == "http://localhost:40000/.well-known/jwks.json"


def test_state_of_the_previous_version_is_refused_with_one_line(tmp_path: Path) -> None:
    """GIVEN a version-1 state file (no issuer field) WHEN read THEN StateError saying so."""
    run_dir = RunDir(tmp_path)
    state(None).write(run_dir)
    data = json.loads(run_dir.state_file.read_text())
    data["version"] = STATE_VERSION - 1
    run_dir.state_file.write_text(json.dumps(data))
    with pytest.raises(StateError, match="another version of this tool: remove it"):
        RunState.read(run_dir)


@pytest.mark.parametrize("bad_issuer", ["https://x", {"provider": "auth0"}, [1, 2]])
def test_malformed_issuer_record_is_refused_with_one_line(
    tmp_path: Path, bad_issuer: object
) -> None:
    run_dir = RunDir(tmp_path)
    state(None).write(run_dir)
    data = json.loads(run_dir.state_file.read_text())
    data["issuer"] = bad_issuer
    run_dir.state_file.write_text(json.dumps(data))
    with pytest.raises(StateError, match="is malformed"):
        RunState.read(run_dir)
