"""`python -m local token|smoke|env|outbox`: the commands that use a running `make local` (or,
for tokens, the stacks deployed in AWS)."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

import boto3
import httpx

from local.emulator.caller.issuers import LocalIssuer
from local.emulator.caller.outbox import read_outbox
from local.emulator.caller.token_shapes import demo_user
from local.gateway.discovery import route_scopes
from local.pool_notices import code_line
from local.run import UsageError
from local.runtime.client import local_aws_environment, local_client
from local.state import RunDir, RunState, StateError
from stacks.contract import PROFILE_PATH
from tools.outputs import StageOutputs
from tools.smoke import SmokeError, smoke, target_for
from tools.token import get_machine_token, render, render_machine, tokens_for_stage


def _running_state(run_dir: RunDir) -> RunState:
    state = RunState.read(run_dir)
    if state is None:
        raise UsageError(
            "no local run found: start `make local` in another terminal first, "
            "or pass --aws to use the stacks deployed in your AWS account"
        )
    return state


def _local_token_endpoint(endpoint_url: str, user_pool_id: str) -> str:
    """The token endpoint the local pool's discovery document lists, as a client finds it."""
    url = f"{endpoint_url}/{user_pool_id}/.well-known/openid-configuration"
    try:
        document = httpx.get(url, timeout=10).json()
    except (httpx.HTTPError, ValueError) as error:
        raise UsageError(f"the local pool's discovery document is unreadable: {error}") from None
    endpoint = document.get("token_endpoint")
    if not isinstance(endpoint, str):
        raise UsageError(f"{url} lists no token_endpoint: restart `make local`")
    return endpoint


def token(args: argparse.Namespace) -> int:
    run_dir = RunDir()
    if args.aws:
        outputs = StageOutputs.from_cloudformation(boto3.client("cloudformation"), args.stage)
        cognito = boto3.client("cognito-idp")
        api_url = outputs.api_url
    else:
        state = _running_state(run_dir)
        if state.issuer is not None:
            return _stand_in_tokens(state, args.email)
        outputs = state.outputs
        cognito = local_client("cognito-idp", state.endpoint_url)
        api_url = state.api_url
    if outputs.user_pool_id is None or outputs.client_id is None:
        raise UsageError(
            "this deployment has no Cognito user pool (auth is not cognito): get a token from "
            "your provider (README, 'Swapping the issuer')"
        )
    if args.machine:
        if outputs.machine_client_id is None:
            raise UsageError(
                "this deployment has no machine client: deploy with machineClient=true "
                '(make local CONTEXT="machineClient=true")'
            )
        token_endpoint = outputs.token_endpoint
        if not args.aws:  # the deployed URL is the Cognito domain's; offline it is the emulator's
            token_endpoint = _local_token_endpoint(state.endpoint_url, outputs.user_pool_id)
        if token_endpoint is None:
            raise UsageError("AuthStack has no TokenEndpoint output: redeploy it")
        machine = get_machine_token(
            cognito,
            user_pool_id=outputs.user_pool_id,
            client_id=outputs.machine_client_id,
            token_endpoint=token_endpoint,
            scope=args.scope,
        )
        print(render_machine(machine, api_url))
        return 0
    tokens = tokens_for_stage(
        outputs, cognito, email=args.email, password_store=run_dir.password_store
    )
    print(render(tokens, api_url))
    return 0


def _stand_in_tokens(state: RunState, email: str) -> int:
    """A user-style token with the scopes of the user's own routes, and a machine-style token
    with every scope the deployed routes ask for (the back-office route's too)."""
    assert state.issuer is not None
    issuer = LocalIssuer.load(state.issuer)
    apigw = local_client("apigatewayv2", state.endpoint_url)
    scopes = route_scopes(apigw, state.outputs.api_id)
    user_scopes = route_scopes(apigw, state.outputs.api_id, paths=(PROFILE_PATH,))
    user = demo_user(issuer.provider, issuer.settings.issuer, email)
    user_token = issuer.token(user, user_scopes)
    machine_token = issuer.token(None, scopes)
    profile_url = f"{state.api_url.rstrip('/')}{PROFILE_PATH}"
    granted = " ".join(scopes) if scopes else "none (the routes ask for none)"
    print(
        "\n".join(
            [
                f"# Local {issuer.provider} issuer {issuer.settings.issuer} "
                f"(audience {issuer.settings.audiences[0]}, API scopes: {granted})",
                f"# User token for {email} ({user.user_id}), as a sign-in would give it:",
                f"USER_TOKEN={user_token}",
                f"# Machine token for client {issuer.settings.client_id} (client credentials):",
                f"MACHINE_TOKEN={machine_token}",
                "",
                "# Try it:",
                f"curl -i {profile_url}",
                f'curl -i -H "Authorization: Bearer {user_token}" {profile_url}',
            ]
        )
    )
    return 0


def print_env(args: argparse.Namespace) -> int:
    """Shell lines that point a user's own scripts (boto3, the AWS CLI, SDKs) at the running
    `make local` with its credentials: `eval "$(python -m local env)"`."""
    state = _running_state(RunDir())
    for name, value in local_aws_environment(state.endpoint_url).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def smoke_local(args: argparse.Namespace) -> int:
    """tools.smoke against the running `make local`: its outputs, its local endpoint."""

    def find_target() -> Any:
        run_dir = RunDir()
        try:
            state = RunState.read(run_dir)
        except StateError as problem:
            raise SmokeError(str(problem)) from None
        if state is None:
            missing = run_dir.state_file
            raise SmokeError(f"no local run found ({missing} is missing): start `make local` first")
        cognito = local_client("cognito-idp", state.endpoint_url)
        return target_for(
            state.outputs, cognito, f"the local run at {state.api_url}", api_url=state.api_url
        )

    return smoke(find_target)


def outbox(args: argparse.Namespace) -> int:
    """The codes the running local pool sent (sign-up, resend, forgot password), oldest first."""
    state = _running_state(RunDir())
    messages = read_outbox(state.endpoint_url, destination=args.email)
    if not messages:
        print("no messages" + (f" to {args.email}" if args.email else ""))
    for message in messages:
        print(code_line(message).strip())
    return 0
