"""Function workers: one invocation per worker at a time, timeouts and crashes end the worker
and a fresh one takes its place, an import error stops start-up. Real worker processes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.gateway.payload import from_worker, map_in_worker
from local.runtime.workers import FunctionRunner, FunctionSpec, WorkerStartError

ECHO_DIR = Path(__file__).parent.parent / "gateway" / "echo_function"


def _spec(timeout: float = 5.0, handler: str = "echo_handler.handler") -> FunctionSpec:
    return FunctionSpec(
        name="echo", arn="arn:echo", handler=handler, code_dir=ECHO_DIR, timeout_seconds=timeout
    )


def _event(**query: str) -> dict[str, Any]:
    return {"queryStringParameters": query or None}


def _pid(payload: str | None) -> int:
    assert payload is not None
    return int(json.loads(json.loads(payload)["body"])["pid"])


@pytest.fixture
def runner() -> Iterator[FunctionRunner]:
    runner = FunctionRunner(_spec(timeout=1.0), {"AWS_REGION": "us-east-1"}, workers=2)
    runner.warm_up()
    try:
        yield runner
    finally:
        runner.close()


def test_two_workers_serve_two_invocations_at_once_in_different_processes(
    runner: FunctionRunner,
) -> None:
    """GIVEN 2 workers WHEN two slow invocations run together THEN each ran in its own
    process (the second did not wait behind the first in the same worker)."""

    async def both() -> list[Any]:
        return list(await asyncio.gather(*(runner.invoke(_event(sleep="0.3")) for _ in "ab")))

    first, second = asyncio.run(both())
    assert first.error is None
    assert second.error is None
    assert _pid(first.payload) != _pid(second.payload)


def test_a_timed_out_invocation_ends_its_worker_and_a_fresh_one_serves_next(
    runner: FunctionRunner,
) -> None:
    """GIVEN a 1 s timeout WHEN the function sleeps 5 s THEN Lambda's timeout error, the
    worker that ran it is replaced by a new process, and invocations go on being answered
    (by the other worker meanwhile, then by both)."""
    before = set(runner.pids)

    async def scenario() -> tuple[Any, list[Any]]:
        timed_out = await runner.invoke(_event(sleep="5"))
        answers = [await runner.invoke(_event())]
        for _ in range(600):  # the replacement imports the handler: up to 30 s on a busy box
            if len(before & set(runner.pids)) == 1:
                break
            await asyncio.sleep(0.05)
        answers += [await runner.invoke(_event()) for _ in range(4)]
        return timed_out, answers

    timed_out, answers = asyncio.run(scenario())
    assert timed_out.error == "Task timed out after 1.00 seconds"
    assert runner.replaced == 1
    assert len(before & set(runner.pids)) == 1
    assert len(set(runner.pids)) == 2
    assert all(answer.error is None for answer in answers)


def test_a_crashed_worker_is_replaced_and_serving_continues(runner: FunctionRunner) -> None:
    """GIVEN a function that kills its own process WHEN invoked THEN Lambda's runtime-exit
    error, and then every invocation, including after both workers were crashed once, is
    answered."""

    async def scenario() -> list[Any]:
        answers = [await runner.invoke(_event(fail="crash")) for _ in range(2)]
        answers += [await runner.invoke(_event()) for _ in range(3)]
        return answers

    answers = asyncio.run(scenario())
    assert [a.error for a in answers[:2]] == ["Runtime exited without providing a reason"] * 2
    assert all(a.error is None for a in answers[2:])
    assert all(json.loads(a.payload or "{}")["statusCode"] == 200 for a in answers[2:])
    assert runner.replaced == 2


def test_a_result_json_cannot_carry_is_the_runtimes_marshal_error(runner: FunctionRunner) -> None:
    """GIVEN a handler returning a set WHEN invoked THEN no payload and Lambda's
    Runtime.MarshalError (the data plane then answers AWS's 500); a dict comes back as the
    JSON text the runtime would send."""

    async def both() -> tuple[Any, Any]:
        return await runner.invoke(_event(shorthand="set")), await runner.invoke(
            _event(shorthand="1")
        )

    failed, shorthand = asyncio.run(both())
    assert failed.payload is None
    assert (failed.error or "").startswith("Runtime.MarshalError: Unable to marshal response")
    assert shorthand.payload == '{"hello": "world"}'


def test_invocations_queued_behind_a_timed_out_one_run_on_another_worker() -> None:
    """GIVEN 2 workers, a 1 s timeout, one invocation that hangs and one quick one running,
    and a third sent to wait behind the hanging one WHEN the hanging one times out THEN its
    worker is ended and the third, which never started, is answered by another worker."""
    runner = FunctionRunner(_spec(timeout=1.0), {}, workers=2)
    runner.warm_up()

    async def scenario() -> list[Any]:
        hanging = asyncio.ensure_future(runner.invoke(_event(sleep="5")))
        await asyncio.sleep(0.05)
        quick = asyncio.ensure_future(runner.invoke(_event(sleep="0.2")))
        await asyncio.sleep(0.05)
        behind = asyncio.ensure_future(runner.invoke(_event()))
        return list(await asyncio.gather(hanging, quick, behind))

    try:
        hanging, quick, behind = asyncio.run(scenario())
    finally:
        runner.close()
    assert hanging.error == "Task timed out after 1.00 seconds"
    assert quick.error is None
    assert behind.error is None
    assert runner.replaced == 1


def test_a_handler_that_cannot_be_imported_stops_start_up_with_its_error() -> None:
    """GIVEN a handler in a module that does not exist WHEN the workers start THEN
    WorkerStartError with the import error's text."""
    runner = FunctionRunner(_spec(handler="no_such_module.handler"), {}, workers=1)
    with pytest.raises(WorkerStartError, match="no_such_module"):
        runner.warm_up()
    runner.close()


def test_waiting_invocations_get_the_worker_in_arrival_order() -> None:
    """GIVEN one worker busy with a slow invocation and three more waiting WHEN it finishes and
    a fifth arrives at that moment THEN they run in arrival order: the newcomer does not jump
    the queue (no request waits indefinitely behind later ones)."""
    runner = FunctionRunner(_spec(), {}, workers=1)
    runner.warm_up()

    async def scenario() -> list[str]:
        order: list[str] = []

        async def call(name: str, sleep: str) -> None:
            answer = await runner.invoke(_event(sleep=sleep))
            assert answer.error is None
            order.append(name)

        first = asyncio.create_task(call("a", "0.3"))
        await asyncio.sleep(0.05)
        waiting = [asyncio.create_task(call(name, "0")) for name in "bcd"]
        await asyncio.sleep(0.05)
        await first
        await asyncio.gather(*waiting, call("e", "0"))
        return order

    try:
        assert asyncio.run(scenario()) == ["a", "b", "c", "d", "e"]
    finally:
        runner.close()


def test_a_runner_handed_the_gateways_mapper_answers_with_the_mapped_http_response() -> None:
    """GIVEN a runner handed the gateway's result mapper WHEN the function answers THEN the
    worker returns API Gateway's mapped response (status, headers, body bytes), no JSON
    payload; a result that cannot be marshalled is still Lambda's error (the mapper never
    runs), and a lone caller's polling hand-off answers the same."""
    runner = FunctionRunner(
        _spec(timeout=1.0), {"AWS_REGION": "us-east-1"}, workers=1, mapper=map_in_worker
    )
    runner.warm_up()

    async def scenario() -> list[Any]:
        mapped = [await runner.invoke(_event(), alone=True) for _ in range(5)]
        failed = await runner.invoke(_event(shorthand="set"), alone=True)
        return [*mapped, failed]

    try:
        *mapped, failed = asyncio.run(scenario())
    finally:
        runner.close()
    for invocation in mapped:
        assert invocation.payload is None
        response = from_worker(invocation.mapped)
        assert response.status_code == 200
        assert "pid" in json.loads(response.body)
    assert failed.mapped is None
    assert (failed.error or "").startswith("Runtime.MarshalError")
