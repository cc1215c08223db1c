"""The whole configuration from a context reader: every section, checked together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from stacks.config.alarms import AlarmsConfig, alarms_config
from stacks.config.choices import AuthProvider, Stage
from stacks.config.cognito import (
    CognitoConfig,
    domain_prefix,
    refresh_token_rotation,
    resource_server,
)
from stacks.config.custom_domain import CustomDomainConfig, custom_domain_config
from stacks.config.github import GithubOidcConfig, github_config
from stacks.config.issuer import IssuerConfig, external_issuer
from stacks.config.parsers import ConfigError, ContextReader, choice, flag, https_url, text_list
from stacks.config.scopes import RouteScopes, route_scopes
from stacks.config.sign_in import refuse_without_cognito, sign_in_config
from stacks.contract import DEMO_PAGE_URL, TUTORIAL_CALLBACK_URL

# The tutorial's URL (compatibility) and the demo page's: CORS origins follow by default.
DEFAULT_CALLBACK_URLS = (TUTORIAL_CALLBACK_URL, DEMO_PAGE_URL)


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """Everything app.py needs to build the stacks; exactly one of cognito/external is set."""

    stage: Stage
    auth: AuthProvider
    cognito: CognitoConfig | None
    external_issuer: IssuerConfig | None
    route_scopes: RouteScopes
    cors_origins: tuple[str, ...]
    mfa: bool
    github: GithubOidcConfig | None = None
    alarms: AlarmsConfig | None = None
    custom_domain: CustomDomainConfig | None = None

    @property
    def is_prod(self) -> bool:
        return self.stage is Stage.PROD

    @property
    def require_scopes(self) -> bool:
        return bool(self.route_scopes.read)


def _origins(urls: Sequence[str]) -> tuple[str, ...]:
    """The browser origins of the callback URLs: where the app's pages call the API from."""
    origins = (f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, urls))
    return tuple(dict.fromkeys(origins))


def _host(parts_url: str) -> str:
    return (urlsplit(parts_url).hostname or "").lower()


def _refuse_localhost_in_prod(
    callback_urls: Sequence[str], cors_origins: Sequence[str], *, cognito: bool, cors_set: bool
) -> None:
    """Prod must not trust a developer's machine: no localhost redirect or CORS origin."""
    if cognito:
        for url in callback_urls:
            if _host(url) == "localhost":
                raise ConfigError(
                    f"context 'callbackUrls' is '{url}' in prod: set your app's real redirect "
                    "URL, e.g. -c callbackUrls=https://app.example.com/callback"
                )
    for origin in cors_origins:
        if _host(origin) == "localhost":
            fix = "" if cors_set else " (it defaults to the origins of callbackUrls)"
            raise ConfigError(
                f"context 'corsOrigins' is '{origin}' in prod{fix}: set your app's origin, "
                "e.g. -c corsOrigins=https://app.example.com"
            )


def check_region(config: AppConfig, region: str | None) -> None:
    """API Gateway takes a regional certificate from the API's own region (when it is known)."""
    domain = config.custom_domain
    if domain is not None and region and domain.certificate_region != region:
        raise ConfigError(
            f"context 'certificateArn' is in {domain.certificate_region} but the stacks deploy "
            f"to {region}: request or import the certificate in {region}"
        )


def context_from_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """The context `cdk -c KEY=VALUE ...` passes on top of cdk.json's (a later pair of one key
    wins, as with the CDK CLI); ConfigError for a pair without '='."""
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"-c takes KEY=VALUE, got '{pair}'")
        context[key] = value
    return context


def stage_and_auth(get: ContextReader) -> tuple[Stage, AuthProvider]:
    """The stage and the auth provider a context selects (the defaults cdk.json also names),
    checked as synth checks them: what the local CLI needs before it deploys."""
    stage = choice(get("stage"), "stage", Stage, Stage.DEV)
    auth = choice(get("auth"), "auth", AuthProvider, AuthProvider.COGNITO)
    return stage, auth


def load_config(get: ContextReader) -> AppConfig:
    """Build an AppConfig from a context reader such as `app.node.try_get_context`."""
    stage, auth = stage_and_auth(get)
    callback_urls = text_list(get("callbackUrls"), "callbackUrls") or DEFAULT_CALLBACK_URLS
    for url in callback_urls:
        https_url(url, "callbackUrls", allow_http_localhost=True)
    explicit_origins = text_list(get("corsOrigins"), "corsOrigins")
    cors_origins = explicit_origins or _origins(callback_urls)
    for origin in cors_origins:
        if origin != "*":
            https_url(origin, "corsOrigins", allow_path=False, allow_http_localhost=True)
    if stage is Stage.PROD:
        _refuse_localhost_in_prod(
            callback_urls,
            cors_origins,
            cognito=auth is AuthProvider.COGNITO,
            cors_set=bool(explicit_origins),
        )

    cognito: CognitoConfig | None = None
    external: IssuerConfig | None = None
    machine_client = flag(get("machineClient"), "machineClient", default=False)
    mfa = flag(get("mfa"), "mfa", default=stage is Stage.PROD)
    if auth is AuthProvider.COGNITO:
        cognito = CognitoConfig(
            domain_prefix=domain_prefix(get("domainPrefix")),
            callback_urls=callback_urls,
            password_auth=flag(get("passwordAuth"), "passwordAuth", default=stage is Stage.DEV),
            resource_server=resource_server(get("resourceServer")),
            machine_client=machine_client,
            refresh_token_rotation=refresh_token_rotation(get),
            implicit_grant=stage is Stage.DEV,
            sign_in=sign_in_config(get, stage, mfa=mfa),
        )
    else:
        if machine_client:
            raise ConfigError(
                "context 'machineClient' creates a Cognito app client: with "
                f"auth={auth.value} set -c adminScopes=... to add GET /profiles/{{sub}} instead"
            )
        if get("refreshTokenRotation") is not None or get("refreshTokenGracePeriod") is not None:
            raise ConfigError(
                "context 'refreshTokenRotation' configures the Cognito app client: with "
                f"auth={auth.value} refresh tokens are your provider's setting"
            )
        refuse_without_cognito(get, auth.value)
        external = external_issuer(auth, get)
    # Dev keeps the tutorial's "either token works"; prod refuses ID tokens on every route.
    require_scopes: bool | None = True if stage is Stage.PROD else None
    if get("requireScopes") is not None:
        require_scopes = flag(get("requireScopes"), "requireScopes", default=False)

    return AppConfig(
        stage=stage,
        auth=auth,
        cognito=cognito,
        external_issuer=external,
        route_scopes=route_scopes(auth, cognito, require_scopes, get),
        cors_origins=cors_origins,
        mfa=mfa,
        github=github_config(get),
        alarms=alarms_config(get, stage),
        custom_domain=custom_domain_config(get),
    )


def config_from_mapping(context: Mapping[str, Any]) -> AppConfig:
    """Convenience for tests and tools that hold the context as a plain dict."""
    return load_config(context.get)
