"""Which files make up the CDK app: what `cdk watch` watches, read from the app's cdk.json.

One source for three readers: the deploy's fingerprint (an unchanged app is not deployed
again), the watcher of `make local` (an edit reloads), and the hot reload (a change inside a
function's code folder only). cdk.json's `watch.include` and `watch.exclude` are globs relative
to the app's folder, matched as the CDK CLI matches them (`**` spans folders; an excluded
folder excludes what it holds). cdk.json and cdk.context.json are the app's context: always
part of it, as a change to them changes what synth makes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from wcmatch import glob

from local.state import ROOT  # this product: its pinned CDK CLI

# What the CDK CLI's watch leaves out whatever cdk.json says: its own output, hidden files and
# folders, node_modules (aws-cdk's `cdk watch`: `ignored` defaults).
_ALWAYS_EXCLUDED = ("cdk.out/**", "**/.*", "**/.*/**", "**/node_modules/**")
_GLOB_FLAGS = glob.GLOBSTAR | glob.DOTGLOB
CONTEXT_FILES = ("cdk.json", "cdk.context.json")


class AppFilesError(ValueError):
    """cdk.json is missing or unreadable; the message says which and how to fix it."""


@dataclass(frozen=True)
class AppFiles:
    """The app's folder and cdk.json's watch globs."""

    root: Path
    include: tuple[str, ...]
    exclude: tuple[str, ...]

    @classmethod
    def load(cls, root: Path) -> AppFiles:
        path = root / "cdk.json"
        try:
            config = json.loads(path.read_text())
        except FileNotFoundError:
            raise AppFilesError(f"{path} is missing: the app folder needs its cdk.json") from None
        except (OSError, ValueError) as error:
            raise AppFilesError(f"{path} is not readable JSON: {error}") from None
        watch = config.get("watch") if isinstance(config, dict) else None
        watch = watch if isinstance(watch, dict) else {}
        include = tuple(p for p in watch.get("include") or ["**"] if isinstance(p, str))
        exclude = tuple(p for p in watch.get("exclude") or [] if isinstance(p, str))
        return cls(root.resolve(), include, exclude)

    def relative(self, path: Path) -> PurePosixPath | None:
        """The path relative to the app's folder (None: outside it)."""
        try:
            return PurePosixPath(Path(path).resolve().relative_to(self.root).as_posix())
        except ValueError:
            return None

    def is_context(self, path: Path) -> bool:
        relative = self.relative(path)
        return relative is not None and relative.as_posix() in CONTEXT_FILES

    def watched(self, path: Path) -> bool:
        """Would `cdk watch` react to this path (or is it the app's context)?"""
        relative = self.relative(path)
        if relative is None or relative.as_posix() in ("", "."):
            return False
        if relative.as_posix() in CONTEXT_FILES:
            return True
        if self._excluded(relative):
            return False
        return any(self._match(relative.as_posix(), p) for p in self.include)

    def _excluded(self, relative: PurePosixPath) -> bool:
        candidates = [relative.as_posix(), *(p.as_posix() for p in relative.parents if p.parts)]
        patterns = (*self.exclude, *_ALWAYS_EXCLUDED)
        return any(self._match(c, p) for c in candidates for p in patterns)

    @staticmethod
    def _match(relative: str, pattern: str) -> bool:
        return bool(glob.globmatch(relative, pattern.removeprefix("./"), flags=_GLOB_FLAGS))

    def watch_roots(self) -> tuple[list[Path], bool]:
        """The folders to watch with all they hold (each include glob's folder before its first
        wildcard), and whether the app's folder itself needs watching only for its own files
        (app.py, cdk.json): a glob that starts with a wildcard, or a folder that does not exist
        yet, watches the whole app folder instead (returned as the one folder)."""
        folders: set[Path] = set()
        for pattern in self.include:
            parts = PurePosixPath(pattern.removeprefix("./")).parts
            literal = list(itertools.takewhile(lambda p: not glob.is_magic(p), parts))
            target = self.root.joinpath(*literal)
            if len(literal) == len(parts) and not target.is_dir():
                target = target.parent  # a file: its folder (app.py: the app folder itself)
                if target == self.root:
                    continue
            elif target == self.root:
                return [self.root], False  # "**", "*.py", "**/x": anywhere in the app
            if not target.is_dir():
                return [self.root], False  # made later: seen only from the app folder
            folders.add(target)
        nested = {f for f in folders if any(f != o and f.is_relative_to(o) for o in folders)}
        return sorted(folders - nested), True

    def files(self) -> Iterator[Path]:
        """Every file `cdk watch` would watch, and the context files, in a stable order."""
        found: list[Path] = []
        for folder, dirs, names in os.walk(self.root):
            here = Path(folder)
            dirs[:] = [d for d in dirs if not self._excluded_folder(here / d)]
            found.extend(path for name in names if self.watched(path := here / name))
        yield from sorted(found)

    def _excluded_folder(self, folder: Path) -> bool:
        relative = self.relative(folder)
        return relative is None or self._excluded(relative)

    def fingerprint(self, context: Sequence[str]) -> str:
        """Changes whenever what `cdk deploy` would deploy can change: the app's files (names
        and contents), the context given, the CDK library and CLI versions."""
        digest = hashlib.sha256()
        for path in self.files():
            relative = path.relative_to(self.root).as_posix()
            digest.update(f"{relative}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        versions = [metadata.version(name) for name in ("aws-cdk-lib", "constructs")]
        cli = ROOT / "node_modules" / "aws-cdk" / "package.json"
        versions.append(json.loads(cli.read_text())["version"] if cli.is_file() else "?")
        digest.update(json.dumps({"context": list(context), "versions": versions}).encode())
        return digest.hexdigest()
