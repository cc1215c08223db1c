"""Run a deployed Lambda function by ARN inside the emulator process (for Cognito triggers).

moto cannot invoke Lambda without Docker. The emulator needs to run exactly one kind of
function itself, a user pool trigger, because Cognito calls it in the middle of a sign-in. The
code package comes from moto's own Lambda backend (what `cdk deploy` uploaded) and runs in the
same FunctionRunner the local gateway uses: a worker process with the function's environment
and the local AWS endpoint, its timeout, and a crash that cannot take the emulator down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from moto import settings

from local.runtime.client import local_aws_environment
from local.runtime.functions import function_spec, unpack_code
from local.runtime.workers import FunctionRunner, WorkerStartError


class FunctionError(Exception):
    """The function could not run or raised; str() is one line, `detail` the whole story."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class FunctionTimeoutError(FunctionError):
    """The caller stopped waiting (`wait_seconds`); the function runs on to its own timeout."""


class DeployedFunctions:
    """Runs deployed functions by ARN, one warm worker per function version (code hash)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runners: dict[tuple[str, str], FunctionRunner] = {}
        self._code_root: Path | None = None  # created on the first invoke
        # A runner serves from one event loop for its whole life (its worker sockets are bound
        # to it), and moto's request threads are not loops: one loop in a thread of its own.
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="deployed-functions", daemon=True
        )
        self._loop_thread.start()

    def invoke(self, arn: str, event: dict[str, Any], *, wait_seconds: float | None = None) -> Any:
        """The handler's return value; FunctionError when it raised, timed out or crashed;
        FunctionTimeoutError when it has not answered after `wait_seconds` (None: wait for
        the function's own timeout)."""
        runner = self._runner(arn)
        pending = asyncio.run_coroutine_threadsafe(runner.invoke(event), self._loop)
        try:
            outcome = pending.result(timeout=wait_seconds)
        except concurrent.futures.TimeoutError:
            raise FunctionTimeoutError(f"no answer within {wait_seconds:.0f} s") from None
        if outcome.error is not None:
            lines = outcome.error.strip().splitlines()
            raise FunctionError(lines[-1] if lines else "unknown error", outcome.error)
        return None if outcome.payload is None else json.loads(outcome.payload)

    def _runner(self, arn: str) -> FunctionRunner:
        from moto.awslambda.models import lambda_backends

        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda":
            raise FunctionError(f"'{arn}' is not a function ARN")
        region, account = parts[3], parts[4]
        try:
            function = lambda_backends[account][region].get_function(arn)
        except Exception:  # moto's UnknownFunctionException and friends
            raise FunctionError(f"Function not found: {arn}") from None
        key = (arn, str(function.code_sha_256))
        with self._lock:
            runner = self._runners.get(key)
            if runner is not None:
                return runner
            if self._code_root is None:
                self._code_root = Path(tempfile.mkdtemp(prefix="local-functions-"))
            code = bytes(function.code_bytes)
            code_dir = unpack_code(self._code_root, key[1], lambda: code)
            spec = function_spec(function.get_configuration(), code_dir, arn=arn)
            endpoint = f"http://localhost:{settings.moto_server_port()}"
            runner = FunctionRunner(spec, local_aws_environment(endpoint), workers=1)
            # Start the worker and import the handler outside the function's timeout, as
            # Lambda's init phase is (a first sign-in would otherwise time out on a busy
            # machine); an import error fails the call like any function error.
            try:
                runner.warm_up()
            except (WorkerStartError, TimeoutError) as error:
                runner.close()
                raise FunctionError(f"{type(error).__name__}: {error}") from None
            for old_key in [k for k in self._runners if k[0] == arn]:
                self._runners.pop(old_key).close()  # an older version of the same function
            self._runners[key] = runner
            return runner

    def close(self) -> None:
        with self._lock:
            for runner in self._runners.values():
                runner.close()
            self._runners.clear()
            if self._code_root is not None:
                shutil.rmtree(self._code_root, ignore_errors=True)
                self._code_root = None
        self._loop.call_soon_threadsafe(self._loop.stop)
