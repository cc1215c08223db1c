"""Run deployed Lambda functions on this machine, each in its own worker processes.

moto cannot invoke Lambda without Docker, so the data plane runs the handler itself. A separate
process per function gives what the Lambda runtime gives: the function's own environment
variables and code on sys.path, a crash or `sys.exit` that cannot take the server down, and
handlers that do not share the server's GIL.

Workers fork from one warm process (multiprocessing's forkserver) that has imported the worker
side (local.runtime.worker_process), boto3 (what every Python function here imports, and what
the Lambda runtime ships) and the result mapper's module once: a new worker is ready in
milliseconds instead of the ~0.2 s of CPU a fresh interpreter spends importing them, which is
what a reload on save waits for. Each fork is still a process of its own: the function's
environment, sys.path and imports are set in it after the fork, never in the warm process.
The server's end of each worker's socket is local.runtime.channel's.

Each worker is one process with one socket pair to the server, like one Lambda execution
environment: it runs one invocation at a time, and the server hands it an invocation by writing
the pickled event to its socket and awaiting the answer on the event loop. Under load one more
event may wait in a busy worker's socket, so it goes from one invocation to the next without
sleeping until the server wakes it; the function's timeout still counts from when the worker
starts on an event, and events waiting behind one that timed out or crashed go to another
worker (they never started).
(A ProcessPoolExecutor did this through a queue, a feeder thread and a result thread in the
server process; their GIL hand-offs cost more than the echo function itself.) A worker that
overruns the function's timeout is killed and replaced, as Lambda ends a timed-out
environment; one that dies is replaced too.

A runner may be handed a result mapper (the gateway hands in API Gateway's payload 2.0
mapping): the worker then runs it on the marshalled result and sends back what it returns. The
server is one thread serving every connection, the workers are many, so the work goes where
there is room; the runner itself knows nothing of HTTP.

Hand-off by polling. Putting a sleeping process back on a CPU costs more on a virtual machine
than the echo function itself (a wake-up inter-processor interrupt, a context switch). When the
gateway is serving one request and nothing else, both ends of that one hand-off poll instead of
sleeping, for at most POLL_SECONDS: the server's loop keeps turning (it still serves any other
socket) until the answer is in, and the worker, after answering, polls its socket for the next
event, yielding its CPU to anything else runnable. Nothing else is waiting for a CPU then, so
the polling takes only idle time; under load (two or more requests in the gateway) neither side
polls. Each side stops polling once it stops paying: the server when the function's last run
took longer than the poll window, the worker when the last event came later than it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import os
import pickle
import socket
import time
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from local.runtime.channel import WorkerChannel
from local.runtime.worker_process import ResultMapper, worker_main

log = logging.getLogger("local.runtime.workers")


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    """What the data plane learned about one deployed function through the Lambda API."""

    name: str
    arn: str
    handler: str  # "package.module.function"
    code_dir: Path
    environment: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 3.0
    memory_mb: int = 128


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invoke: the handler's return value as the runtime marshals it (JSON
    text; with a result mapper, what the mapper made of it instead), or the error Lambda would
    log."""

    payload: str | None = None
    mapped: Any = None
    error: str | None = None
    duration_ms: float = 0.0


# What the warm process imports before it forks any worker (module doc).
_PRELOADED = ("local.runtime.worker_process", "boto3")


_context: multiprocessing.context.ForkServerContext | None = None


def _worker_context(mapper: ResultMapper | None) -> multiprocessing.context.ForkServerContext:
    """The forkserver context; its warm process starts on first use, preloading _PRELOADED and
    the first mapper's module (a later mapper's module is imported by each worker instead)."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        mapper_module = [] if mapper is None else [mapper.__module__]
        context.set_forkserver_preload([*_PRELOADED, *mapper_module])
        _context = context
    return _context


@dataclass(eq=False)
class _Call:
    """One invocation on its way: the pickled event and the future of the worker's answer."""

    payload: bytes
    answer: asyncio.Future[bytes]
    timer: asyncio.TimerHandle | None = None


class WorkerStartError(RuntimeError):
    """A worker could not import the function's handler (the traceback is the message;
    `init_error`, when the code itself failed to load, is Lambda's error for it)."""

    def __init__(self, message: str, init_error: Any = None) -> None:
        super().__init__(message)
        self.init_error = init_error  # local.runtime.init_errors.InitError


class _Worker:
    """One worker process and the server's end of its socket pair."""

    def __init__(
        self,
        spec_fields: dict[str, Any],
        environment: dict[str, str],
        mapper: ResultMapper | None,
    ) -> None:
        context = _worker_context(mapper)
        ours, theirs = context.Pipe(duplex=True)  # a Unix socket pair on POSIX
        self.process = context.Process(
            target=worker_main, args=(theirs, spec_fields, environment, mapper), daemon=True
        )
        self.process.start()
        theirs.close()
        self._connection: Connection | None = ours  # blocking use, before the loop has it
        self._channel: WorkerChannel | None = None
        self._socket: socket.socket | None = None
        self.calls: collections.deque[_Call] = collections.deque()  # sent; calls[0] runs

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker imported the handler (start-up only, before serving)."""
        assert self._connection is not None
        if not self._connection.poll(timeout):
            self.kill()
            raise WorkerStartError(f"worker did not start within {timeout:.0f} s")
        self._check_hello(self._connection.recv_bytes())

    async def wait_ready_async(self, timeout: float) -> None:
        """The same without blocking the event loop (a replacement worker)."""
        channel = await self.channel()
        self._check_hello(await asyncio.wait_for(channel.next_message(), timeout))

    def _check_hello(self, message: bytes) -> None:
        kind, detail = pickle.loads(message)  # noqa: S301 (our worker, our socket pair)
        if kind != "ready":
            self.kill()
            text, init_error = detail
            raise WorkerStartError(str(text), init_error)

    async def channel(self) -> WorkerChannel:
        """The socket on the running loop (made on first use: the loop may start later)."""
        if self._channel is None:
            assert self._connection is not None
            sock = socket.socket(fileno=os.dup(self._connection.fileno()))
            self._connection.close()
            self._connection = None
            self._socket = sock
            loop = asyncio.get_running_loop()
            _, self._channel = await loop.create_unix_connection(WorkerChannel, sock=sock)
        return self._channel

    def send(self, payload: bytes) -> None:
        assert self._channel is not None
        self._channel.send(payload)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.close_channel()

    def close_channel(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class FunctionRunner:
    """A few worker processes for one function (Lambda's concurrent execution environments).

    An invocation waits for an idle worker (as many run at once as there are workers), and
    the function's timeout counts from when its worker starts on it, as on Lambda.
    """

    START_TIMEOUT_SECONDS = 60.0
    # Events sent to a worker that is still running one: it then finds the next waiting
    # instead of sleeping until the server wakes it (fewer process wake-ups under load).
    QUEUE_PER_WORKER = 1
    # How long either end of a lone invocation's hand-off polls before sleeping (module doc).
    POLL_SECONDS = 0.001

    def __init__(
        self,
        spec: FunctionSpec,
        aws_environment: dict[str, str],
        workers: int,
        *,
        mapper: ResultMapper | None = None,
    ) -> None:
        self.spec = spec
        self.mapper = mapper
        self._environment = self._function_environment(spec, aws_environment)
        self._fields = {
            "name": spec.name,
            "arn": spec.arn,
            "handler": spec.handler,
            "code_dir": str(spec.code_dir),
            "timeout_seconds": spec.timeout_seconds,
            "memory_mb": spec.memory_mb,
        }
        self._size = workers
        self._workers: list[_Worker] = []
        self._ready: list[_Worker] | None = None  # bound to the serving loop on first use
        self._binding: asyncio.Future[None] | None = None
        self._waiting: collections.deque[_Call] = collections.deque()  # not sent yet
        self._replacing: set[asyncio.Task[None]] = set()
        self.replaced = 0  # workers replaced after a crash or a timeout
        self.in_flight = 0  # invocations not answered yet (a retired runner drains them)
        self._last_duration = 0.0  # seconds the last invocation ran, as its worker timed it

    @staticmethod
    def _function_environment(spec: FunctionSpec, aws: dict[str, str]) -> dict[str, str]:
        # The Lambda runtime's reserved variables, then the function's own, then where AWS is.
        return {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            **spec.environment,
            **aws,
        }

    def warm_up(self) -> None:
        """Start every worker and import the handler now, so the first request is not slow and
        an import error shows at start-up (WorkerStartError) instead of as a 500 later."""
        fields, environment, mapper = self._fields, self._environment, self.mapper
        starting = [_Worker(fields, environment, mapper) for _ in range(self._size)]
        try:
            for worker in starting:
                worker.wait_ready(self.START_TIMEOUT_SECONDS)
        except BaseException:
            for worker in starting:
                worker.kill()
            raise
        self._workers = starting

    async def _serving(self) -> None:
        """On the first invocation: bind every worker's socket to the serving loop (one loop
        serves a runner for its whole life, as uvicorn's does)."""
        if self._ready is None:
            if self._binding is None:
                self._binding = asyncio.ensure_future(self._bind_all())
            await self._binding

    async def _bind_all(self) -> None:
        if not self._workers:
            self.warm_up()
        for worker in self._workers:
            await self._bind(worker)
        self._ready = list(self._workers)

    async def _bind(self, worker: _Worker) -> None:
        channel = await worker.channel()
        channel.on_message = partial(self._answered, worker)
        channel.on_lost = partial(self._lost, worker)

    async def invoke(self, event: dict[str, Any], *, alone: bool = False) -> Invocation:
        """Run the function on `event` (answered as `mapped` when the runner has a mapper).
        `alone`: the caller has nothing else in flight, so both ends may poll instead of
        sleeping."""
        self.in_flight += 1
        try:
            return await self._invoke(event, alone)
        finally:
            self.in_flight -= 1

    async def _invoke(self, event: dict[str, Any], alone: bool) -> Invocation:
        await self._serving()
        poll = self.POLL_SECONDS if alone else 0.0
        payload = pickle.dumps((event, poll))
        call = _Call(payload, asyncio.get_running_loop().create_future())
        self._submit(call)
        if poll and self._last_duration < poll:
            self._poll_until_answered(call.answer, time.perf_counter() + poll)
        try:
            message = await call.answer
        except TimeoutError:
            return Invocation(error=f"Task timed out after {self.spec.timeout_seconds:.2f} seconds")
        except ConnectionError:
            # The worker died (os._exit, segfault, OOM) while running this invocation.
            return Invocation(error="Runtime exited without providing a reason")
        except asyncio.CancelledError:
            if call in self._waiting:
                self._waiting.remove(call)  # never sent; a sent one runs, its answer is dropped
            raise
        kind, value, duration_ms = pickle.loads(message)  # noqa: S301 (our worker)
        self._last_duration = duration_ms / 1000
        if kind == "payload":
            return Invocation(payload=value, duration_ms=duration_ms)
        if kind == "mapped":
            return Invocation(mapped=value, duration_ms=duration_ms)
        return Invocation(error=value, duration_ms=duration_ms)

    @staticmethod
    def _poll_until_answered(answer: asyncio.Future[bytes], deadline: float) -> None:
        """Keep the loop turning without sleeping (each turn still polls every socket) until
        the answer is in or the deadline passes."""
        loop = asyncio.get_running_loop()

        def turn() -> None:
            if not answer.done() and time.perf_counter() < deadline:
                loop.call_soon(turn)

        loop.call_soon(turn)

    def _submit(self, call: _Call) -> None:
        """Send to the least busy worker with room (one running + QUEUE_PER_WORKER queued),
        else wait in arrival order."""
        assert self._ready is not None
        best: _Worker | None = None
        for worker in self._ready:
            if len(worker.calls) <= self.QUEUE_PER_WORKER and (
                best is None or len(worker.calls) < len(best.calls)
            ):
                best = worker
        if best is None or self._waiting:
            self._waiting.append(call)
            self._pump()
            return
        self._send(best, call)

    def _send(self, worker: _Worker, call: _Call) -> None:
        worker.calls.append(call)
        if len(worker.calls) == 1:
            self._arm(worker, call)
        worker.send(call.payload)

    def _pump(self) -> None:
        """Waiting invocations to workers with room, oldest first."""
        assert self._ready is not None
        while self._waiting:
            free = [w for w in self._ready if len(w.calls) <= self.QUEUE_PER_WORKER]
            if not free:
                return
            call = self._waiting.popleft()
            if not call.answer.done():  # done: its caller went away before it was sent
                self._send(min(free, key=lambda w: len(w.calls)), call)

    def _arm(self, worker: _Worker, call: _Call) -> None:
        # The function's timeout counts from when its worker starts on it: when the call
        # before it on that worker has answered (or now, if none).
        loop = asyncio.get_running_loop()
        call.timer = loop.call_later(self.spec.timeout_seconds, self._expired, worker, call)

    def _answered(self, worker: _Worker, message: bytes) -> None:
        if not worker.calls:
            return  # a worker being failed over: nothing waits for this
        call = worker.calls.popleft()
        if call.timer is not None:
            call.timer.cancel()
        if not call.answer.done():  # done: its caller was cancelled
            call.answer.set_result(message)
        if worker.calls:
            self._arm(worker, worker.calls[0])
        self._pump()

    def _expired(self, worker: _Worker, call: _Call) -> None:
        if not call.answer.done():
            call.answer.set_exception(TimeoutError())
        self._fail(worker)

    def _lost(self, worker: _Worker) -> None:
        if worker.calls:
            running = worker.calls[0]
            if not running.answer.done():
                running.answer.set_exception(ConnectionError("the worker died"))
        self._fail(worker)

    def _fail(self, worker: _Worker) -> None:
        """End a worker (timed out or died); what was queued behind the call it ran never
        started: back to the front of the line, for the other workers; start a replacement."""
        if self._ready is None or worker not in self._ready:
            return  # already handled (killing it closes its socket: on_lost comes again)
        self._ready.remove(worker)
        if worker.calls:
            worker.calls.popleft()
        for call in reversed(worker.calls):
            if call.timer is not None:
                call.timer.cancel()
            self._waiting.appendleft(call)
        worker.calls.clear()
        worker.kill()
        self.replaced += 1
        task = asyncio.get_running_loop().create_task(self._start_replacement(worker))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)
        self._pump()

    async def _start_replacement(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, dead.process.join)
        while True:
            fresh = await loop.run_in_executor(
                None, _Worker, self._fields, self._environment, self.mapper
            )
            try:
                await fresh.wait_ready_async(self.START_TIMEOUT_SECONDS)
            except (WorkerStartError, TimeoutError, OSError):
                log.exception("a replacement worker for %s failed to start", self.spec.name)
                fresh.kill()
                await asyncio.sleep(1)
                continue
            break
        await self._bind(fresh)
        self._workers = [fresh if w is dead else w for w in self._workers]
        if self._ready is not None:
            self._ready.append(fresh)
            self._pump()

    @property
    def pids(self) -> list[int | None]:
        """The worker processes' ids (a replaced worker's new id once it is ready)."""
        return [worker.process.pid for worker in self._workers]

    def detach(self) -> None:
        """Close the server's ends (on the serving loop, once no invocation is in flight): the
        workers see EOF and exit; `close` then only waits for them."""
        self._ready = None  # closing sockets below must not look like workers dying
        for task in list(self._replacing):
            task.cancel()
        for worker in self._workers:
            worker.close_channel()  # the worker sees EOF and exits

    def close(self) -> None:
        self.detach()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
        self._workers = []
        self._ready = None
