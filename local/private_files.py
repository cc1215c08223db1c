"""Folders and files only this machine user may read: 0700 and 0600, born that way.

The kept state holds the run's AWS credentials, the demo users' passwords and the machine
client's secret. Creating a file and then narrowing its mode leaves a window in which another
user can open it; these helpers pass the mode to the system call that creates it (the umask
can only narrow it further), and re-apply it to what already exists (an older checkout made
`.local/` 0755).
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700, or narrow it to 0700 if it exists."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def write_private(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replace `path` atomically with `data`, the new file 0600 from its first byte.

    durable: fsync the file and its folder too (the old file or the new one after a crash).
    """
    private_dir(path.parent)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)  # O_EXCL below: never write through someone's link
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    partial.replace(path)
    if durable:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def secure_tree(root: Path) -> None:
    """Re-apply the modes on load: every folder under `root` 0700, every file 0600 (0700 if
    its owner may run it; links are left alone: their targets are not ours to change)."""
    if not root.exists():
        return
    private_dir(root)
    for folder, folders, files in os.walk(root):
        for name in folders:
            child = Path(folder, name)
            if not child.is_symlink():
                child.chmod(DIR_MODE)
        for name in files:
            child = Path(folder, name)
            if not child.is_symlink():
                executable = child.stat().st_mode & 0o100
                child.chmod(DIR_MODE if executable else FILE_MODE)
