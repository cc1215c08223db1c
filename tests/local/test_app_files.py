"""What makes up the CDK app (local.app_files): cdk.json's watch globs, read as `cdk watch`
reads them, for the deploy's fingerprint and the watcher alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.app_files import AppFiles, AppFilesError
from local.deploy import app_fingerprint
from tests.conftest import ROOT

WATCH = {
    "include": ["app.py", "stacks/**", "lambdas/**"],
    "exclude": ["**/__pycache__", "tests/**"],
}


@pytest.fixture
def app(tmp_path: Path) -> AppFiles:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "watch": WATCH}))
    for name in ("app.py", "stacks/api.py", "lambdas/fn/handler.py", "tests/test_x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    return AppFiles.load(tmp_path)


@pytest.mark.parametrize(
    ("relative", "watched"),
    [
        ("app.py", True),
        ("stacks/api.py", True),
        ("lambdas/fn/handler.py", True),
        ("lambdas/fn/deeper/module.py", True),
        ("cdk.json", True),  # the context
        ("cdk.context.json", True),
        ("tests/test_x.py", False),  # excluded
        ("lambdas/fn/__pycache__/handler.cpython-311.pyc", False),  # an excluded folder's file
        ("README.md", False),  # not included
        ("stacks/.api.py.swp", False),  # hidden: never, as `cdk watch`
        ("lambdas/node_modules/x/index.js", False),
        ("cdk.out/manifest.json", False),
    ],
)
def test_a_path_is_watched_as_cdk_watch_would_watch_it(
    app: AppFiles, relative: str, watched: bool
) -> None:
    """GIVEN cdk.json's watch globs WHEN a path is asked about THEN it is watched exactly when
    an include glob matches it and no exclude glob matches it or a folder holding it."""
    assert app.watched(app.root / relative) is watched


def test_a_path_outside_the_app_is_never_watched(app: AppFiles, tmp_path: Path) -> None:
    """GIVEN a path outside the app's folder WHEN asked THEN it is not the app's."""
    assert not app.watched(tmp_path.parent / "elsewhere.py")


def test_the_fingerprint_follows_watched_files_only(app: AppFiles) -> None:
    """GIVEN the app's fingerprint WHEN an excluded file changes THEN it is the same; WHEN a
    watched file changes THEN it differs; the context given counts too."""
    before = app.fingerprint([])
    (app.root / "tests/test_x.py").write_text("x = 2\n")
    assert app.fingerprint([]) == before
    (app.root / "lambdas/fn/handler.py").write_text("x = 2\n")
    changed = app.fingerprint([])
    assert changed != before
    assert app.fingerprint(["stage=prod"]) != changed


@pytest.mark.parametrize("content", [None, "{not json", "[]"])
def test_a_missing_or_unreadable_cdk_json_is_one_clear_error(
    tmp_path: Path, content: str | None
) -> None:
    """GIVEN an app folder whose cdk.json is missing or not JSON WHEN loaded THEN one error
    names the file; a JSON value that is not an object watches everything (no globs)."""
    if content is not None:
        (tmp_path / "cdk.json").write_text(content)
    if content == "[]":
        assert AppFiles.load(tmp_path).include == ("**",)
        return
    with pytest.raises(AppFilesError, match=r"cdk\.json"):
        AppFiles.load(tmp_path)


def test_the_product_has_one_fingerprint() -> None:
    """GIVEN this product WHEN the deploy and the app files compute its fingerprint THEN they
    agree (one source: local.app_files)."""
    assert app_fingerprint(["stage=dev"]) == AppFiles.load(ROOT).fingerprint(["stage=dev"])


@pytest.mark.parametrize(
    ("include", "folders", "own_files"),
    [
        (["app.py", "stacks/**", "lambdas/**"], ["lambdas", "stacks"], True),
        (["lambdas/fn/*.py", "lambdas/**"], ["lambdas"], True),  # nested: once
        (["lambdas/fn/handler.py"], ["lambdas/fn"], True),
        (["**"], ["."], False),  # anywhere: the app folder with all it holds
        (["**/*.py"], ["."], False),
        (["src/**"], ["."], False),  # not made yet: seen from the app folder
    ],
)
def test_only_the_folders_the_include_globs_name_are_watched(
    app: AppFiles, include: list[str], folders: list[str], own_files: bool
) -> None:
    """GIVEN cdk.json's include globs WHEN the watcher asks what to watch THEN the folders
    they name, with all they hold (never a .venv or node_modules beside them), and the app
    folder for its own files; a glob that can match anywhere watches the whole app folder."""
    globs = AppFiles(app.root, tuple(include), app.exclude)
    assert globs.watch_roots() == ([(app.root / f).resolve() for f in folders], own_files)
