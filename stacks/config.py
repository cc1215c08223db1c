"""Typed configuration parsed from CDK context: the one place where outside values are checked.

Every check raises ConfigError with a single line that names the context key and the fix, so a
bad `-c key=value` fails synth with a message a person can act on instead of a jsii traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from stacks.contract import (
    ADMIN_SCOPE_NAME,
    DEFAULT_RESOURCE_SERVER,
    DEMO_PAGE_URL,
    READ_SCOPE_NAME,
    TUTORIAL_CALLBACK_URL,
    WRITE_SCOPE_NAME,
    cognito_scope,
)

DEFAULT_DOMAIN_PREFIX = "jwt-profile-api-demo"
# The tutorial's URL (compatibility) and the demo page's: CORS origins follow by default.
DEFAULT_CALLBACK_URLS = (TUTORIAL_CALLBACK_URL, DEMO_PAGE_URL)

_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_PREFIX_WORDS = ("aws", "amazon", "cognito")
# A DNS host name: dot-separated labels of letters, digits and inner hyphens, with a TLD.
_HOSTNAME = re.compile(
    r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_OKTA_AUTH_SERVER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,256}$")  # RFC 6749 scope-token characters
_MAX_AUDIENCES = 50
# GitHub owner (user or org) and repository names, as GitHub allows them.
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_GITHUB_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
_OIDC_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
)
# An ACM certificate ARN; group 1 is its region (API Gateway needs the API's own region).
_CERTIFICATE_ARN = re.compile(
    r"^arn:aws(?:-cn|-us-gov)?:acm:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
# Deliberately simple: one @, no spaces, a dotted domain. SNS sends a confirmation mail anyway.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


class ConfigError(ValueError):
    """A context value is missing or malformed; the message is one line with the fix."""


class Stage(StrEnum):
    DEV = "dev"
    PROD = "prod"


class AuthProvider(StrEnum):
    COGNITO = "cognito"
    AUTH0 = "auth0"
    OKTA = "okta"
    JWT = "jwt"


@dataclass(frozen=True, kw_only=True)
class IssuerConfig:
    """An external OIDC issuer and the audiences its tokens must carry."""

    issuer: str
    audiences: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CognitoConfig:
    """Settings of the app's own Cognito user pool (auth=cognito)."""

    domain_prefix: str
    callback_urls: tuple[str, ...]
    password_auth: bool
    resource_server: str = DEFAULT_RESOURCE_SERVER
    machine_client: bool = False
    # Refresh-token rotation on the user client: the old token's grace period in seconds, or
    # None when rotation is off (each refresh then keeps the same refresh token).
    refresh_token_rotation: int | None = None
    # The implicit grant puts tokens in the URL fragment (RFC 9700 says not to): dev keeps it
    # for the tutorial's hosted-UI redirect, prod's app client allows the code grant only.
    implicit_grant: bool = True


@dataclass(frozen=True, kw_only=True)
class RouteScopes:
    """The scopes each route requires; an empty tuple means the route takes any valid token.

    `admin` non-empty means GET /profiles/{sub} exists, and it is never built without scopes:
    an unscoped back-office route would let every signed-in user read every profile.
    """

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    admin: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GithubOidcConfig:
    """Which GitHub repository (and environments) may deploy from CI through OIDC."""

    repo: str
    environments: tuple[str, ...]
    provider_arn: str | None


@dataclass(frozen=True, kw_only=True)
class AlarmsConfig:
    """CloudWatch alarms + dashboard, and who the SNS topic mails (None: subscribe later)."""

    email: str | None


@dataclass(frozen=True, kw_only=True)
class CustomDomainConfig:
    """The API's own host name, its ACM certificate and, optionally, the Route 53 zone."""

    domain_name: str
    certificate_arn: str
    certificate_region: str
    hosted_zone_id: str | None
    hosted_zone_name: str | None

    @property
    def url(self) -> str:
        return f"https://{self.domain_name}/"


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


ContextReader = Callable[[str], Any]


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"context '{key}' must be a string, got {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _list(value: Any, key: str) -> tuple[str, ...]:
    """Accept a JSON list (cdk.json) or a comma-separated string (`-c key=a,b`)."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, Sequence):
        items = [_text(item, key) or "" for item in value]
    else:
        raise ConfigError(f"context '{key}' must be a comma-separated string or a list")
    return tuple(item.strip() for item in items if item.strip())


DEFAULT_ROTATION_GRACE_SECONDS = 10


def _refresh_token_rotation(get: ContextReader) -> int | None:
    """`refreshTokenRotation=true` turns rotation on; `refreshTokenGracePeriod` (0-60 s, as
    Cognito allows) is how long a replaced refresh token still works, for concurrent refreshes."""
    rotation = _flag(get("refreshTokenRotation"), "refreshTokenRotation", default=False)
    grace = get("refreshTokenGracePeriod")
    if grace is None:
        return DEFAULT_ROTATION_GRACE_SECONDS if rotation else None
    if not rotation:
        raise ConfigError("context 'refreshTokenGracePeriod' needs -c refreshTokenRotation=true")
    text = str(grace).strip()
    if not text.isdigit() or not 0 <= int(text) <= 60:
        raise ConfigError(f"context 'refreshTokenGracePeriod' is '{grace}': use whole seconds 0-60")
    return int(text)


def _flag(value: Any, key: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"context '{key}' must be true or false, got '{value}'")


_E = TypeVar("_E", bound=StrEnum)


def _choice(value: Any, key: str, enum: type[_E], default: _E) -> _E:
    text = _text(value, key)
    if text is None:
        return default
    try:
        return enum(text.lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ConfigError(f"context '{key}' is '{text}': use one of {allowed}") from None


def _https_url(
    value: str, key: str, *, allow_path: bool = True, allow_http_localhost: bool = False
) -> str:
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    local_http = allow_http_localhost and parts.scheme == "http" and host == "localhost"
    if parts.scheme != "https" and not local_http:
        raise ConfigError(f"context '{key}' must be an https:// URL, got '{value}'")
    if not (_HOSTNAME.match(host) or host == "localhost"):
        raise ConfigError(f"context '{key}' has no valid host name: '{value}'")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError(f"context '{key}' must not contain a query, fragment or user: '{value}'")
    if not allow_path and parts.path not in ("", "/"):
        raise ConfigError(f"context '{key}' must be an origin without a path: '{value}'")
    return value


def _hostname(value: Any, key: str, example: str) -> str:
    text = _text(value, key)
    if text is None:
        raise ConfigError(f"context '{key}' is required for this provider: e.g. -c {key}={example}")
    host = text.lower()
    if "://" in host or "/" in host:
        raise ConfigError(f"context '{key}' is a host name without scheme or path, e.g. {example}")
    if not _HOSTNAME.match(host):
        raise ConfigError(f"context '{key}' is not a valid host name: '{text}'")
    return host


def _domain_prefix(value: Any) -> str:
    prefix = _text(value, "domainPrefix") or DEFAULT_DOMAIN_PREFIX
    if not _DOMAIN_PREFIX.match(prefix):
        raise ConfigError(
            f"context 'domainPrefix' is '{prefix}': use 1-63 lowercase letters, digits and "
            "hyphens, not starting or ending with a hyphen"
        )
    for word in _RESERVED_PREFIX_WORDS:
        if word in prefix:
            raise ConfigError(
                f"context 'domainPrefix' is '{prefix}': Cognito rejects prefixes "
                f"containing '{word}'"
            )
    return prefix


def _audiences(value: Any) -> tuple[str, ...]:
    audiences = _list(value, "audience")
    if not audiences:
        raise ConfigError(
            "context 'audience' is required for this provider: e.g. -c audience=https://api.example.com"
        )
    if len(audiences) > _MAX_AUDIENCES:
        raise ConfigError(f"context 'audience' lists {len(audiences)} values: at most 50")
    for audience in audiences:
        if len(audience) > 1024 or any(ch.isspace() for ch in audience):
            raise ConfigError(f"context 'audience' value '{audience[:40]}' is not a valid audience")
    return audiences


def _external_issuer(auth: AuthProvider, get: ContextReader) -> IssuerConfig:
    if auth is AuthProvider.AUTH0:
        domain = _hostname(get("auth0Domain"), "auth0Domain", "dev-abc123.us.auth0.com")
        issuer = f"https://{domain}/"  # Auth0 issuers end with '/', and AWS compares exactly.
    elif auth is AuthProvider.OKTA:
        domain = _hostname(get("oktaDomain"), "oktaDomain", "dev-123456.okta.com")
        server = _text(get("oktaAuthServer"), "oktaAuthServer") or "default"
        if not _OKTA_AUTH_SERVER.match(server):
            raise ConfigError(
                f"context 'oktaAuthServer' is '{server}': use an authorization server id "
                "such as 'default' or 'aus1a2b3c4'"
            )
        issuer = f"https://{domain}/oauth2/{server}"
    else:
        text = _text(get("issuer"), "issuer")
        if text is None:
            raise ConfigError(
                "context 'issuer' is required with auth=jwt: e.g. -c issuer=https://idp.example.com"
            )
        issuer = _https_url(text, "issuer")
    return IssuerConfig(issuer=issuer, audiences=_audiences(get("audience")))


def _scopes(value: Any, key: str) -> tuple[str, ...]:
    scopes = _list(value, key)
    for scope in scopes:
        if not _SCOPE.match(scope):
            raise ConfigError(f"context '{key}' value '{scope}' is not a valid OAuth scope")
    return scopes


def _resource_server(value: Any) -> str:
    identifier = _text(value, "resourceServer") or DEFAULT_RESOURCE_SERVER
    if not _SCOPE.match(identifier) or len(identifier) > 256:
        raise ConfigError(
            f"context 'resourceServer' is '{identifier}': use 1-256 printable characters "
            "without spaces, quotes or backslashes, e.g. profile-api"
        )
    return identifier


_SCOPE_KEYS = ("readScopes", "writeScopes", "adminScopes")


def _route_scopes(
    auth: AuthProvider, cognito: CognitoConfig | None, require: bool | None, get: ContextReader
) -> RouteScopes:
    """Cognito's come from its resource server; auth0/okta/jwt name theirs in context."""
    if get("scopes") is not None:
        raise ConfigError(
            "context 'scopes' was replaced by per-route scopes: use -c requireScopes=true "
            "(Cognito) or readScopes/writeScopes/adminScopes (auth0/okta/jwt)"
        )
    given = {key: _scopes(get(key), key) for key in _SCOPE_KEYS}
    if cognito is not None:
        named = [key for key, scopes in given.items() if scopes]
        if named:
            raise ConfigError(
                f"context '{named[0]}' is for auth0/okta/jwt: with auth=cognito the scopes "
                "come from the resource server (-c resourceServer=...)"
            )
        server = cognito.resource_server
        admin: tuple[str, ...] = ()
        if cognito.machine_client:
            admin = (cognito_scope(server, ADMIN_SCOPE_NAME),)
        if not require:  # None (dev default) or false
            return RouteScopes(admin=admin)
        return RouteScopes(
            read=(cognito_scope(server, READ_SCOPE_NAME),),
            write=(cognito_scope(server, WRITE_SCOPE_NAME),),
            admin=admin,
        )
    read, write, admin = (given[key] for key in _SCOPE_KEYS)
    if require is None:  # dev: on once the provider's scope names are given
        require = bool(read or write)
    elif not require and (read or write):
        raise ConfigError(
            "context 'readScopes'/'writeScopes' are set but requireScopes=false: "
            "drop them or set -c requireScopes=true"
        )
    if require and not (read and write):
        missing = "readScopes" if not read else "writeScopes"
        raise ConfigError(
            f"context '{missing}' is required with requireScopes=true and auth={auth.value}: "
            f"name the provider's scopes, e.g. -c {missing}={missing[:-6]}:profile"
        )
    return RouteScopes(read=read, write=write, admin=admin)


def _origins(urls: Sequence[str]) -> tuple[str, ...]:
    """The browser origins of the callback URLs: where the app's pages call the API from."""
    origins = (f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, urls))
    return tuple(dict.fromkeys(origins))


def _github(get: ContextReader) -> GithubOidcConfig | None:
    """Only with -c githubRepo=owner/name: the CI deploy roles are opt-in, one per account."""
    repo = _text(get("githubRepo"), "githubRepo")
    if repo is None:
        return None
    if not _GITHUB_REPO.match(repo):
        raise ConfigError(f"context 'githubRepo' is '{repo}': use owner/name, e.g. octo-org/api")
    environments = _list(get("githubEnvironments"), "githubEnvironments") or ("dev", "prod")
    for environment in environments:
        if not _GITHUB_ENVIRONMENT.match(environment):
            raise ConfigError(f"context 'githubEnvironments' value '{environment}' is not valid")
    provider_arn = _text(get("githubOidcProviderArn"), "githubOidcProviderArn")
    if provider_arn is not None and not _OIDC_PROVIDER_ARN.match(provider_arn):
        raise ConfigError(
            "context 'githubOidcProviderArn' must be arn:aws:iam::<account>:oidc-provider/"
            f"token.actions.githubusercontent.com, got '{provider_arn}'"
        )
    return GithubOidcConfig(repo=repo, environments=environments, provider_arn=provider_arn)


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


def _alarms(get: ContextReader, stage: Stage) -> AlarmsConfig | None:
    """Alarms default on in prod; an e-mail without alarms is a mistake, not a no-op."""
    enabled = _flag(get("alarms"), "alarms", default=stage is Stage.PROD)
    email = _text(get("alarmEmail"), "alarmEmail")
    if email is not None and not _EMAIL.match(email):
        raise ConfigError(
            f"context 'alarmEmail' is '{email}': use one address, "
            "e.g. -c alarmEmail=ops@example.com"
        )
    if not enabled:
        if email is not None:
            raise ConfigError(
                "context 'alarmEmail' is set but alarms are off: add -c alarms=true or drop it"
            )
        return None
    return AlarmsConfig(email=email)


def _custom_domain(get: ContextReader) -> CustomDomainConfig | None:
    """apiDomain and certificateArn go together; the hosted zone (id + name) is optional."""
    domain = _text(get("apiDomain"), "apiDomain")
    certificate = _text(get("certificateArn"), "certificateArn")
    zone_id = _text(get("hostedZoneId"), "hostedZoneId")
    zone_name = _text(get("hostedZoneName"), "hostedZoneName")
    if domain is None:
        for key, value in (
            ("certificateArn", certificate),
            ("hostedZoneId", zone_id),
            ("hostedZoneName", zone_name),
        ):
            if value is not None:
                raise ConfigError(
                    f"context '{key}' needs apiDomain: add -c apiDomain=api.example.com or drop it"
                )
        return None
    domain = _hostname(domain, "apiDomain", "api.example.com")
    if certificate is None:
        raise ConfigError(
            "context 'certificateArn' is required with apiDomain: the ARN of an ACM certificate "
            "for that name in the API's region"
        )
    match = _CERTIFICATE_ARN.match(certificate)
    if match is None:
        raise ConfigError(
            f"context 'certificateArn' is '{certificate}': use an ACM certificate ARN, "
            "arn:aws:acm:<region>:<account>:certificate/<id>"
        )
    if (zone_id is None) != (zone_name is None):
        raise ConfigError(
            "context 'hostedZoneId' and 'hostedZoneName' go together: set both for a Route 53 "
            "alias record, or neither"
        )
    if zone_id is not None and zone_name is not None:
        if not _HOSTED_ZONE_ID.match(zone_id):
            raise ConfigError(
                f"context 'hostedZoneId' is '{zone_id}': use the zone's id, e.g. Z0123456789ABC"
            )
        zone_name = _hostname(zone_name.rstrip("."), "hostedZoneName", "example.com")
        if domain != zone_name and not domain.endswith(f".{zone_name}"):
            raise ConfigError(
                f"context 'apiDomain' '{domain}' is not inside hostedZoneName '{zone_name}'"
            )
    return CustomDomainConfig(
        domain_name=domain,
        certificate_arn=certificate,
        certificate_region=match.group(1),
        hosted_zone_id=zone_id,
        hosted_zone_name=zone_name,
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
    stage = _choice(get("stage"), "stage", Stage, Stage.DEV)
    auth = _choice(get("auth"), "auth", AuthProvider, AuthProvider.COGNITO)
    return stage, auth


def load_config(get: ContextReader) -> AppConfig:
    """Build an AppConfig from a context reader such as `app.node.try_get_context`."""
    stage, auth = stage_and_auth(get)
    callback_urls = _list(get("callbackUrls"), "callbackUrls") or DEFAULT_CALLBACK_URLS
    for url in callback_urls:
        _https_url(url, "callbackUrls", allow_http_localhost=True)
    explicit_origins = _list(get("corsOrigins"), "corsOrigins")
    cors_origins = explicit_origins or _origins(callback_urls)
    for origin in cors_origins:
        if origin != "*":
            _https_url(origin, "corsOrigins", allow_path=False, allow_http_localhost=True)
    if stage is Stage.PROD:
        _refuse_localhost_in_prod(
            callback_urls,
            cors_origins,
            cognito=auth is AuthProvider.COGNITO,
            cors_set=bool(explicit_origins),
        )

    cognito: CognitoConfig | None = None
    external: IssuerConfig | None = None
    machine_client = _flag(get("machineClient"), "machineClient", default=False)
    if auth is AuthProvider.COGNITO:
        cognito = CognitoConfig(
            domain_prefix=_domain_prefix(get("domainPrefix")),
            callback_urls=callback_urls,
            password_auth=_flag(get("passwordAuth"), "passwordAuth", default=stage is Stage.DEV),
            resource_server=_resource_server(get("resourceServer")),
            machine_client=machine_client,
            refresh_token_rotation=_refresh_token_rotation(get),
            implicit_grant=stage is Stage.DEV,
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
        external = _external_issuer(auth, get)
    # Dev keeps the tutorial's "either token works"; prod refuses ID tokens on every route.
    require_scopes: bool | None = True if stage is Stage.PROD else None
    if get("requireScopes") is not None:
        require_scopes = _flag(get("requireScopes"), "requireScopes", default=False)

    return AppConfig(
        stage=stage,
        auth=auth,
        cognito=cognito,
        external_issuer=external,
        route_scopes=_route_scopes(auth, cognito, require_scopes, get),
        cors_origins=cors_origins,
        mfa=_flag(get("mfa"), "mfa", default=stage is Stage.PROD),
        github=_github(get),
        alarms=_alarms(get, stage),
        custom_domain=_custom_domain(get),
    )


def config_from_mapping(context: Mapping[str, Any]) -> AppConfig:
    """Convenience for tests and tools that hold the context as a plain dict."""
    return load_config(context.get)
