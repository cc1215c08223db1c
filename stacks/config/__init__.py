"""Typed configuration parsed from CDK context: the one place where outside values are checked.

One module per section (issuer, cognito, scopes, github, alarms, custom_domain), all parsed
with the one set of typed parsers (parsers), composed by load. Every check raises ConfigError
with a single line that names the context key and the fix, so a bad `-c key=value` fails synth
with a message a person can act on instead of a jsii traceback.
"""

from stacks.config.alarms import AlarmsConfig
from stacks.config.choices import AuthProvider, Stage
from stacks.config.cognito import DEFAULT_DOMAIN_PREFIX, CognitoConfig
from stacks.config.custom_domain import CustomDomainConfig
from stacks.config.github import GithubOidcConfig
from stacks.config.issuer import IssuerConfig
from stacks.config.load import (
    DEFAULT_CALLBACK_URLS,
    AppConfig,
    check_region,
    config_from_mapping,
    context_from_pairs,
    load_config,
    stage_and_auth,
)
from stacks.config.parsers import ConfigError, ContextReader
from stacks.config.scopes import RouteScopes

__all__ = [
    "DEFAULT_CALLBACK_URLS",
    "DEFAULT_DOMAIN_PREFIX",
    "AlarmsConfig",
    "AppConfig",
    "AuthProvider",
    "CognitoConfig",
    "ConfigError",
    "ContextReader",
    "CustomDomainConfig",
    "GithubOidcConfig",
    "IssuerConfig",
    "RouteScopes",
    "Stage",
    "check_region",
    "config_from_mapping",
    "context_from_pairs",
    "load_config",
    "stage_and_auth",
]
