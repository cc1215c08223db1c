"""The suite's saved deployed states (tests/local/runs.py) are what they claim: a configuration
deployed once, restarted from a copy without deploying, holding only what the deploy made.

The configuration is the issuer swap's auth=jwt case, on the swap's worker (xdist group
"issuer-swap"): whichever of the two comes first in a session without saved states deploys it
cold and saves it; the other starts from that copy. This module's own second run always starts
from the saved copy.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest

from local.emulator.caller.token_shapes import Provider
from stacks.contract import PROFILE_PATH, context_args
from tests.local.conftest import local_cli
from tests.local.runs import (
    CACHE_ENV,
    DEFAULT_CACHE,
    KEPT_LINE,
    SAVED_FILE,
    SavedStates,
    context_pairs,
    state_key,
    stop_cleanly,
)
from tests.local.test_issuer_swap import CASES

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("issuer-swap")]

CONTEXT = context_pairs(
    context_args(next(case.context for case in CASES if case.provider is Provider.OIDC))
)


def _user_token(state_dir: Path) -> str:
    done = local_cli(state_dir, "token", timeout=60)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("USER_TOKEN=")]
    return line.split("=", 1)[1]


def _profile(base_url: str, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{base_url}{PROFILE_PATH}", headers=headers, timeout=30)


def _modes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}


def test_a_saved_state_restarts_without_deploying_and_without_the_first_runs_data(
    saved_states: SavedStates, tmp_path: Path
) -> None:
    """GIVEN a run of a configuration (deployed by the CDK CLI and saved, or started from the
    saved state) THEN the saved state is the deploy's, without the serving run's files, and a
    profile stored afterwards in that run is not in it: WHEN a second run starts from it THEN
    `local up` keeps the app (no CDK CLI ran), the same API answers, the profile is absent, and
    every file and folder kept its mode."""
    if saved_states.root is None:
        pytest.fail(f"{CACHE_ENV}=off: this test proves the saved states, run it without that")
    key = state_key(CONTEXT)
    before = (saved_states.deployed.count(key), saved_states.restored.count(key))
    first = saved_states.start(CONTEXT, tmp_path / "first")
    try:
        after = (saved_states.deployed.count(key), saved_states.restored.count(key))
        deployed = after == (before[0] + 1, before[1])
        assert deployed or after == (before[0], before[1] + 1)
        assert (KEPT_LINE in first.log_text()) is not deployed
        kept = saved_states.root / key / "state"
        assert (kept.parent / SAVED_FILE).is_file()
        assert (kept / "aws" / "snapshot.bin").is_file()
        assert (kept / "cdk.log").stat().st_size > 0  # the real CDK CLI deployed it
        assert not (kept / "state.json").exists(), "a saved state must not say a run serves"
        assert not (kept / "issuer-key.pem").exists(), "the run's private key was saved"
        saved_modes, serving = _modes(kept), _modes(first.state_dir)
        assert {k: serving[k] for k in saved_modes} == saved_modes
        token = _user_token(first.state_dir)
        stored = httpx.post(
            f"{first.base_url}{PROFILE_PATH}",
            json={"name": "Leftover"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert stored.status_code == 201, stored.text
        api_id = first.outputs.api_id
    finally:
        stop_cleanly(first)
    assert stat.S_IMODE(saved_states.root.stat().st_mode) == 0o700

    restored_before = saved_states.restored.count(key)
    second = saved_states.start(CONTEXT, tmp_path / "second")
    try:
        assert saved_states.restored.count(key) == restored_before + 1
        assert KEPT_LINE in second.log_text(), second.log_text()[-2000:]
        cdk_log = (second.state_dir / "cdk.log").stat().st_mtime_ns
        assert cdk_log == (kept / "cdk.log").stat().st_mtime_ns  # no CDK CLI ran
        assert second.outputs.api_id == api_id
        answer = _profile(second.base_url, _user_token(second.state_dir))
        assert answer.status_code == 200, answer.text
        assert answer.json()["profile"] is None
        restored = _modes(second.state_dir)
        common = saved_modes.keys() & restored.keys()
        assert "aws/snapshot.bin" in common
        assert {k: restored[k] for k in common} == {k: saved_modes[k] for k in common}
    finally:
        stop_cleanly(second)


def test_the_key_follows_the_configuration() -> None:
    """GIVEN two configurations WHEN keyed THEN each has its own saved state, and the same one
    keys the same way every time (the app's content hash is part of it)."""
    assert state_key(CONTEXT) == state_key(list(CONTEXT))
    assert state_key(CONTEXT) != state_key((*CONTEXT[:2], "audience=other"))
    assert state_key(()) != state_key(("requireScopes=true",))


def test_off_deploys_every_run_cold_and_a_path_moves_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GIVEN LOCAL_TEST_STATES WHEN read THEN `off` keeps nothing, a path is used as given,
    and unset means .local/test-states."""
    monkeypatch.setenv(CACHE_ENV, "off")
    assert SavedStates.from_environment().root is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert SavedStates.from_environment().root == tmp_path
    monkeypatch.delenv(CACHE_ENV)
    assert SavedStates.from_environment().root == DEFAULT_CACHE


def test_context_pairs_read_cli_arguments_back() -> None:
    """GIVEN ["-c", "k=v", ...] WHEN read THEN the pairs; anything else is refused."""
    assert context_pairs(["-c", "auth=jwt", "-c", "audience=a"]) == ("auth=jwt", "audience=a")
    with pytest.raises(AssertionError):
        context_pairs(["--fresh"])
    assert os.sep not in state_key(())
