"""Assemble what the data plane serves for one deployed API: discovery, authorizers, workers.

`ServedApiBuilder` reads the deployed API through the AWS APIs and builds a `ServedApi` from
it. Built again after a redeploy or a hot reload, it keeps every piece that did not change (a
function runner whose code and configuration are the same, an authorizer with the same
configuration) and starts only the new ones; what the new API no longer uses is handed back as
`retired`, to be closed once the swap is done and its requests have finished.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from local.gateway.app import DataPlane, ServedApi
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.discovery import DeployedApi, describe_function, discover_api
from local.gateway.payload import map_in_worker
from local.runtime.client import LOCAL_ACCOUNT, local_aws_environment, local_client
from local.runtime.functions import same_code
from local.runtime.init_errors import BrokenFunction, InitError, Runner
from local.runtime.workers import FunctionRunner, FunctionSpec, WorkerStartError

log = logging.getLogger("local.gateway.build")


@dataclass
class BuiltApi:
    """A ServedApi ready to swap in, with what it no longer uses of the one before."""

    served: ServedApi
    started: list[str] = field(default_factory=list)  # functions whose workers are new
    broken: dict[str, tuple[FunctionSpec, InitError]] = field(default_factory=dict)  # by name
    retired: list[Any] = field(default_factory=list)  # runners and key caches to close


class ServedApiBuilder:
    """Builds the served API of one deployment after another, reusing what did not change.

    Keys are found, first match wins: ``jwks_uri`` for every authorizer; the discovery URL that
    ``discovery_urls`` gives for the authorizer's exact issuer (a local stand-in issuer); moto's
    own endpoint for a Cognito issuer; else the issuer's public discovery document, as on AWS.
    """

    def __init__(
        self,
        *,
        endpoint_url: str,
        code_root: Path,
        leeway_seconds: int = 0,
        workers: int = 2,
        jwks_uri: str | None = None,
        discovery_urls: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.code_root = code_root
        self.leeway_seconds = leeway_seconds
        self.workers = workers
        self.jwks_uri = jwks_uri
        self.discovery_urls = dict(discovery_urls or {})
        self._authorizers: dict[AuthorizerConfig, tuple[JwtAuthorizer, JwksCache]] = {}
        self._runners: dict[str, Runner] = {}  # by function ARN

    def discover(self, api_id: str) -> DeployedApi:
        return discover_api(
            local_client("apigatewayv2", self.endpoint_url),
            local_client("lambda", self.endpoint_url),
            api_id=api_id,
            code_root=self.code_root,
            account_id=LOCAL_ACCOUNT,
        )

    def build(self, api_id: str) -> BuiltApi:
        """The served API as deployed now; new runners are warm before this returns."""
        return self._built(self.discover(api_id))

    def rebuild_functions(self, api: DeployedApi, arns: Iterable[str]) -> BuiltApi:
        """`api` with the functions `arns` described again, the rest as it is (a hot reload:
        only their code changed, so routes and authorizers need no second look)."""
        lambda_client = local_client("lambda", self.endpoint_url)
        functions = dict(api.functions)
        for arn in set(arns) & set(functions):
            functions[arn] = describe_function(lambda_client, arn, self.code_root)
        return self._built(replace(api, functions=functions))

    def _built(self, api: DeployedApi) -> BuiltApi:
        built = BuiltApi(ServedApi(api, {}, {}))
        authorizers = self._build_authorizers(api, built)
        runners = self._build_runners(api, built)
        built.served = ServedApi(api, authorizers, runners)
        return built

    def _build_authorizers(self, api: DeployedApi, built: BuiltApi) -> dict[str, JwtAuthorizer]:
        live: dict[AuthorizerConfig, tuple[JwtAuthorizer, JwksCache]] = {}
        authorizers: dict[str, JwtAuthorizer] = {}
        for authorizer_id, spec in api.authorizers.items():
            discovery_url = self.discovery_urls.get(spec.issuer)
            if discovery_url is None:
                discovery_url = spec.local_discovery_url(self.endpoint_url)
            config = AuthorizerConfig(
                issuer=spec.issuer,
                audiences=spec.audiences,
                identity_source=spec.identity_source,
                jwks_uri=self.jwks_uri,
                discovery_url=None if self.jwks_uri else discovery_url,
                leeway_seconds=self.leeway_seconds,
            )
            pair = live.get(config) or self._authorizers.get(config)
            if pair is None:
                keys = JwksCache.for_config(config)
                pair = (JwtAuthorizer(config, keys), keys)
            live[config] = pair
            authorizers[authorizer_id] = pair[0]
        built.retired += [keys for c, (_, keys) in self._authorizers.items() if c not in live]
        self._authorizers = live
        return authorizers

    def _build_runners(self, api: DeployedApi, built: BuiltApi) -> dict[str, Runner]:
        aws_env = local_aws_environment(self.endpoint_url)
        runners: dict[str, Runner] = {}
        starting: list[FunctionRunner] = []
        for arn, spec in api.functions.items():
            kept = self._runners.get(arn)
            if kept is not None and _same_function(kept.spec, spec):
                runners[arn] = kept
                continue
            runner = FunctionRunner(spec, aws_env, self.workers, mapper=map_in_worker)
            runners[arn] = runner
            starting.append(runner)
        with ThreadPoolExecutor(max_workers=max(1, len(starting))) as pool:
            failures = list(pool.map(_warm_up, starting))
        for runner, failure in zip(starting, failures, strict=True):
            built.started.append(runner.spec.name)
            if failure is not None:
                runners[runner.spec.arn] = BrokenFunction(runner.spec, failure, map_in_worker)
                built.broken[runner.spec.name] = (runner.spec, failure)
        built.retired += [r for arn, r in self._runners.items() if runners.get(arn) is not r]
        self._runners = runners
        return runners

    def close(self) -> None:
        """Stop every worker and key cache this builder still serves with."""
        for runner in self._runners.values():
            runner.close()
        for _, keys in self._authorizers.values():
            keys.close()
        self._runners, self._authorizers = {}, {}


def _same_function(kept: FunctionSpec, spec: FunctionSpec) -> bool:
    """The same configuration and the same code (in another folder, e.g. after a full deploy
    of the tree a hot reload had already sent)."""
    if kept == spec:
        return True
    return replace(kept, code_dir=spec.code_dir) == spec and same_code(kept.code_dir, spec.code_dir)


def _warm_up(runner: FunctionRunner) -> InitError | None:
    """Start the runner's workers; the init error when its code does not load."""
    try:
        runner.warm_up()
    except WorkerStartError as error:
        if error.init_error is None:
            raise
        init_error: InitError = error.init_error
        return init_error
    return None


def build_data_plane(
    *,
    endpoint_url: str,
    api_id: str,
    code_root: Path,
    leeway_seconds: int = 0,
    workers: int = 2,
    jwks_uri: str | None = None,
    discovery_urls: Mapping[str, str] | None = None,
    log_requests: bool = True,
) -> tuple[DataPlane, Sequence[Any]]:
    """Read the deployed API from the local endpoint and build the server; returns what to
    close when it stops (the builder: its key caches and worker pools)."""
    builder = ServedApiBuilder(
        endpoint_url=endpoint_url,
        code_root=code_root,
        leeway_seconds=leeway_seconds,
        workers=workers,
        jwks_uri=jwks_uri,
        discovery_urls=discovery_urls,
    )
    return data_plane(builder.build(api_id).served, log_requests=log_requests), [builder]


def data_plane(served: ServedApi, *, log_requests: bool = True) -> DataPlane:
    """The ASGI app serving what a builder assembled."""
    return DataPlane(
        api=served.api,
        authorizers=served.authorizers,
        runners=served.runners,
        log_requests=log_requests,
    )
