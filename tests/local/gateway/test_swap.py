"""A redeploy or a hot reload swaps what the data plane serves while requests run: the
running ones finish on the old workers, the next ones use the new. Real worker processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from local.gateway.app import DataPlane, ServedApi
from local.gateway.discovery import DeployedApi
from local.gateway.payload import map_in_worker
from local.gateway.routes import Route
from local.runtime.workers import FunctionRunner, FunctionSpec

ECHO_DIR = Path(__file__).parent / "echo_function"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def _served(setting: str) -> ServedApi:
    spec = FunctionSpec(
        name="echo",
        arn=ARN,
        handler="echo_handler.handler",
        code_dir=ECHO_DIR,
        environment={"ECHO_SETTING": setting},
    )
    runner = FunctionRunner(spec, {}, 1, mapper=map_in_worker)
    runner.warm_up()
    route = Route(route_key="GET /echo", function_arn=ARN)
    api = DeployedApi(
        api_id="api", name="api", stage="$default", routes=[route], authorizers={}, functions={}
    )
    return ServedApi(api, {}, {ARN: runner})


def _setting(mapped: tuple[int, object, bytes]) -> str:
    """ECHO_SETTING as the function saw it, from the mapped (status, headers, body)."""
    return str(json.loads(mapped[2])["env"])


def test_a_request_running_during_a_swap_finishes_on_the_old_code_and_the_next_gets_the_new() -> (
    None
):
    """GIVEN a slow request running on the old API's worker WHEN the new API is swapped in
    THEN that request answers from the old worker (not failed, not reset), a request after the
    swap answers from the new one, and the old worker stops only once it is done."""
    old, new = _served("old"), _served("new")
    plane = DataPlane(api=old.api, authorizers={}, runners=old.runners)
    old_runner = old.runners[ARN]
    event = {"queryStringParameters": {"sleep": "0.4"}}

    async def scenario() -> tuple[str | None, str | None, int]:
        slow = asyncio.ensure_future(old_runner.invoke(event))
        await asyncio.sleep(0.1)  # it is running now
        replacing = asyncio.ensure_future(plane.replace(new, [old_runner]))
        await asyncio.sleep(0.05)
        in_flight_during_drain = old_runner.in_flight
        after = await plane.served.runners[ARN].invoke({})
        slow_answer = await slow
        await replacing
        return slow_answer.error, after.error, in_flight_during_drain

    try:
        slow_error, after_error, draining = asyncio.run(scenario())
        assert slow_error is None
        assert after_error is None
        assert draining == 1  # the swap waited for it
        assert plane.served is new
    finally:
        old_runner.close()
        new.runners[ARN].close()


def test_the_old_and_new_apis_answer_from_their_own_workers() -> None:
    """GIVEN two served APIs whose functions differ in configuration WHEN one replaces the
    other THEN answers come from the new configuration only."""
    old, new = _served("old"), _served("new")
    plane = DataPlane(api=old.api, authorizers={}, runners=old.runners)

    async def scenario() -> list[str]:
        before = await plane.served.runners[ARN].invoke({})
        await plane.replace(new, [old.runners[ARN]])
        after = await plane.served.runners[ARN].invoke({})
        return [_setting(a.mapped) for a in (before, after)]

    try:
        assert asyncio.run(scenario()) == ["old", "new"]
    finally:
        old.runners[ARN].close()
        new.runners[ARN].close()
