"""Read the deployed HTTP API through the AWS APIs: routes, integrations, authorizers, functions.

Nothing here knows what the CDK app defines; it serves whatever was deployed, the way API
Gateway would, so a route added to ApiStack is served locally after the next `make local`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from local.gateway.routes import Route
from local.runtime.functions import function_spec, unpack_code
from local.runtime.workers import FunctionSpec
from tools.tls import shared_tls_context

_COGNITO_ISSUER = re.compile(
    r"^https://(?:issuer-)?cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[\w-]+)$"
)
_INTEGRATION_ARN = re.compile(r"(arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?)")


class DiscoveryError(RuntimeError):
    """The deployed API cannot be served as it stands; the message says what is missing."""


@dataclass(frozen=True, kw_only=True)
class JwtAuthorizerSpec:
    authorizer_id: str
    name: str
    issuer: str
    audiences: tuple[str, ...]
    identity_source: str

    def local_discovery_url(self, endpoint_url: str) -> str | None:
        """moto serves a Cognito pool's keys on its own endpoint; tokens name the AWS issuer
        (original or updated format: the path is /<poolId> in both)."""
        match = _COGNITO_ISSUER.match(self.issuer)
        if match is None:
            return None
        return f"{endpoint_url}/{match.group('pool')}/.well-known/openid-configuration"


@dataclass(frozen=True, kw_only=True)
class CorsSpec:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True, kw_only=True)
class DeployedApi:
    api_id: str
    name: str
    stage: str
    routes: list[Route]
    authorizers: dict[str, JwtAuthorizerSpec]
    functions: dict[str, FunctionSpec]
    cors: CorsSpec | None = None
    account_id: str = "123456789012"
    outputs: dict[str, str] = field(default_factory=dict)


def _cors(api: dict[str, Any]) -> CorsSpec | None:
    config = api.get("CorsConfiguration")
    if not config:
        return None
    return CorsSpec(
        allow_origins=tuple(config.get("AllowOrigins", [])),
        allow_methods=tuple(m.upper() for m in config.get("AllowMethods", [])),
        allow_headers=tuple(h.lower() for h in config.get("AllowHeaders", [])),
        expose_headers=tuple(config.get("ExposeHeaders", [])),
        max_age=config.get("MaxAge"),
        allow_credentials=bool(config.get("AllowCredentials", False)),
    )


def _authorizers(client: Any, api_id: str) -> dict[str, JwtAuthorizerSpec]:
    found: dict[str, JwtAuthorizerSpec] = {}
    for item in client.get_authorizers(ApiId=api_id).get("Items", []):
        if item.get("AuthorizerType") != "JWT":
            raise DiscoveryError(
                f"authorizer {item.get('Name')} is {item.get('AuthorizerType')}: only JWT "
                "authorizers are served locally"
            )
        jwt = item.get("JwtConfiguration") or {}
        if not jwt.get("Issuer") or not jwt.get("Audience"):
            raise DiscoveryError(f"authorizer {item.get('Name')} has no issuer or audience")
        sources = item.get("IdentitySource") or ["$request.header.Authorization"]
        found[item["AuthorizerId"]] = JwtAuthorizerSpec(
            authorizer_id=item["AuthorizerId"],
            name=item.get("Name", item["AuthorizerId"]),
            issuer=jwt["Issuer"],
            audiences=tuple(jwt["Audience"]),
            identity_source=sources[0],
        )
    return found


def _routes(client: Any, api_id: str) -> list[Route]:
    integrations = {
        item["IntegrationId"]: item for item in client.get_integrations(ApiId=api_id)["Items"]
    }
    routes: list[Route] = []
    for item in client.get_routes(ApiId=api_id)["Items"]:
        target = item.get("Target", "")
        integration = integrations.get(target.removeprefix("integrations/"))
        function_arn = None
        if integration is not None:
            found = _INTEGRATION_ARN.search(integration.get("IntegrationUri", ""))
            function_arn = found.group(1) if found else None
        routes.append(
            Route(
                route_key=item["RouteKey"],
                function_arn=function_arn,
                authorization_type=item.get("AuthorizationType", "NONE"),
                authorizer_id=item.get("AuthorizerId"),
                authorization_scopes=tuple(item.get("AuthorizationScopes") or ()),
                payload_format_version=(integration or {}).get("PayloadFormatVersion", "2.0"),
            )
        )
    return routes


def route_scopes(client: Any, api_id: str, paths: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Every scope the deployed routes (those on `paths`, or all) ask for, sorted, once each."""
    scopes: set[str] = set()
    for item in client.get_routes(ApiId=api_id)["Items"]:
        if paths is not None and item["RouteKey"].partition(" ")[2] not in paths:
            continue
        scopes.update(item.get("AuthorizationScopes") or ())
    return tuple(sorted(scopes))


def _download_code(location: str) -> bytes:
    response = httpx.get(location, timeout=30, verify=shared_tls_context())
    if response.status_code != 200:
        raise DiscoveryError(f"function code at {location} answered {response.status_code}")
    return response.content


def describe_function(client: Any, arn: str, code_root: Path) -> FunctionSpec:
    """One deployed function's spec, its code unpacked under code_root (once per version)."""
    described = client.get_function(FunctionName=arn)
    config = described["Configuration"]
    location = described["Code"]["Location"]
    code_dir = unpack_code(code_root, config["CodeSha256"], lambda: _download_code(location))
    return function_spec(config, code_dir)


def discover_api(
    apigw: Any, lambda_client: Any, *, api_id: str, code_root: Path, account_id: str
) -> DeployedApi:
    api = apigw.get_api(ApiId=api_id)
    if api.get("ProtocolType") != "HTTP":
        raise DiscoveryError(f"API {api_id} is {api.get('ProtocolType')}: only HTTP APIs")
    stages = [s["StageName"] for s in apigw.get_stages(ApiId=api_id).get("Items", [])]
    if not stages:
        raise DiscoveryError(f"API {api_id} has no stage: nothing would serve it on AWS either")
    routes = _routes(apigw, api_id)
    authorizers = _authorizers(apigw, api_id)
    code_root.mkdir(parents=True, exist_ok=True)
    functions: dict[str, FunctionSpec] = {}
    for route in routes:
        if route.function_arn is None:
            raise DiscoveryError(f"route {route.route_key} has no Lambda integration")
        if route.authorization_type == "JWT" and route.authorizer_id not in authorizers:
            raise DiscoveryError(f"route {route.route_key} names an unknown authorizer")
        if route.function_arn not in functions:
            spec = describe_function(lambda_client, route.function_arn, code_root)
            functions[route.function_arn] = spec
    return DeployedApi(
        api_id=api_id,
        name=api.get("Name", api_id),
        stage="$default" if "$default" in stages else stages[0],
        routes=routes,
        authorizers=authorizers,
        functions=functions,
        cors=_cors(api),
        account_id=account_id,
    )
