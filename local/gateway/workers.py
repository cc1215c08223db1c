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
from typing import Any

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


class WorkerStartError(RuntimeError):
    """A worker could not import the function's handler (the traceback is the message)."""


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
        self._channel: Connection | None = ours
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._socket: socket.socket | None = None

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker imported the handler (start-up only, before serving)."""
        assert self._channel is not None
        if not self._channel.poll(timeout):
            self.kill()
            raise WorkerStartError(f"worker did not start within {timeout:.0f} s")
        self._check_hello(self._channel.recv_bytes())

    async def wait_ready_async(self, timeout: float) -> None:
        """The same without blocking the event loop (a replacement worker)."""
        reader, _ = await self._streams()
        self._check_hello(await asyncio.wait_for(self._read(reader), timeout))

    def _check_hello(self, message: bytes) -> None:
        kind, detail = pickle.loads(message)  # noqa: S301 (our worker, our socket pair)
        if kind != "ready":
            self.kill()
            raise WorkerStartError(str(detail))

    async def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            assert self._channel is not None
            sock = socket.socket(fileno=os.dup(self._channel.fileno()))
            self._channel.close()
            self._channel = None
            self._socket = sock
            self._reader, self._writer = await asyncio.open_unix_connection(sock=sock, limit=2**20)
        return self._reader, self._writer

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> bytes:
        (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
        return await reader.readexactly(length)

    async def invoke(self, event: dict[str, Any], request_id: str) -> Invocation:
        reader, writer = await self._streams()
        payload = pickle.dumps((event, request_id))
        writer.write(_LENGTH.pack(len(payload)) + payload)
        answer: Invocation = pickle.loads(await self._read(reader))  # noqa: S301 (our worker)
        return answer

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.close_channel()

    def close_channel(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(RuntimeError):  # its loop may be closed already
                self._writer.close()
            self._writer = self._reader = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None


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
        self._idle: asyncio.Queue[_Worker] | None = None
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

    def _queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:  # bound to the serving loop on its first invocation
            if not self._workers:
                self.warm_up()
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def invoke(self, event: dict[str, Any]) -> Invocation:
        request_id = str(uuid.uuid4())
        idle = self._queue()
        worker = await idle.get()
        try:
            invocation = await asyncio.wait_for(
                worker.invoke(event, request_id), timeout=self.spec.timeout_seconds
            )
        except TimeoutError:
            self._replace(worker)
            return Invocation(error=f"Task timed out after {self.spec.timeout_seconds:.2f} seconds")
        except (asyncio.IncompleteReadError, ConnectionError, OSError, pickle.UnpicklingError):
            # The worker died (os._exit, segfault, OOM): answer with an error and start a fresh
            # one, as Lambda replaces a crashed execution environment.
            self._replace(worker)
            return Invocation(error="Runtime exited without providing a reason")
        except BaseException:  # cancelled mid-invocation: its answer would go to the next caller
            self._replace(worker)
            raise
        idle.put_nowait(worker)
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
            except (WorkerStartError, TimeoutError, asyncio.IncompleteReadError, OSError):
                log.exception("a replacement worker for %s failed to start", self.spec.name)
                fresh.kill()
                await asyncio.sleep(1)
                continue
            break
        self._workers = [fresh if w is dead else w for w in self._workers]
        self._queue().put_nowait(fresh)

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
