"""Which pool-side pieces of issue 20 this checkout holds, for the tests that need them.

The local pool's real confirmation codes, outbox (`GET /_local/outbox`), `RevokeToken` and
revocation-aware refresh live in `local/emulator/cognito/` (issue 20, part A, built on its own
branch at the same time as the hosted UI side). Until that package is in the checkout, the
tests below are expected to fail (strict: one that passes anyway fails the run, so the marker
cannot hide a test); once it is, they run as plain tests. Never a skip.
"""

from __future__ import annotations

import importlib.util

import pytest

POOL_HAS_CODES_AND_REVOCATION = importlib.util.find_spec("local.emulator.cognito") is not None

needs_pool_codes = pytest.mark.xfail(
    not POOL_HAS_CODES_AND_REVOCATION,
    reason="needs the pool's real codes and outbox (local/emulator/cognito, issue 20 part A)",
    strict=True,
)
needs_pool_revocation = pytest.mark.xfail(
    not POOL_HAS_CODES_AND_REVOCATION,
    reason="needs the pool's RevokeToken and revocation-aware refresh (issue 20 part A)",
    strict=True,
)
