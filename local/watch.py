"""Watch the app while `make local` serves: what `cdk watch` watches (local.app_files).

watchfiles (inotify on Linux) reports changes in batches: a batch ends once no new change came
for STEP_MS, or after DEBOUNCE_MS at most, so a burst of saves (an editor's write-and-rename, a
`git checkout` of many files) is one batch and one reload. While a reload runs, the next
changes gather into the next batch.

Only the folders the include globs name are watched with all they hold (`stacks/`, `lambdas/`),
and the app's folder for its own files (app.py, cdk.json): never a `.venv` or `node_modules`
of thousands of folders (each one an inotify watch). cdk.json is read again on every batch: a
change to its `watch` globs takes effect at once, watching new folders if they need it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, watch

from local.app_files import AppFiles, AppFilesError
from local.background import BackgroundThread

log = logging.getLogger("local.watch")
STEP_MS = 50
DEBOUNCE_MS = 1600


class AppWatcher(BackgroundThread):
    """Threads that hand every batch of changed app files to `on_change`, one at a time."""

    def __init__(self, root: Path, on_change: Callable[[set[Path]], None]) -> None:
        self.root = root
        self.on_change = on_change
        self._files = AppFiles.load(root)
        self._regroup = threading.Event()  # the watched folders changed: watch anew
        self._handling = threading.Lock()
        super().__init__(self._run, name="app-watch", join_seconds=10)

    def _wake(self) -> None:
        self._regroup.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._regroup.clear()
            folders, own_files = self._files.watch_roots()
            stop = threading.Event()
            watches = [(folders, True)] if folders else []
            watches += [([self.root], False)] if own_files else []
            threads = [threading.Thread(target=self._watch, args=(*w, stop)) for w in watches]
            for thread in threads:
                thread.daemon = True
                thread.start()
            self._regroup.wait()
            stop.set()
            for thread in threads:
                thread.join(timeout=10)

    def _watched(self, change: Change, path: str) -> bool:
        return self._files.watched(Path(path))

    def _watch(self, folders: list[Path], recursive: bool, stop: threading.Event) -> None:
        for changes in watch(
            *folders,
            watch_filter=self._watched,
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=stop,
            recursive=recursive,
            raise_interrupt=False,
        ):
            if stop.is_set():
                return
            paths = _net_changes(changes)
            if paths:
                with self._handling:
                    self._handle(paths)

    def _handle(self, paths: set[Path]) -> None:
        try:
            files = AppFiles.load(self.root)
        except AppFilesError as problem:
            print(f"  ! {problem}: waiting for the next save", flush=True)
            return
        if files.watch_roots() != self._files.watch_roots():
            self._regroup.set()
        self._files = files
        try:
            self.on_change(paths)
        except Exception:  # a bug in a reload must not end the watching
            log.exception("reloading after a change failed")


def _net_changes(changes: set[tuple[Change, str]]) -> set[Path]:
    """The paths a batch changed, less those it made and removed again (an editor's or sed's
    temporary file)."""
    added = {path for change, path in changes if change == Change.added}
    deleted = {path for change, path in changes if change == Change.deleted}
    transient = {path for path in added & deleted if not Path(path).exists()}
    return {Path(path) for _, path in changes if path not in transient}
