"""Assemble the data plane for one deployed API: discovery, authorizers, function workers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.gateway.app import DataPlane
from local.gateway.authorizer import AuthorizerConfig, JwksCache, JwtAuthorizer
from local.gateway.discovery import discover_api
from local.gateway.payload import map_in_worker
from local.runtime.client import LOCAL_ACCOUNT, local_aws_environment, local_client
from local.runtime.workers import FunctionRunner


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
) -> tuple[DataPlane, list[Any]]:
    """Read the deployed API from the local endpoint and build the server; returns what to
    close when it stops (key caches, worker pools).

    Keys are found, first match wins: ``jwks_uri`` for every authorizer; the discovery URL that
    ``discovery_urls`` gives for the authorizer's exact issuer (a local stand-in issuer); moto's
    own endpoint for a Cognito issuer; else the issuer's public discovery document, as on AWS.
    """
    api = discover_api(
        local_client("apigatewayv2", endpoint_url),
        local_client("lambda", endpoint_url),
        api_id=api_id,
        code_root=code_root,
        account_id=LOCAL_ACCOUNT,
    )
    closables: list[Any] = []
    authorizers: dict[str, JwtAuthorizer] = {}
    for authorizer_id, authorizer in api.authorizers.items():
        discovery_url = (discovery_urls or {}).get(authorizer.issuer)
        if discovery_url is None:
            discovery_url = authorizer.local_discovery_url(endpoint_url)
        config = AuthorizerConfig(
            issuer=authorizer.issuer,
            audiences=authorizer.audiences,
            identity_source=authorizer.identity_source,
            jwks_uri=jwks_uri,
            discovery_url=None if jwks_uri else discovery_url,
            leeway_seconds=leeway_seconds,
        )
        keys = JwksCache.for_config(config)
        closables.append(keys)
        authorizers[authorizer_id] = JwtAuthorizer(config, keys)
    aws_env = local_aws_environment(endpoint_url)
    runners: dict[str, FunctionRunner] = {}
    for arn, spec in api.functions.items():
        runner = FunctionRunner(spec, aws_env, workers, mapper=map_in_worker)
        closables.append(runner)
        runners[arn] = runner
    for runner in runners.values():
        runner.warm_up()
    plane = DataPlane(api=api, authorizers=authorizers, runners=runners, log_requests=log_requests)
    return plane, closables
