"""Run deployed Lambda functions on this machine, each in its own worker processes.

moto cannot invoke Lambda without Docker, so the data plane runs the handler itself. A separate
process per function gives what the Lambda runtime gives: the function's own environment
variables and code on sys.path, a crash or `sys.exit` that cannot take the server down, and
handlers that do not share the server's GIL.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import sys
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    """The outcome of one invoke: the handler's return value, or the error Lambda would log."""

    result: Any = None
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
    return Invocation(result=result, duration_ms=(time.monotonic() - started) * 1000)


def _warm() -> bool:
    return _handler is not None


class FunctionRunner:
    """A small pool of worker processes for one function (Lambda's concurrent environments)."""

    def __init__(self, spec: FunctionSpec, aws_environment: dict[str, str], workers: int) -> None:
        self.spec = spec
        self._environment = self._function_environment(spec, aws_environment)
        self._workers = workers
        self._pool = self._new_pool()

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

    def _new_pool(self) -> ProcessPoolExecutor:
        fields = {
            "name": self.spec.name,
            "arn": self.spec.arn,
            "handler": self.spec.handler,
            "code_dir": str(self.spec.code_dir),
            "timeout_seconds": self.spec.timeout_seconds,
            "memory_mb": self.spec.memory_mb,
        }
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load_worker,
            initargs=(fields, self._environment),
        )

    def warm_up(self) -> None:
        """Start every worker and import the handler now, so the first request is not slow and
        an import error shows at start-up instead of as a 500 later."""
        futures = [self._pool.submit(_warm) for _ in range(self._workers * 2)]
        for future in futures:
            future.result(timeout=60)

    async def invoke(self, event: dict[str, Any]) -> Invocation:
        request_id = str(uuid.uuid4())
        try:
            future = self._pool.submit(_invoke_in_worker, event, request_id)
            return await asyncio.wait_for(
                asyncio.wrap_future(future), timeout=self.spec.timeout_seconds
            )
        except TimeoutError:
            return Invocation(error=f"Task timed out after {self.spec.timeout_seconds:.2f} seconds")
        except BrokenProcessPool:
            # A worker died (os._exit, segfault, OOM): answer this request with an error and
            # start fresh workers, as Lambda replaces a crashed execution environment.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return Invocation(error="Runtime exited without providing a reason")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
