"""The parts of a reload that need no running endpoint: what it reports as changed, which
saves make one batch, the CDK CLI's error in a few lines, and a code package built from a
folder as its last deploy built it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from watchfiles import Change

from local.app_files import AppFiles
from local.deploy import _summary
from local.gateway.discovery import DeployedApi, JwtAuthorizerSpec
from local.gateway.routes import Route
from local.hotswap import CodeAsset, CodeAssets, _learned_exclusions, _match
from local.reload import api_changes, display_name
from local.runtime.workers import FunctionSpec
from local.watch import _net_changes

GET_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Api-GetProfileInfoCAAAB566-X1"


def _route(key: str, **fields: Any) -> Route:
    kind = "JWT" if "authorizer_id" in fields else "NONE"
    return Route(route_key=key, function_arn=GET_ARN, authorization_type=kind, **fields)


def _api(tmp_path: Path, routes: list[Route], code: str = "a", timeout: float = 5) -> DeployedApi:
    code_dir = tmp_path / code
    code_dir.mkdir(parents=True, exist_ok=True)
    (code_dir / "handler.py").write_text(f"CODE = {code!r}\n")
    spec = FunctionSpec(
        name="Api-GetProfileInfoCAAAB566-X1",
        arn=GET_ARN,
        handler="handler.handler",
        code_dir=code_dir,
        timeout_seconds=timeout,
    )
    authorizer = JwtAuthorizerSpec(
        authorizer_id="a1",
        name="Jwt",
        issuer="https://issuer.example",
        audiences=("aud",),
        identity_source="$request.header.Authorization",
    )
    return DeployedApi(
        api_id="api",
        name="api",
        stage="$default",
        routes=routes,
        authorizers={"a1": authorizer},
        functions={GET_ARN: spec},
    )


def test_a_redeploy_reports_each_route_and_function_change_in_one_line_each(
    tmp_path: Path,
) -> None:
    """GIVEN the API before and after a redeploy WHEN compared THEN a new route is `+`, a
    removed one `-`, a route whose authorization changed `~`, and a function's new code or
    configuration `~ Name code` / `~ Name configuration` (its logical id, not CDK's suffixes);
    the same code in another folder is no change."""
    get = _route("GET /user/profile", authorizer_id="a1")
    old = _api(tmp_path, [get, _route("DELETE /x")])
    scoped = _route("GET /user/profile", authorizer_id="a1", authorization_scopes=("read",))
    new = _api(tmp_path, [scoped, _route("GET /s")], code="b", timeout=10)
    assert api_changes(old, new) == [
        "+ GET /s",
        "- DELETE /x",
        "~ GET /user/profile",
        "~ GetProfileInfo code",
        "~ GetProfileInfo configuration",
    ]
    same_code_elsewhere = _api(tmp_path / "copy", [get, _route("DELETE /x")])
    assert api_changes(old, same_code_elsewhere) == []


def test_a_function_is_named_by_its_logical_id() -> None:
    """GIVEN CDK's physical function names WHEN shown THEN the logical id a reader knows."""
    assert display_name("JwtProfileApiDev-GetProfileInfoCAAAB566-F8KHXDJUJWE5") == "GetProfileInfo"
    assert display_name("my-own-name") == "my-own-name"


def test_a_file_made_and_removed_within_one_batch_is_no_change(tmp_path: Path) -> None:
    """GIVEN an editor's write-and-rename (a temporary file made and gone) WHEN the batch is
    read THEN only the real file counts as changed; a deleted real file counts."""
    real, gone = tmp_path / "handler.py", tmp_path / "handler.py.tmp"
    real.write_text("x")
    removed = tmp_path / "old.py"
    changes = {
        (Change.added, str(gone)),
        (Change.deleted, str(gone)),
        (Change.modified, str(real)),
        (Change.deleted, str(removed)),
    }
    assert _net_changes(changes) == {real, removed}


def test_a_failed_synth_is_shown_as_its_innermost_frame_and_error(tmp_path: Path) -> None:
    """GIVEN the CDK CLI's stderr for an app that raised WHEN summarised THEN a few lines: the
    command, the last frame (file and line) and the error, no traceback wall."""
    stderr = "\n".join(
        [
            "Traceback (most recent call last):",
            '  File "/app/app.py", line 10, in <module>',
            "    build()",
            '  File "/app/stacks/api_stack.py", line 85',
            "    self._route((",
            "               ^",
            "SyntaxError: '(' was never closed",
            "python3 app.py: Subprocess exited with error 1",
        ]
    )
    summary = _summary("synth", stderr, tmp_path / "cdk.log").splitlines()
    assert summary[0] == f"`cdk synth` failed (full log: {tmp_path / 'cdk.log'}):"
    assert summary[1] == 'File "/app/stacks/api_stack.py", line 85'
    assert summary[-1] == "SyntaxError: '(' was never closed"
    assert "app.py" not in " ".join(summary[2:])


def test_a_package_leaves_out_what_the_last_deploy_left_out(tmp_path: Path) -> None:
    """GIVEN a code folder whose deployed package had no __pycache__ folder and no .pyc or .md
    file WHEN its package is built again THEN it leaves those out (new ones too) and keeps new
    code, also a new file the deploy never saw; the same files make the same bytes."""
    names, suffixes = _learned_exclusions(
        ["fn/__pycache__/a.pyc", "notes.md", "stray.pyc", "fn/made_later.py"],
        ["fn/handler.py", "fn/__init__.py"],
    )
    assert (names, suffixes) == (frozenset({"__pycache__"}), frozenset({".md", ".pyc"}))
    (tmp_path / "cdk.json").write_text('{"watch": {"include": ["lambdas/**"]}}')
    source = tmp_path / "lambdas"
    for name in ("fn/handler.py", "fn/new_module.py", "notes.md", "fn/__pycache__/b.pyc", "c.pyc"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(name)
    asset = CodeAsset(source, [], names, suffixes)
    assert asset.includes(PurePosixPath("fn/new_module.py"))
    assets = CodeAssets(AppFiles.load(tmp_path), [asset])
    package, hashes = assets.package(asset)
    assert sorted(hashes) == ["fn/handler.py", "fn/new_module.py"]
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert sorted(archive.namelist()) == ["fn/handler.py", "fn/new_module.py"]
    assert assets.package(asset)[0] == package


def test_a_package_is_found_by_its_files_paths_even_after_the_tree_moved_on(
    tmp_path: Path,
) -> None:
    """GIVEN a deployed package and the app's folders WHEN a handler was edited and a module
    removed since the deploy THEN the folder holding most of the package's files at the same
    paths is still the one it came from (not a folder holding only a few of them)."""
    package = tmp_path / "package"
    for name in ("fn/handler.py", "fn/util.py", "fn/gone.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(f"# {name}\n")
    app = tmp_path / "app"
    for name, text in (
        ("lambdas/fn/handler.py", "# edited\n"),
        ("lambdas/fn/util.py", "# fn/util.py\n"),
        ("other/fn/util.py", "# fn/util.py\n"),
    ):
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    watched = sorted(p for p in app.rglob("*") if p.is_file())
    folders = [app, app / "lambdas", app / "other", app / "lambdas" / "fn"]
    found = _match(package, folders, watched)
    assert found is not None
    assert found.source == app / "lambdas"
