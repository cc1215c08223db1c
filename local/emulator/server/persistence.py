"""Keep the emulator's AWS state across restarts: one snapshot file, saved atomically.

Runs inside the moto server process (it owns the backends). Every moto backend in use (the
CloudFormation stacks, the Cognito pools and users, the DynamoDB items, the S3 assets, ...)
is pickled in ONE pickle, so objects shared across services (a stack's resource map holds
the very pool object the Cognito backend serves) stay shared after a load.

What plain pickle refuses, and how it is kept:
- cryptography keys (moto's Cognito signing key inside joserfc's RSAKey, CloudFormation's
  copy of it): as PKCS#8 / SubjectPublicKeyInfo PEM, loaded back into the same key;
- threading locks (ECR, S3 keys): a new, unlocked lock;
- WeakValueDictionary (Lambda's ARN index): its current items, weakly held again;
- functions defined inside functions (moto's `defaultdict(lambda: ...)` factories): their
  code (marshal, hence the Python version in the header) and their module's globals; one
  with a closure fails the save with its name (never a silently wrong load);
- subclasses of defaultdict/OrderedDict whose __init__ takes other arguments (SSM's
  ParameterDict): made without that __init__, then filled;
- moto's live BackendDicts, when a model points at one: a reference to the live one.

File format: MAGIC, one JSON header line (format, moto, python and add-on versions), the
pickle. A file whose header differs, or that does not load completely, is moved aside with
one line of explanation and the emulator starts empty: nothing is installed until the whole
pickle has loaded. Saves write a temporary file, fsync it, rename it over the old one and
fsync the directory, so a crash at any moment leaves either the old or the new snapshot.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import marshal
import pickle
import sys
import threading
import time
import types
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from local.emulator.wire import CONTROL_PATH, NOTICE_PREFIX, SNAPSHOT_NAME

# The file name, the prefix of the lines the run repeats, the control path: shared with the
# run's side (process.py), which must not import moto.
from local.private_files import write_private

from . import moto_seam

MAGIC = b"local-aws-state\n"
FORMAT_VERSION = 1

_ADDON_DIR = Path(__file__).resolve().parent
# Modules of this package that never define or patch objects kept in a snapshot (the
# server's start-up, its front door): editing them keeps the saved state usable. (The caller's
# side, local.emulator.caller, and local.runtime are outside this package: never counted.)
_NOT_IN_SNAPSHOTS = frozenset(
    {
        "__init__.py",
        "__main__.py",
        "main.py",
        "sigv4.py",
        "aws_errors.py",
        "security.py",
        "issued_credentials.py",
    }
)
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
_PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)


class SnapshotError(RuntimeError):
    """A snapshot cannot be saved or loaded; the message says why in one line."""


def compatibility() -> dict[str, str | int]:
    """What a snapshot must match to be loaded: objects are restored attribute by attribute,
    so a different moto, Python or add-on could leave them missing fields. The add-on counts
    by its source: every module of this package except _NOT_IN_SNAPSHOTS."""
    import moto

    digest = hashlib.sha256()
    for source in sorted(_ADDON_DIR.glob("*.py")):
        if source.name in _NOT_IN_SNAPSHOTS:
            continue
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return {
        "format": FORMAT_VERSION,
        "moto": moto.__version__,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "addon": digest.hexdigest()[:16],
    }


# --- what pickle cannot take as is -------------------------------------------------------


def _load_private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _load_public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def _new_lock(reentrant: bool) -> Any:
    return threading.RLock() if reentrant else threading.Lock()


def _local_function(module: str, name: str, code: bytes) -> Callable[..., Any]:
    """A function defined inside another (moto's `defaultdict(lambda: ...)` factories)."""
    globals_ = vars(importlib.import_module(module))
    return types.FunctionType(marshal.loads(code), globals_, name)  # noqa: S302 - our own file


def _bare(cls: Any, factory: Callable[[], Any] | None) -> Any:
    """A subclass of defaultdict/OrderedDict made without its own __init__ (which may need
    arguments: SSM's ParameterDict); pickle then restores its attributes and items."""
    made = cls.__new__(cls)
    if isinstance(made, defaultdict):
        defaultdict.__init__(made, factory)
    return made


def _live_backend_dict(module: str, service: str) -> Any:
    return _find_backend_dict(module, service)


def _find_backend_dict(module: str, service: str) -> Any:
    from moto.core.base_backend import BackendDict

    for value in vars(importlib.import_module(module)).values():
        if isinstance(value, BackendDict) and value.service_name == service:
            return value
    raise SnapshotError(f"moto has no '{service}' backends in {module} any more")


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        from moto.core.base_backend import BackendDict

        if isinstance(obj, _LOCK_TYPES):
            return _new_lock, (isinstance(obj, _LOCK_TYPES[1]),)
        if isinstance(obj, _PRIVATE_KEYS):
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _load_private_key, (pem,)
        if isinstance(obj, _PUBLIC_KEYS):
            pem = obj.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return _load_public_key, (pem,)
        if isinstance(obj, weakref.WeakValueDictionary):
            return weakref.WeakValueDictionary, (dict(obj.items()),)
        if isinstance(obj, BackendDict):
            return _live_backend_dict, (obj.backend.__module__, obj.service_name)
        dict_like = (defaultdict, OrderedDict)
        if isinstance(obj, dict_like) and type(obj) not in dict_like:
            factory = obj.default_factory if isinstance(obj, defaultdict) else None
            return _bare, (type(obj), factory), vars(obj) or None, None, iter(obj.items())
        if isinstance(obj, types.FunctionType) and "<locals>" in obj.__qualname__:
            if obj.__closure__ or obj.__defaults__ or obj.__kwdefaults__:
                raise SnapshotError(f"cannot save the function {obj.__qualname__}")
            return _local_function, (obj.__module__, obj.__name__, marshal.dumps(obj.__code__))
        return NotImplemented


# --- the snapshot ------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Every moto backend in use, by (models module, service), plus the run's own metadata."""

    backends: dict[tuple[str, str], dict[str, dict[str, Any]]]
    metadata: dict[str, Any] = field(default_factory=dict)


def capture(metadata: dict[str, Any]) -> Snapshot:
    """The live backends (call with requests held off: see RequestGate)."""
    backends: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for backend_dict in list(moto_seam.backend_dicts()):
        accounts = {account: dict(regions) for account, regions in backend_dict.items()}
        if any(accounts.values()):
            key = (backend_dict.backend.__module__, backend_dict.service_name)
            backends[key] = accounts
    return Snapshot(backends=backends, metadata=dict(metadata))


def dumps(snapshot: Snapshot) -> bytes:
    header = json.dumps(compatibility(), sort_keys=True).encode() + b"\n"
    buffer = io.BytesIO()
    buffer.write(MAGIC + header)
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
    except SnapshotError:
        raise
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise SnapshotError(f"cannot save the emulator's state: {error}") from None
    return buffer.getvalue()


def loads(data: bytes) -> Snapshot:
    """The whole snapshot, or SnapshotError saying why not (nothing is installed here)."""
    if not data.startswith(MAGIC):
        raise SnapshotError("it is not a saved local AWS state")
    header_line, _, payload = data[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        raise SnapshotError("its header is unreadable") from None
    expected = compatibility()
    if header != expected:
        saved = header if isinstance(header, dict) else {}
        what = ", ".join(
            f"{key} {saved.get(key, '?')} -> {value}"
            for key, value in expected.items()
            if saved.get(key) != value
        )
        raise SnapshotError(f"it was saved by another version ({what})")
    try:
        snapshot = pickle.loads(payload)  # noqa: S301 - our own file, in the run's own folder
    except Exception as error:  # any failure at all means: not loadable, start fresh
        raise SnapshotError(f"it does not load ({type(error).__name__}: {error})") from None
    if not isinstance(snapshot, Snapshot):
        raise SnapshotError("it holds something else than a snapshot")
    return snapshot


def install(snapshot: Snapshot) -> None:
    """Replace moto's live backends with the snapshot's (all found before any is replaced)."""
    targets = [(_find_backend_dict(*key), accounts) for key, accounts in snapshot.backends.items()]
    for backend_dict, accounts in targets:
        backend_dict.clear()
        for account, regions in accounts.items():
            account_backends = backend_dict[account]  # creates the account's (empty) mapping
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)
        if backend_dict not in moto_seam.backend_dicts():
            moto_seam.backend_dicts().append(backend_dict)


def write_atomically(path: Path, data: bytes) -> None:
    """Write, fsync, rename, fsync the folder: the old file or the new one, never half; the
    file is 0600 and its folder 0700 from the start (it holds passwords and secrets)."""
    write_private(path, data, durable=True)


# --- requests vs. snapshots --------------------------------------------------------------


class RequestGate:
    """Many requests at once, or one snapshot alone (a shared lock that prefers the writer for
    a moment only).

    A snapshot taken while a request changes a backend could hold half of that change (or
    fail with "dictionary changed size during iteration"); requests wait while one is taken.
    A new request gives way to a waiting snapshot for at most YIELD_SECONDS, then goes ahead:
    a request can be nested in another (Cognito's pre token trigger calls SSM while the
    sign-in that runs it is still open), and a nested request that waited for the snapshot,
    which waits for the outer request, would wait forever.
    """

    YIELD_SECONDS = 0.05

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._exclusive = False
        self._waiting_exclusive = 0
        self.generation = 0  # requests served so far: unchanged means nothing to save

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._condition:
            give_way_until = time.monotonic() + self.YIELD_SECONDS
            while self._exclusive or (
                self._waiting_exclusive and time.monotonic() < give_way_until
            ):
                self._condition.wait(timeout=self.YIELD_SECONDS)
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self.generation += 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[int]:
        """Yields the generation the snapshot will reflect."""
        with self._condition:
            self._waiting_exclusive += 1
            while self._exclusive or self._active:
                self._condition.wait()
            self._waiting_exclusive -= 1
            self._exclusive = True
            generation = self.generation
        try:
            yield generation
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()


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
