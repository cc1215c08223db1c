"""A function whose code does not load, as Lambda's Python runtime reports it: the error type
and message the runtime logs, and where in the code. Real worker processes on real files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from local.gateway.payload import map_in_worker
from local.runtime.init_errors import BrokenFunction, InitError
from local.runtime.workers import FunctionRunner, FunctionSpec, WorkerStartError

CASES = {
    "syntax": (
        "def handler(event, context:\n    return {}\n",
        "Runtime.UserCodeSyntaxError",
        "Syntax error in module 'app.fn': '(' was never closed (fn.py, line 1)",
        1,
    ),
    "import": (
        "import os\nimport no_such_module_anywhere\n\n\ndef handler(event, context):\n    ...\n",
        "Runtime.ImportModuleError",
        "Unable to import module 'app.fn': No module named 'no_such_module_anywhere'",
        2,
    ),
    "no_handler": (
        "def other(event, context):\n    return {}\n",
        "Runtime.HandlerNotFound",
        "Handler 'handler' missing on module 'app.fn'",
        None,
    ),
    "raises": (
        "x = 1\nraise ValueError('bad configuration')\n",
        "ValueError",
        "bad configuration",
        2,
    ),
}


def _init_error(tmp_path: Path, source: str) -> InitError:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "fn.py").write_text(source)
    spec = FunctionSpec(name="fn", arn="arn:fn", handler="app.fn.handler", code_dir=tmp_path)
    runner = FunctionRunner(spec, {}, workers=1)
    try:
        with pytest.raises(WorkerStartError) as raised:
            runner.warm_up()
    finally:
        runner.close()
    error = raised.value.init_error
    assert isinstance(error, InitError)
    return error


@pytest.mark.parametrize("case", sorted(CASES))
def test_code_that_does_not_load_gets_the_runtimes_error_and_its_place(
    tmp_path: Path, case: str
) -> None:
    """GIVEN a handler module with a syntax error, a missing import, no handler function, or
    an exception at import WHEN its worker starts THEN the error is the one Lambda's Python
    runtime reports (type and message), with the file and line in the code folder."""
    source, error_type, message, line = CASES[case]
    error = _init_error(tmp_path, source)
    assert (error.error_type, error.message) == (error_type, message)
    where = error.where(tmp_path)
    assert where == (None if line is None else ("app/fn.py", line))
    assert error.log_line == f"[ERROR] {error_type}: {message}"


def test_a_broken_function_answers_every_invoke_with_its_init_error(tmp_path: Path) -> None:
    """GIVEN a function whose code does not load WHEN it is invoked THEN each invoke fails at
    once with the runtime's log line (the gateway's 500), and nothing runs."""
    error = InitError("Runtime.ImportModuleError", "Unable to import module 'm': nope")
    spec = FunctionSpec(name="fn", arn="arn:fn", handler="m.handler", code_dir=tmp_path)
    broken = BrokenFunction(spec, error, map_in_worker)

    async def invoke_twice() -> list[str | None]:
        return [(await broken.invoke({})).error for _ in range(2)]

    assert asyncio.run(invoke_twice()) == [error.log_line] * 2
    assert broken.in_flight == 0
