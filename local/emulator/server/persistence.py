"""Keep the emulator's AWS state across restarts: load it at start, save it when it changed.

Runs inside the moto server process (it owns the backends). What is kept and how it is pickled:
local.emulator.server.snapshot; the file and what it must match: snapshot_file. A file that
cannot be used is moved aside with one line of explanation and the emulator starts empty.
Saves run every `interval` seconds when a request was served since the last one, on the run's
demand (POST /_local/state/metadata) and on a clean stop, each with requests held off
(request_gate), so a snapshot never holds half of a change.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The file name, the prefix of the lines the run repeats, the control path: shared with the
# run's side (process.py), which must not import moto.
from local.emulator.wire import CONTROL_PATH, NOTICE_PREFIX, SNAPSHOT_NAME

from . import moto_seam
from .request_gate import RequestGate
from .snapshot import SnapshotError, capture, install
from .snapshot_file import dumps, loads, write_atomically


@dataclass
class SaveResult:
    saved_at: float
    seconds: float
    size: int


_ACTIVE_KEEPER: StateKeeper | None = None


def run_metadata() -> dict[str, Any]:
    """What the run recorded in this emulator (empty when it keeps no state)."""
    return {} if _ACTIVE_KEEPER is None else dict(_ACTIVE_KEEPER.metadata)


class StateKeeper:
    """The emulator's kept state: loads it at start, saves it on demand, on a timer, on stop."""

    def __init__(self, directory: Path, interval: float) -> None:
        self.directory = directory
        self.path = directory / SNAPSHOT_NAME
        self.interval = interval
        self.gate = RequestGate()
        self.metadata: dict[str, Any] = {}
        self.loaded_from: float | None = None  # mtime of the snapshot loaded at start
        self.last_save: SaveResult | None = None
        self._saved_generation = -1
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notices: list[str] = []
        global _ACTIVE_KEEPER
        _ACTIVE_KEEPER = self

    def notice(self, message: str) -> None:
        line = f"{NOTICE_PREFIX}{message}"
        self.notices.append(message)
        print(line, flush=True)

    def load(self) -> None:
        """Install the saved state; on any problem move the folder aside and start empty."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            if self.directory.exists() and any(self.directory.iterdir()):
                self._set_aside("it has no snapshot file")
            return
        except OSError as error:
            self._set_aside(f"it is unreadable ({error.strerror})")
            return
        try:
            snapshot = loads(data)
            install(snapshot)
        except SnapshotError as problem:
            self._set_aside(str(problem))
            return
        self.metadata = snapshot.metadata
        self.loaded_from = self.path.stat().st_mtime
        self._saved_generation = self.gate.generation
        saved = time.strftime("%H:%M:%S", time.localtime(self.loaded_from))
        self.notice(f"loaded {self.path} (saved at {saved})")

    @property
    def services(self) -> list[str]:
        """The services whose state was loaded (moto's names: cognito-idp, dynamodb, ...)."""
        return sorted({d.service_name for d in moto_seam.backend_dicts() if any(d.values())})

    def warm_up(self, dispatcher: Any) -> None:
        """Build moto's per-service apps for the loaded services now (each first request would
        otherwise pay ~0.1-0.2 s), in the background while the run verifies the state."""

        def build() -> None:
            for service in self.services:
                with dispatcher.lock:
                    if service not in dispatcher.app_instances:
                        try:
                            dispatcher.app_instances[service] = dispatcher.create_app(service)
                        except (KeyError, ValueError, ImportError, AttributeError):
                            continue  # not a name moto serves by: its first request builds it

        threading.Thread(target=build, name="warm-up", daemon=True).start()

    def _set_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.directory.with_name(f"{self.directory.name}.unusable-{stamp}")
        self.directory.rename(aside)
        self.notice(
            f"{self.directory} could not be used ({reason}): moved to {aside}, starting empty"
        )

    def save(self, *, force: bool = False) -> SaveResult | None:
        """Snapshot now (unless nothing changed since the last save and not forced)."""
        with self._save_lock:
            started = time.perf_counter()
            with self.gate.exclusive() as generation:
                if generation == self._saved_generation and not force:
                    return None
                data = dumps(capture(self.metadata))
            write_atomically(self.path, data)
            self._saved_generation = generation
            self.last_save = SaveResult(time.time(), time.perf_counter() - started, len(data))
            return self.last_save

    def start_autosave(self) -> None:
        self._thread = threading.Thread(target=self._autosave, name="state-autosave", daemon=True)
        self._thread.start()

    def _autosave(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except (SnapshotError, OSError) as problem:
                self.notice(f"saving failed: {problem}")

    def stop(self) -> None:
        """The final save, on a clean stop (after the server stopped taking requests)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 30)
        try:
            result = self.save()
        except (SnapshotError, OSError) as problem:
            self.notice(f"the final save failed: {problem}")
            return
        if result is not None:
            self.notice(f"saved {self.path} ({result.size} bytes in {result.seconds:.2f} s)")

    # --- the WSGI side: the gate around moto, and the run's control calls ----------------

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if environ.get("PATH_INFO", "").startswith(CONTROL_PATH):
                return self._control(environ, start_response)
            with self.gate.request():
                return list(app(environ, start_response))  # the whole answer, inside the gate

        return application

    def status(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "loaded": self.loaded_from is not None,
            "loaded_saved_at": self.loaded_from,
            "last_saved_at": None if self.last_save is None else self.last_save.saved_at,
            "last_save_seconds": None if self.last_save is None else self.last_save.seconds,
            "interval_seconds": self.interval,
            "metadata": self.metadata,
            "notices": self.notices,
        }

    def _control(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """GET /_local/state: status. POST /_local/state/metadata {json}: record it and save."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        status, body = "404 Not Found", {"message": "Not Found"}
        if method == "GET" and path == CONTROL_PATH:
            status, body = "200 OK", self.status()
        elif method == "POST" and path == f"{CONTROL_PATH}/metadata":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                update = json.loads(environ["wsgi.input"].read(length) or b"{}")
                if not isinstance(update, dict):
                    raise ValueError("not a JSON object")
            except ValueError as error:
                status, body = "400 Bad Request", {"message": f"bad metadata: {error}"}
            else:
                self.metadata |= update
                try:
                    self.save(force=True)
                except (SnapshotError, OSError) as problem:
                    status, body = "500 Internal Server Error", {"message": str(problem)}
                else:
                    status, body = "200 OK", self.status()
        data = json.dumps(body).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]
