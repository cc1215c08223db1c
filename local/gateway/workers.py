"""Run deployed Lambda functions on this machine, each in its own worker processes.

moto cannot invoke Lambda without Docker, so the data plane runs the handler itself. A separate
process per function gives what the Lambda runtime gives: the function's own environment
variables and code on sys.path, a crash or `sys.exit` that cannot take the server down, and
handlers that do not share the server's GIL.

Each worker is one process with one socket pair to the server, like one Lambda execution
environment: it runs one invocation at a time, and the server hands an invocation to an idle
worker by writing the pickled event to its socket and awaiting the answer on the event loop.
(A ProcessPoolExecutor did this through a queue, a feeder thread and a result thread in the
server process; their GIL hand-offs cost more than the echo function itself.) A worker that
overruns the function's timeout is killed and replaced, as Lambda ends a timed-out
environment; one that dies is replaced too.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
import multiprocessing
import os
import pickle
import socket
import struct
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

from local.gateway.payload import marshal_result

log = logging.getLogger("local.gateway.workers")

# The module-level state of one worker process: its function's handler and identity.
_handler: Any = None
_identity: dict[str, Any] = {}


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
    text), or the error Lambda would log."""

    payload: str | None = None
    error: str | None = None
    duration_ms: float = 0.0


class LambdaContext:
    """The attributes of the Lambda context object that handlers commonly read."""

    def __init__(self, identity: dict[str, Any], request_id: str, deadline: float) -> None:
        self.function_name: str = identity["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = identity["arn"]
        self.memory_limit_in_mb: int = identity["memory_mb"]
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _load_worker(spec_fields: dict[str, Any], environment: dict[str, str]) -> None:
    """Worker initializer: become the function (environment, code, imported handler)."""
    global _handler, _identity
    os.environ.update(environment)
    sys.path.insert(0, spec_fields["code_dir"])
    module_name, _, function_name = spec_fields["handler"].rpartition(".")
    module = importlib.import_module(module_name)
    _handler = getattr(module, function_name)
    _identity = spec_fields


def _invoke_in_worker(event: dict[str, Any], request_id: str) -> Invocation:
    started = time.monotonic()
    context = LambdaContext(_identity, request_id, started + _identity["timeout_seconds"])
    try:
        result = _handler(event, context)
    except SystemExit as exit_:
        detail = f"Runtime exited with error: exit status {exit_.code}"
        return Invocation(error=detail, duration_ms=(time.monotonic() - started) * 1000)
    except Exception as error:  # the handler's bug, reported as Lambda reports it
        detail = "".join(traceback.format_exception(error))
        return Invocation(error=detail, duration_ms=(time.monotonic() - started) * 1000)
    try:  # the Lambda runtime marshals the result to JSON in the execution environment
        payload = marshal_result(result)
    except (TypeError, ValueError, RecursionError) as error:
        detail = f"Runtime.MarshalError: Unable to marshal response: {error}"
        return Invocation(error=detail, duration_ms=(time.monotonic() - started) * 1000)
    return Invocation(payload=payload, duration_ms=(time.monotonic() - started) * 1000)


def _worker_main(
    channel: Connection, spec_fields: dict[str, Any], environment: dict[str, str]
) -> None:
    """A worker process: become the function, say so, then serve invocations until EOF."""
    try:
        _load_worker(spec_fields, environment)
    except BaseException as error:  # an import error shows at start-up, not as a 500 later
        channel.send_bytes(pickle.dumps(("failed", "".join(traceback.format_exception(error)))))
        return
    channel.send_bytes(pickle.dumps(("ready", os.getpid())))
    while True:
        try:
            request = channel.recv_bytes()
        except (EOFError, OSError):
            return  # the server closed its end: stop
        event, request_id = pickle.loads(request)  # noqa: S301 (our server, our socket pair)
        channel.send_bytes(pickle.dumps(_invoke_in_worker(event, request_id)))


# multiprocessing.Connection frames a message as a 4-byte big-endian signed length, then the
# bytes; the server side speaks the same framing on its end of the socket pair, asynchronously.
_LENGTH = struct.Struct("!i")


def _expire(answer: asyncio.Future[bytes]) -> None:
    if not answer.done():
        answer.set_exception(TimeoutError())


class WorkerStartError(RuntimeError):
    """A worker could not import the function's handler (the traceback is the message)."""


class _Channel(asyncio.Protocol):
    """The server's end of a worker's socket pair on the event loop: length-prefixed messages
    in, each handed to whoever awaits the next one (a worker answers one message at a time)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._messages: collections.deque[bytes] = collections.deque()
        self._waiter: asyncio.Future[bytes] | None = None
        self._transport: asyncio.Transport | None = None
        self._lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer)
            end = _LENGTH.size + length
            if len(buffer) < end:
                return
            message = bytes(buffer[_LENGTH.size : end])
            del buffer[:end]
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                self._waiter = None
                waiter.set_result(message)
            else:
                self._messages.append(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError("the worker closed its socket"))

    def send(self, payload: bytes) -> None:
        assert self._transport is not None
        self._transport.write(_LENGTH.pack(len(payload)) + payload)

    def next_message(self) -> asyncio.Future[bytes]:
        """The next message (already received, or when it arrives)."""
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        if self._messages:
            waiter.set_result(self._messages.popleft())
        elif self._lost:
            waiter.set_exception(ConnectionError("the worker closed its socket"))
        else:
            self._waiter = waiter
        return waiter

    def close(self) -> None:
        if self._transport is not None:
            with contextlib.suppress(RuntimeError):  # its loop may be closed already
                self._transport.close()


class _Worker:
    """One worker process and the server's end of its socket pair."""

    def __init__(self, spec_fields: dict[str, Any], environment: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)  # a Unix socket pair on POSIX
        self.process = context.Process(
            target=_worker_main, args=(theirs, spec_fields, environment), daemon=True
        )
        self.process.start()
        theirs.close()
        self._connection: Connection | None = ours  # blocking use, before the loop has it
        self._channel: _Channel | None = None
        self._socket: socket.socket | None = None

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
            raise WorkerStartError(str(detail))

    async def channel(self) -> _Channel:
        """The socket on the running loop (made on first use: the loop may start later)."""
        if self._channel is None:
            assert self._connection is not None
            sock = socket.socket(fileno=os.dup(self._connection.fileno()))
            self._connection.close()
            self._connection = None
            self._socket = sock
            loop = asyncio.get_running_loop()
            _, self._channel = await loop.create_unix_connection(_Channel, sock=sock)
        return self._channel

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

    def __init__(self, spec: FunctionSpec, aws_environment: dict[str, str], workers: int) -> None:
        self.spec = spec
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
        self._idle: collections.deque[_Worker] | None = None  # made on the serving loop
        self._waiting: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._replacing: set[asyncio.Task[None]] = set()
        self.replaced = 0  # workers replaced after a crash or a timeout

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
        starting = [_Worker(self._fields, self._environment) for _ in range(self._size)]
        try:
            for worker in starting:
                worker.wait_ready(self.START_TIMEOUT_SECONDS)
        except BaseException:
            for worker in starting:
                worker.kill()
            raise
        self._workers = starting

    async def _acquire(self) -> _Worker:
        """An idle worker; invocations that must wait get workers in arrival order (a free
        worker goes to the longest-waiting invocation, never to a newcomer)."""
        if self._idle is None:  # first invocation: the workers start now if not yet
            if not self._workers:
                self.warm_up()
            self._idle = collections.deque(self._workers)
        if self._idle and not self._waiting:
            return self._idle.popleft()
        turn: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release(turn.result())  # handed over just as it was cancelled
            else:
                self._waiting.remove(turn)
            raise

    def _release(self, worker: _Worker) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(worker)
                return
        assert self._idle is not None
        self._idle.append(worker)

    async def invoke(self, event: dict[str, Any]) -> Invocation:
        request_id = str(uuid.uuid4())
        worker = await self._acquire()
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle | None = None
        try:
            channel = await worker.channel()
            answer = channel.next_message()
            timer = loop.call_later(self.spec.timeout_seconds, _expire, answer)
            channel.send(pickle.dumps((event, request_id)))
            invocation: Invocation = pickle.loads(await answer)  # noqa: S301 (our worker)
        except TimeoutError:
            self._replace(worker)
            return Invocation(error=f"Task timed out after {self.spec.timeout_seconds:.2f} seconds")
        except (ConnectionError, OSError, pickle.UnpicklingError):
            # The worker died (os._exit, segfault, OOM): answer with an error and start a fresh
            # one, as Lambda replaces a crashed execution environment.
            self._replace(worker)
            return Invocation(error="Runtime exited without providing a reason")
        except BaseException:  # cancelled mid-invocation: its answer would go to the next caller
            self._replace(worker)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        self._release(worker)
        return invocation

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self.replaced += 1
        task = asyncio.get_running_loop().create_task(self._start_replacement(worker))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _start_replacement(self, dead: _Worker) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, dead.process.join)
        while True:
            fresh = await loop.run_in_executor(None, _Worker, self._fields, self._environment)
            try:
                await fresh.wait_ready_async(self.START_TIMEOUT_SECONDS)
            except (WorkerStartError, TimeoutError, OSError):
                log.exception("a replacement worker for %s failed to start", self.spec.name)
                fresh.kill()
                await asyncio.sleep(1)
                continue
            break
        self._workers = [fresh if w is dead else w for w in self._workers]
        self._release(fresh)

    @property
    def pids(self) -> list[int | None]:
        """The worker processes' ids (a replaced worker's new id once it is ready)."""
        return [worker.process.pid for worker in self._workers]

    def close(self) -> None:
        for task in list(self._replacing):
            task.cancel()
        for worker in self._workers:
            worker.close_channel()  # the worker sees EOF and exits
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
        self._workers = []
        self._idle = None
