"""What a saved edit does to the running `make local`: one reload per batch of changes.

- Only a function's code changed (files inside a Lambda code asset's folder, local.hotswap):
  the code goes to the local endpoint as `cdk deploy --hotswap` sends it (UpdateFunctionCode),
  the data plane starts workers on the new code for those functions only and swaps them in;
  requests already running finish on the old workers. Pool triggers pick the new code up on
  their next call (the endpoint runs a function by its CodeSha256). No synth, no deploy.
- Anything else (the stacks, app.py, cdk.json's context): the real CDK CLI deploys the app
  into the running endpoint as a CloudFormation update (kept data stays), then the new routes,
  authorizers and functions are swapped in at once; the hosted UI follows a changed pool.
- A broken edit never stops the run: a function that does not import answers Lambda's error
  (500 at the API); an app that does not synthesize, or a deploy that fails, leaves the last
  good deployment serving. The next good save recovers.
The kept state always describes what is served: after a reload its fingerprint is recorded,
so a restart of an unchanged app deploys nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
import textwrap
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from local import console
from local.app_files import AppFiles
from local.deploy import DeployError, Deployment
from local.gateway.app import DataPlane
from local.gateway.build import BuiltApi, ServedApiBuilder
from local.gateway.discovery import DeployedApi, DiscoveryError
from local.hotswap import CodeAsset, CodeAssets, Hotswapped, hotswap
from local.options import RunOptions
from local.runtime.functions import same_code
from local.state import RunDir
from stacks.config import context_from_pairs, stage_and_auth
from tools.outputs import StageOutputs


class ReloadableRun(Protocol):
    """What a reload needs of the run (local.run.LocalRun)."""

    lock: threading.Lock
    options: RunOptions
    plane: DataPlane | None
    builder: ServedApiBuilder | None
    deployment: Deployment | None
    run_dir: RunDir

    @property
    def app_dir(self) -> Path: ...
    @property
    def context(self) -> list[str]: ...
    @property
    def endpoint_url(self) -> str: ...
    @property
    def outputs(self) -> StageOutputs: ...
    def deploy(self, *, first: bool = True) -> Deployment: ...
    def record_fingerprint(self, fingerprint: str) -> None: ...
    def serve_browser_flow(self) -> bool: ...
    def write_state(self) -> None: ...


# CDK's physical names: <Stack>-<LogicalId><8 hex>-<suffix>; the logical id is what a reader
# knows the function by.
_PHYSICAL_NAME = re.compile(r"^[A-Za-z0-9]+-(?P<logical>[A-Za-z0-9]+?)[0-9A-F]{8}-[A-Za-z0-9]+$")
DRAIN_SECONDS = 30.0  # at most the longest Lambda timeout a local request would wait


def display_name(function_name: str) -> str:
    match = _PHYSICAL_NAME.match(function_name)
    return match.group("logical") if match else function_name


def api_changes(old: DeployedApi, new: DeployedApi) -> list[str]:
    """`+ GET /x`, `- DELETE /y`, `~ GET /z` (its authorization or function), `~ Name code`,
    `~ Name configuration`, `~ authorizer Name`: what a redeploy changed in the API."""
    lines: list[str] = []
    old_routes = {r.route_key: r for r in old.routes}
    new_routes = {r.route_key: r for r in new.routes}
    lines += [f"+ {key}" for key in sorted(new_routes.keys() - old_routes.keys())]
    lines += [f"- {key}" for key in sorted(old_routes.keys() - new_routes.keys())]
    for key in sorted(new_routes.keys() & old_routes.keys()):
        if new_routes[key] != old_routes[key]:
            lines.append(f"~ {key}")
    for arn in sorted(new.functions.keys() & old.functions.keys()):
        before, after = old.functions[arn], new.functions[arn]
        name = display_name(after.name)
        if not same_code(before.code_dir, after.code_dir):
            lines.append(f"~ {name} code")
        if (before.handler, before.environment, before.timeout_seconds, before.memory_mb) != (
            after.handler,
            after.environment,
            after.timeout_seconds,
            after.memory_mb,
        ):
            lines.append(f"~ {name} configuration")
    for authorizer_id in sorted(new.authorizers.keys() & old.authorizers.keys()):
        if new.authorizers[authorizer_id] != old.authorizers[authorizer_id]:
            lines.append(f"~ authorizer {new.authorizers[authorizer_id].name}")
    return lines


def _relative(paths: Iterable[Path], root: Path) -> str:
    names = sorted(p.resolve().relative_to(root).as_posix() for p in paths)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def report_broken(built: BuiltApi, assets: CodeAssets) -> None:
    """One line per function whose code does not load, naming the app file it came from."""
    for name, (spec, error) in built.broken.items():
        owner = next(
            (a for a in assets.assets if any(f.arn == spec.arn for f in a.functions)), None
        )
        source = None if owner is None else owner.source
        console.broken_function(display_name(name), spec, error, source, assets.app.root)


class Reloader:
    """Turns a batch of changed app files into a hot reload or a redeploy of `run`."""

    def __init__(self, run: ReloadableRun) -> None:
        self.run = run
        self.app = AppFiles.load(run.app_dir)
        self.assets = self._scan(None)
        self.app_edit_pending = False  # a redeploy failed: only a redeploy can catch up

    def _scan(self, previous: CodeAssets | None) -> CodeAssets:
        functions = self.run.run_dir.functions
        return CodeAssets.scan(self.app, self.run.endpoint_url, functions, previous)

    def reload(self, paths: set[Path]) -> None:
        with self.run.lock:
            self.app = AppFiles.load(self.run.app_dir)
            self.assets.app = self.app
            changed = {p for p in paths if self.app.watched(p)}
            if changed:
                self._reload(changed)

    def _reload(self, changed: set[Path]) -> None:
        assert self.run.deployment is not None
        started = time.perf_counter()
        fingerprint = self.app.fingerprint(self.run.context)
        if fingerprint == self.run.deployment.fingerprint:
            if self.app_edit_pending:  # back to the app that serves: nothing to deploy
                self.app_edit_pending = False
                print("  = the app is back to what serves: nothing to deploy", flush=True)
            return
        hot = self._hot_assets(changed)
        if hot is not None:
            self.hot_reload(hot, fingerprint, started)
        elif self._same_stage_and_provider():
            self.redeploy(changed, started)

    def _same_stage_and_provider(self) -> bool:
        """A run serves one stage with one issuer (a stand-in issuer is started for it, the
        hosted UI for a pool): a cdk.json whose context switches either needs a restart."""
        options = self.run.options
        try:
            saved = json.loads((self.app.root / "cdk.json").read_text()).get("context") or {}
            context = dict(saved) | context_from_pairs(options.context)
            stage, auth = stage_and_auth(context.get)
        except (OSError, ValueError, AttributeError) as problem:  # ConfigError is a ValueError
            print(f"  ! cdk.json's context is not usable: {problem}", flush=True)
            self.app_edit_pending = True
            return False
        if (stage.value, auth.value) == (options.stage, options.auth):
            return True
        print(
            f"  ! cdk.json's context now says stage={stage.value} auth={auth.value}; this run "
            f"serves stage={options.stage} auth={options.auth}: restart `make local` to switch "
            "(still serving the last deployment)",
            flush=True,
        )
        self.app_edit_pending = True
        return False

    def _hot_assets(self, changed: set[Path]) -> list[CodeAsset] | None:
        """The code assets a hot reload updates, or None when the change needs a deploy."""
        if self.app_edit_pending:
            return None
        owners = [self.assets.owner(path) for path in changed]
        assets: list[CodeAsset] = []
        for owner in owners:
            if owner is None or self.assets.holds_app(owner):
                return None
            if owner not in assets:
                assets.append(owner)
        return assets

    # --- function code: hot --------------------------------------------------------------

    def hot_reload(self, assets: list[CodeAsset], fingerprint: str, started: float) -> None:
        run = self.run
        swapped: list[Hotswapped] = []
        for asset in assets:
            package, hashes = self.assets.package(asset)
            if hashes != asset.deployed:
                swapped.append(
                    hotswap(asset, package, hashes, run.endpoint_url, run.run_dir.functions)
                )
        lines = [f"~ {display_name(fn.name)} code" for s in swapped for fn in s.functions]
        if swapped:
            assert run.builder is not None
            assert run.plane is not None
            arns = [fn.arn for hot in swapped for fn in hot.functions]
            built = run.builder.rebuild_functions(run.plane.api, arns)
            self.swap(built)
            report_broken(built, self.assets)
        run.record_fingerprint(fingerprint)
        elapsed = time.perf_counter() - started
        summary = ", ".join(lines) if lines else "no change to any function's package"
        print(f"  reloaded in {elapsed:.2f} s (hot, no deploy): {summary}", flush=True)

    # --- anything else: a redeploy ---------------------------------------------------------

    def redeploy(self, changed: set[Path], started: float) -> None:
        run = self.run
        assert run.plane is not None
        what = _relative(changed, self.app.root)
        print(f"  ... {what} changed: redeploying with the CDK CLI", flush=True)
        try:
            run.deploy(first=False)
        except DeployError as problem:
            self.app_edit_pending = True
            self._failed(problem.summary, started)
            return
        self.app_edit_pending = False
        before = run.plane.api
        built = self._built(run.outputs.api_id)
        if built is None:
            return
        self.swap(built)
        pool_changed = run.serve_browser_flow()
        run.write_state()
        self.assets = self._scan(self.assets)
        report_broken(built, self.assets)
        lines = api_changes(before, built.served.api)
        lines += ["~ hosted UI and demo page (the user pool changed)"] if pool_changed else []
        lines = lines or ["no change to the API's routes, functions or user pool"]
        elapsed = time.perf_counter() - started
        print(f"  redeployed in {elapsed:.1f} s: {', '.join(lines)}", flush=True)

    def _failed(self, summary: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        print(
            f"  ! the app did not deploy ({elapsed:.1f} s); the last good deployment still "
            "serves, the next good save redeploys:\n" + textwrap.indent(summary, "    "),
            flush=True,
        )

    # --- the swap ----------------------------------------------------------------------------

    def _built(self, api_id: str) -> BuiltApi | None:
        assert self.run.builder is not None
        try:
            return self.run.builder.build(api_id)
        except DiscoveryError as problem:
            self.app_edit_pending = True
            print(f"  ! the deployed API cannot be served: {problem}", flush=True)
            return None

    def swap(self, built: BuiltApi) -> None:
        """Serve the built API from the next request on; retire what it replaced once the
        requests still running on it have finished."""
        plane = self.run.plane
        assert plane is not None
        loop = plane.loop
        if loop is None or not loop.is_running():
            plane.swap(built.served)
        else:
            replacing = plane.replace(built.served, built.retired, DRAIN_SECONDS)
            asyncio.run_coroutine_threadsafe(replacing, loop).result()
        _close(built.retired)


def _close(retired: list[Any]) -> None:
    for item in retired:
        item.close()
