"""A function whose code does not load, answered as Lambda answers it.

Lambda's Python runtime imports the handler's module in the init phase. When that fails, every
invoke fails with the runtime's error (the HTTP API then answers 500 `{"message":"Internal
Server Error"}`), and the function's log says why:
- a SyntaxError: `Runtime.UserCodeSyntaxError`, "Syntax error in module 'm': <error>";
- an ImportError (a missing module): `Runtime.ImportModuleError`, "Unable to import module
  'm': <error>";
- no such function in the module: `Runtime.HandlerNotFound`, "Handler 'f' missing on module
  'm'";
- any other exception raised while importing: its own type and message.
(awslambdaric's bootstrap: `_get_handler`.) `BrokenFunction` serves such a function in place of
its workers until its code is fixed.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.runtime.worker_process import ResultMapper
from local.runtime.workers import FunctionRunner, FunctionSpec, Invocation


@dataclass(frozen=True)
class InitError:
    """Why a function's code did not load, and where (the file and line in its code folder)."""

    error_type: str
    message: str
    file: str | None = None
    line: int | None = None

    @property
    def log_line(self) -> str:
        """The line Lambda's runtime logs for it (and the invoke's error)."""
        return f"[ERROR] {self.error_type}: {self.message}"

    def where(self, code_dir: Path) -> tuple[str, int] | None:
        """The file (relative to the code folder) and line, when the error is in the code."""
        if self.file is None or self.line is None:
            return None
        try:
            return Path(self.file).resolve().relative_to(code_dir.resolve()).as_posix(), self.line
        except ValueError:
            return None


def _innermost_frame(error: BaseException) -> tuple[str | None, int | None]:
    frames = traceback.extract_tb(error.__traceback__)
    user = [f for f in frames if "<frozen" not in f.filename and "importlib" not in f.filename]
    if not frames:
        return None, None
    frame = (user or frames)[-1]
    return frame.filename, frame.lineno


def classify(error: BaseException, handler: str) -> InitError:
    """The runtime's error for an exception raised while loading `handler` ("module.function")."""
    module, _, function = handler.rpartition(".")
    if isinstance(error, SyntaxError):
        return InitError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module}': {error}",
            error.filename,
            error.lineno,
        )
    file, line = _innermost_frame(error)
    if isinstance(error, ImportError):
        return InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module}': {error}", file, line
        )
    if isinstance(error, AttributeError) and getattr(error, "name", None) == function:
        return InitError(
            "Runtime.HandlerNotFound", f"Handler '{function}' missing on module '{module}'"
        )
    return InitError(type(error).__name__, str(error), file, line)


class BrokenFunction:
    """Stands in for a function's workers while its code does not load: every invoke fails
    at once with the runtime's init error, as Lambda's do."""

    def __init__(self, spec: FunctionSpec, error: InitError, mapper: ResultMapper | None) -> None:
        self.spec = spec
        self.error = error
        self.mapper = mapper
        self.in_flight = 0

    async def invoke(self, event: dict[str, Any], *, alone: bool = False) -> Invocation:
        return Invocation(error=self.error.log_line)

    def warm_up(self) -> None:
        """Nothing to start: the code does not load."""

    def detach(self) -> None:
        """Nothing to stop."""

    def close(self) -> None:
        """Nothing to stop."""


# What the data plane invokes for a function: its workers, or the stand-in while it is broken.
Runner = FunctionRunner | BrokenFunction
