"""githubRepo: which repository (and environments) may deploy from CI through OIDC."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stacks.config.parsers import ConfigError, ContextReader, optional_text, text_list

# GitHub owner (user or org) and repository names, as GitHub allows them.
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")

_GITHUB_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")

_OIDC_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
)


@dataclass(frozen=True, kw_only=True)
class GithubOidcConfig:
    """Which GitHub repository (and environments) may deploy from CI through OIDC."""

    repo: str
    environments: tuple[str, ...]
    provider_arn: str | None


def github_config(get: ContextReader) -> GithubOidcConfig | None:
    """Only with -c githubRepo=owner/name: the CI deploy roles are opt-in, one per account."""
    repo = optional_text(get("githubRepo"), "githubRepo")
    if repo is None:
        return None
    if not _GITHUB_REPO.match(repo):
        raise ConfigError(f"context 'githubRepo' is '{repo}': use owner/name, e.g. octo-org/api")
    environments = text_list(get("githubEnvironments"), "githubEnvironments") or ("dev", "prod")
    for environment in environments:
        if not _GITHUB_ENVIRONMENT.match(environment):
            raise ConfigError(f"context 'githubEnvironments' value '{environment}' is not valid")
    provider_arn = optional_text(get("githubOidcProviderArn"), "githubOidcProviderArn")
    if provider_arn is not None and not _OIDC_PROVIDER_ARN.match(provider_arn):
        raise ConfigError(
            "context 'githubOidcProviderArn' must be arn:aws:iam::<account>:oidc-provider/"
            f"token.actions.githubusercontent.com, got '{provider_arn}'"
        )
    return GithubOidcConfig(repo=repo, environments=environments, provider_arn=provider_arn)
