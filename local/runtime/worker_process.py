"""What runs inside one function worker process (local.runtime.workers starts them): become
the function (its environment, its code on sys.path, its handler imported), say so, then run
one invocation at a time as the Lambda runtime does, until the server closes its end.

A handler's return value is marshalled to JSON here, as the runtime does inside the execution
environment; a result mapper handed in by the server (the gateway's payload 2.0 mapping) then
runs here too, where there is a process to spare.
"""

from __future__ import annotations

import importlib
import os
import pickle
import select
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from local.runtime.marshal import marshal_result

# Runs in the worker on the marshalled JSON text; what it returns is sent back as
# Invocation.mapped. A module-level function: a worker gets it pickled by reference.
ResultMapper = Callable[[str], Any]

# The module-level state of one worker process: its function's handler and identity.
_handler: Any = None
_identity: dict[str, Any] = {}
_mapper: ResultMapper | None = None


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


def _load_worker(
    spec_fields: dict[str, Any], environment: dict[str, str], mapper: ResultMapper | None
) -> None:
    """Worker initializer: become the function (environment, code, imported handler)."""
    global _handler, _identity, _mapper
    _mapper = mapper
    os.environ.update(environment)
    sys.path.insert(0, spec_fields["code_dir"])
    module_name, _, function_name = spec_fields["handler"].rpartition(".")
    module = importlib.import_module(module_name)
    _handler = getattr(module, function_name)
    _identity = spec_fields


# What a worker sends back: (kind, value, duration in ms), a plain tuple because pickling
# one costs a third of pickling a dataclass. kind "payload": the marshalled JSON text;
# "mapped": what the result mapper returned for it; "error": Lambda's error text.
Answer = tuple[str, Any, float]


def _invoke_in_worker(event: dict[str, Any]) -> Answer:
    started = time.monotonic()
    context = LambdaContext(_identity, str(uuid.uuid4()), started + _identity["timeout_seconds"])
    try:
        result = _handler(event, context)
    except SystemExit as exit_:
        detail = f"Runtime exited with error: exit status {exit_.code}"
        return "error", detail, (time.monotonic() - started) * 1000
    except Exception as error:  # the handler's bug, reported as Lambda reports it
        detail = "".join(traceback.format_exception(error))
        return "error", detail, (time.monotonic() - started) * 1000
    try:  # the Lambda runtime marshals the result to JSON in the execution environment
        payload = marshal_result(result)
    except (TypeError, ValueError, RecursionError) as error:
        detail = f"Runtime.MarshalError: Unable to marshal response: {error}"
        return "error", detail, (time.monotonic() - started) * 1000
    duration_ms = (time.monotonic() - started) * 1000
    if _mapper is None:
        return "payload", payload, duration_ms
    return "mapped", _mapper(payload), duration_ms


def _poll_for_event(poller: select.poll, seconds: float) -> None:
    """Poll the socket for up to `seconds` until an event (or the server's EOF) is there,
    yielding the CPU to anything else runnable between looks. (`select.poll`, registered once:
    `Connection.poll` builds a selector on every call, ten times the cost of a look.)"""
    deadline = time.perf_counter() + seconds
    while not poller.poll(0) and time.perf_counter() < deadline:
        os.sched_yield()


def worker_main(
    channel: Connection,
    spec_fields: dict[str, Any],
    environment: dict[str, str],
    mapper: ResultMapper | None,
) -> None:
    """A worker process: become the function, say so, then serve invocations until EOF."""
    # Ctrl-C reaches the whole process group; the server stops its workers itself (EOF, then
    # kill), so a worker ignores it instead of printing a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _load_worker(spec_fields, environment, mapper)
    except BaseException as error:  # an import error shows at start-up, not as a 500 later
        from local.runtime.init_errors import classify

        found = classify(error, spec_fields["handler"])
        text = "".join(traceback.format_exception(error))
        channel.send_bytes(pickle.dumps(("failed", (text, found))))
        return
    channel.send_bytes(pickle.dumps(("ready", os.getpid())))
    poller = select.poll()
    poller.register(channel.fileno(), select.POLLIN)
    poll_seconds = 0.0  # how long to poll for the next event (the server allows it per event)
    answered = 0.0
    while True:
        if poll_seconds:
            _poll_for_event(poller, poll_seconds)
        try:
            request = channel.recv_bytes()
        except (EOFError, OSError):
            return  # the server closed its end: stop
        came_after = time.perf_counter() - answered
        event, allowed = pickle.loads(request)  # noqa: S301 (our server, our pair)
        # Poll next time only if allowed and polling would have caught this event.
        poll_seconds = allowed if came_after <= allowed else 0.0
        channel.send_bytes(pickle.dumps(_invoke_in_worker(event)))
        answered = time.perf_counter()
