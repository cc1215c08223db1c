"""What "private" means for the kept state: checked the same way after a start and a restart."""

from __future__ import annotations

import stat
from pathlib import Path


def assert_private(root: Path) -> None:
    """Every folder 0700, every file 0600 (0700 if executable): nobody else reads a byte."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        allowed = {0o700} if path.is_dir() else {0o600, 0o700}
        assert mode in allowed, f"{path} is {oct(mode)}"
