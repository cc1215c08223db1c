"""Builds the stacks for one configuration; app.py and the tests share it so both synth alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import aws_cdk as cdk

from stacks.api_stack import ApiStack
from stacks.config import AppConfig, IssuerConfig
from stacks.contract import GITHUB_OIDC_STACK, PROJECT_TAG, STACK_ARN_PATTERN, StackNames
from stacks.nag import acknowledge_trade_offs

if TYPE_CHECKING:  # imported where built: aws_cognito costs ~55 ms of every non-Cognito synth
    from stacks.auth_stack import AuthStack
    from stacks.github_oidc_stack import GithubOidcStack


@dataclass(frozen=True)
class BuiltStacks:
    api: ApiStack
    auth: AuthStack | None
    github_oidc: GithubOidcStack | None = None


def stack_names(config: AppConfig) -> tuple[str | None, str]:
    """(AuthStack name or None, ApiStack name): one pair per stage so dev and prod coexist."""
    names = StackNames.for_stage(config.stage.value)
    return (names.auth if config.cognito else None), names.api


def build_app(
    app: cdk.App, config: AppConfig, *, env: cdk.Environment | None = None
) -> BuiltStacks:
    auth_name, api_name = stack_names(config)
    tags = {"project": PROJECT_TAG, "stage": config.stage.value}
    auth_stack: AuthStack | None = None
    if config.cognito is not None and auth_name is not None:
        from stacks.auth_stack import AuthStack

        auth_stack = AuthStack(
            app,
            auth_name,
            cognito_config=config.cognito,
            retain_data=config.is_prod,
            mfa=config.mfa,
            env=env,
            tags=tags,
            description="Cognito user pool, app client and hosted UI that issue the API's JWTs",
        )
        audiences = [auth_stack.client_id]
        if auth_stack.machine_client is not None:
            # Machine tokens carry the machine client's id (no aud): the authorizer must know it.
            audiences.append(auth_stack.machine_client.user_pool_client_id)
        trusted_issuer = IssuerConfig(issuer=auth_stack.issuer, audiences=tuple(audiences))
    elif config.external_issuer is not None:
        trusted_issuer = config.external_issuer
    else:  # pragma: no cover - load_config always sets one of the two
        raise AssertionError("config has neither a Cognito pool nor an external issuer")

    api_stack = ApiStack(
        app,
        api_name,
        trusted_issuer=trusted_issuer,
        read_scopes=config.route_scopes.read,
        write_scopes=config.route_scopes.write,
        admin_scopes=config.route_scopes.admin,
        cors_origins=config.cors_origins,
        retain_data=config.is_prod,
        alarms=config.alarms,
        custom_domain=config.custom_domain,
        env=env,
        tags=tags,
        description=f"HTTP API behind a JWT authorizer ({config.auth.value} issuer)",
    )
    github_oidc: GithubOidcStack | None = None
    if config.github is not None:  # opt-in (-c githubRepo=...): account-wide, not per stage
        from stacks.github_oidc_stack import GithubOidcStack

        github_oidc = GithubOidcStack(
            app,
            GITHUB_OIDC_STACK,
            github=config.github,
            app_stacks_pattern=STACK_ARN_PATTERN,
            env=env,
            tags={"project": PROJECT_TAG},
            description=f"GitHub Actions OIDC roles for {config.github.repo}: CDK deploys only",
        )
    acknowledge_trade_offs(auth_stack)
    return BuiltStacks(api=api_stack, auth=auth_stack, github_oidc=github_oidc)
