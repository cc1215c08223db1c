"""The kept state's file: its format, what it must match to be loaded, and how it is written.

File format: MAGIC, one JSON header line (format, moto, python and add-on versions), the
pickle (local.emulator.server.snapshot). A file whose header differs, or that does not load
completely, is refused with SnapshotError saying why in one line: nothing is installed until the
whole pickle has loaded. Writes go to a temporary file, fsync it, rename it over the old one and
fsync the directory, so a crash at any moment leaves either the old or the new snapshot.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import sys
from pathlib import Path

from local.private_files import write_private

from .snapshot import Snapshot, SnapshotError, SnapshotPickler

# What callers of dumps/loads use: the snapshot they take and give, the error they raise.
__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "Snapshot",
    "SnapshotError",
    "compatibility",
    "dumps",
    "loads",
    "write_atomically",
]

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


def dumps(snapshot: Snapshot) -> bytes:
    header = json.dumps(compatibility(), sort_keys=True).encode() + b"\n"
    buffer = io.BytesIO()
    buffer.write(MAGIC + header)
    try:
        SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
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


def write_atomically(path: Path, data: bytes) -> None:
    """Write, fsync, rename, fsync the folder: the old file or the new one, never half; the
    file is 0600 and its folder 0700 from the start (it holds passwords and secrets)."""
    write_private(path, data, durable=True)
