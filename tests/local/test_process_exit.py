"""local.process_exit: a process ends as the interpreter would end it, minus its teardown."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

SCRIPT = """
import atexit, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from local.process_exit import run_main

def main():
    atexit.register(lambda: print("exit handler ran", flush=True))
    pool = ThreadPoolExecutor(2)  # never shut down: the interpreter's own exit finishes it
    pool.submit(time.sleep, 0.2)
    late = threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished")))
    late.start()
    sys.stdout.write("unflushed output")
    {ending}
"""


def _run(ending: str) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(SCRIPT).format(ending=ending)
    return subprocess.run(
        [sys.executable, "-c", code + "\nrun_main(main)\n"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("ending", "exit_code"),
    [("return 3", 3), ("sys.exit(4)", 4), ("sys.exit()", 0), ("return 0", 0)],
)
def test_given_a_main_when_it_ends_then_threads_finish_handlers_run_and_its_code_is_kept(
    ending: str, exit_code: int
) -> None:
    """GIVEN a main that leaves a thread pool, a running thread, an exit handler and buffered
    output WHEN it returns or exits with a code THEN the thread finishes, the handler runs,
    the output is written, and the process exits with that code."""
    result = _run(ending)
    assert result.returncode == exit_code, result.stderr
    assert "unflushed output" in result.stdout
    assert "thread finished" in result.stdout
    assert "exit handler ran" in result.stdout
    assert result.stderr == ""


def test_given_a_main_that_fails_when_it_raises_then_the_interpreter_reports_it() -> None:
    """GIVEN a main that raises (or exits with a message) THEN the interpreter's own path:
    the traceback (or the message) on stderr, exit code 1."""
    failed = _run("raise ValueError('boom')")
    assert failed.returncode == 1
    assert "ValueError: boom" in failed.stderr
    message = _run("sys.exit('stopped: a message')")
    assert message.returncode == 1
    assert message.stderr.strip() == "stopped: a message"
