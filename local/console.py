"""What `local up` prints: its steps, what it deployed, where it serves, and each reload."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

from local.deploy import Deployment
from local.emulator.caller.issuers import IssuerSettings
from local.gateway.discovery import DeployedApi
from local.options import RunOptions
from local.runtime.init_errors import InitError
from local.runtime.workers import FunctionSpec
from stacks.contract import ApiOutput
from tools.outputs import StageOutputs


def step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.perf_counter()


def done(started: float) -> None:
    print(f"    done in {time.perf_counter() - started:.1f} s", flush=True)


def deployment(deployed: Deployment) -> None:
    kept = ", kept: the app is unchanged, not deployed again" if deployed.reused else ""
    for stack in deployed.stacks:
        print(f"    {stack.name}: {stack.status}, {len(stack.resources)} resources{kept}")
    for resource in deployed.replaced:
        print(f"    replaced: {resource}: a new resource, its data did not carry over")


def broken_function(
    name: str, spec: FunctionSpec, error: InitError, source: Path | None, app_dir: Path
) -> None:
    """One line naming the app file and line of a function whose code does not load (the
    function's own log line follows with each request, as Lambda logs its init error).
    `source`: the app folder its code comes from, when known."""
    where = error.where(spec.code_dir)
    place = ""
    if where is not None:
        file = where[0] if source is None else (source / where[0]).relative_to(app_dir).as_posix()
        place = f"{file}:{where[1]}: "
    print(
        f"  ! {name}: {place}{error.error_type}: {error.message} "
        "(it answers 500 until the next good save)",
        flush=True,
    )


def endpoints(
    options: RunOptions,
    api: DeployedApi,
    outputs: StageOutputs,
    issuer: IssuerSettings | None,
    *,
    browser: bool,
) -> None:
    print("\nendpoints:")
    for route in api.routes:
        method, _, path = route.route_key.partition(" ")
        print(f"  {method} - {options.base_url}{path}")
    print(f"\nissuer:   {outputs.api.get(ApiOutput.ISSUER)}")
    print(f"audience: {outputs.api.get(ApiOutput.AUDIENCE)}")
    if issuer is not None:
        print(f"local {issuer.provider} issuer: keys at {issuer.jwks_uri}")
    if outputs.auth is not None:
        print(f"user pool: {outputs.user_pool_id}  client: {outputs.client_id}")
        print("  codes it sends are printed here, and listed by: .venv/bin/python -m local outbox")
    if browser:
        query = urlencode(
            {
                "client_id": outputs.client_id,
                "response_type": "token",
                "scope": "openid email profile",
                "redirect_uri": options.demo_url,
            }
        )
        print(f"\ndemo page: {options.demo_url}   (sign up, see the tokens, call the API)")
        print(f"hosted UI: {options.auth_url}   (discovery: /.well-known/openid-configuration)")
        print(f"  sign up: {options.auth_url}/signup?{query}")
        print(f"  log in:  {options.auth_url}/login?{query}")
    if options.watch:
        print(f"\nWatching {options.app_dir} (cdk.json's watch globs): a saved edit reloads.")
    print("\nGet a token in another terminal with:  make token")
    print("Stop with Ctrl-C.\n", flush=True)
