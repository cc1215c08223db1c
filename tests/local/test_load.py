"""`python -m local.loadtest`, small: 500 requests against the session's local run, every answer
as expected, and the verdict logic that turns a report into the exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from local.loadtest import EXPECTED_STATUS, Report
from tests.conftest import ROOT
from tests.local.conftest import LocalRun

pytestmark = pytest.mark.local

REQUESTS = 500


def _loadtest(local_run: LocalRun, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"LOCAL_STATE_DIR": str(local_run.state_dir), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "local.loadtest", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_small_load_gets_every_expected_answer_with_steady_memory(local_run: LocalRun) -> None:
    """GIVEN the running local API WHEN 500 requests (valid, expired, forged tokens) go out at
    16 concurrent THEN no error: valid ones 200, expired and forged ones 401, server RSS sampled
    and steady, exit code 0."""
    result = _loadtest(
        local_run,
        *("--base-url", local_run.base_url, "--requests", str(REQUESTS)),
        *("--concurrency", "16", "--json"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True
    assert (summary["completed"], summary["errors"]) == (REQUESTS, 0)
    assert summary["statuses"] == {
        "valid": {"200": REQUESTS // 2},
        "expired": {"401": REQUESTS // 4},
        "forged": {"401": REQUESTS // 4},
    }
    assert summary["rss_mb"]["max"] >= summary["rss_mb"]["before"] > 0
    assert summary["memory_steady"] is True
    assert summary["requests_per_second"] > 0
    assert 0 < summary["p50_ms"] <= summary["p99_ms"]


def test_a_base_url_off_this_machine_is_refused(local_run: LocalRun) -> None:
    """GIVEN --base-url on another host WHEN run THEN exit 2 with a one-line reason, before any
    request is sent (the load test is for loopback only)."""
    result = _loadtest(local_run, "--base-url", "http://example.com:3000", "--requests", "1")
    assert result.returncode == 2
    assert "must be on this machine" in result.stderr


def _report(statuses: dict[str, dict[int, int]], rss_kb: list[int]) -> Report:
    completed = sum(sum(counts.values()) for counts in statuses.values())
    return Report(
        requested=completed,
        concurrency=1,
        completed=completed,
        statuses=statuses,
        rss_kb=rss_kb,
        max_rss_growth_mb=10,
    )


def test_verdict_fails_on_an_accepted_forged_token_or_growing_memory() -> None:
    """GIVEN reports WHEN judged THEN expected answers with flat memory pass; a forged token
    answered 200, or RSS growing past the limit, fails."""
    expected = {kind: {status: 4} for kind, status in EXPECTED_STATUS.items()}
    assert _report(expected, [50_000, 51_000]).ok
    accepted_forgery = expected | {"forged": {401: 3, 200: 1}}
    assert _report(accepted_forgery, [50_000, 51_000]).errors == 1
    assert not _report(accepted_forgery, [50_000, 51_000]).ok
    assert not _report(expected, [50_000, 50_000 + 11 * 1024]).ok
