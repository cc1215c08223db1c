"""`python -m tools.smoke`: prove a deployed stage works end to end, from outside, in seconds.

What CI runs after every deploy (and what a person runs after `make deploy` or against
`make local`): 401 without a token, then a throw-away Cognito user signs in and does the
POST/GET round trip. The user is created with the admin API (no e-mail is sent) and always
deleted again, even when a check fails, so nothing is left behind but its stored profile row.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
import httpx
from botocore.exceptions import BotoCoreError, ClientError

from stacks.contract import PROFILE_PATH
from tools.outputs import OutputsError, StageOutputs
from tools.token import new_password

UNAUTHORIZED = {"message": "Unauthorized"}
SMOKE_PROFILE = {"name": "Smoke Test", "bio": "created by tools.smoke and safe to delete"}
HTTP_TIMEOUT_SECONDS = 30


class SmokeError(Exception):
    """One smoke check did not hold; the message says what was expected and what came back."""


@dataclass(frozen=True)
class Target:
    """Where the deployed stage is: its API URL and, with auth=cognito, its pool and client."""

    description: str
    api_url: str
    user_pool_id: str | None
    client_id: str | None
    cognito: Any  # a boto3 cognito-idp client (local or real)


class Report:
    """Prints one ✔/✘ line per check and counts them."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.passed = 0
        self.failed = 0

    def ok(self, message: str) -> None:
        self.passed += 1
        print(f"✔ {message}", file=self.out, flush=True)

    def fail(self, message: str) -> None:
        self.failed += 1
        print(f"✘ {message}", file=self.out, flush=True)

    def note(self, message: str) -> None:
        print(f"  {message}", file=self.out, flush=True)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))


# -- finding the deployed stage -------------------------------------------------------------


def target_for(
    outputs: StageOutputs, cognito: Any, description: str, api_url: str | None = None
) -> Target:
    """A stage's outputs plus a cognito-idp client for its region (AWS or the local endpoint);
    `api_url` where the API is served elsewhere than its output says (the local run)."""
    return Target(
        description=description,
        api_url=api_url or outputs.api_url,
        user_pool_id=outputs.user_pool_id,
        client_id=outputs.client_id,
        cognito=cognito,
    )


def target_from_aws(stage: str) -> Target:
    """The stage in the AWS account of the current credentials: outputs from CloudFormation."""
    outputs = StageOutputs.from_cloudformation(boto3.client("cloudformation"), stage)
    return target_for(
        outputs, boto3.client("cognito-idp"), f"stage {stage} in AWS ({outputs.api_url})"
    )


# -- the checks ------------------------------------------------------------------------------


def check_unauthorized(http: httpx.Client) -> str:
    response = http.get(PROFILE_PATH)
    challenge = response.headers.get("www-authenticate", "")
    if response.status_code != 401:
        raise SmokeError(f"expected 401, got {response.status_code}: {response.text[:200]}")
    if _json(response) != UNAUTHORIZED:
        raise SmokeError(f"expected body {json.dumps(UNAUTHORIZED)}, got {response.text[:200]}")
    if not challenge.startswith("Bearer"):
        raise SmokeError(f"expected a 'www-authenticate: Bearer' header, got '{challenge}'")
    return f"401 {response.text}, www-authenticate: {challenge}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@contextmanager
def temporary_user(target: Target, report: Report) -> Iterator[tuple[str, str, str]]:
    """(username, password, sub) of a confirmed user that exists only inside the block."""
    assert target.user_pool_id is not None
    username = f"smoke-{secrets.token_hex(6)}@example.com"
    password = new_password()
    try:
        created = target.cognito.admin_create_user(
            UserPoolId=target.user_pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",  # no invitation e-mail
        )
        target.cognito.admin_set_user_password(
            UserPoolId=target.user_pool_id, Username=username, Password=password, Permanent=True
        )
    except ClientError as error:
        _delete_user(target, username, report, quiet=True)
        raise SmokeError(f"could not create a temporary user: {_error_message(error)}") from None
    attributes = {a["Name"]: a["Value"] for a in created["User"].get("Attributes", [])}
    report.ok(f"temporary user {username} created (admin API, no e-mail sent)")
    try:
        yield username, password, attributes.get("sub", "")
    finally:
        _delete_user(target, username, report, quiet=False)


def _delete_user(target: Target, username: str, report: Report, *, quiet: bool) -> None:
    try:
        target.cognito.admin_delete_user(UserPoolId=target.user_pool_id, Username=username)
    except ClientError as error:
        if quiet and _error_code(error) == "UserNotFoundException":
            return
        report.fail(
            f"could not delete temporary user {username}: {_error_message(error)}; "
            f"delete it by hand: aws cognito-idp admin-delete-user --user-pool-id "
            f"{target.user_pool_id} --username {username}"
        )
        return
    if not quiet:
        report.ok(f"temporary user {username} removed")


def sign_in(target: Target, username: str, password: str) -> tuple[str, str]:
    """(access token, flow used): the access token, because scoped routes (prod) refuse ID
    tokens, and the pool's pre token trigger gives it the user scopes. The admin flow first:
    it needs IAM credentials, which the smoke test has anyway, and works on every stage; the
    public password flow for older stacks."""
    credentials = {"USERNAME": username, "PASSWORD": password}
    refused: list[str] = []
    try:
        result = target.cognito.admin_initiate_auth(
            UserPoolId=target.user_pool_id,
            ClientId=target.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=credentials,
        )
        return _access_token(result), "ADMIN_USER_PASSWORD_AUTH"
    except ClientError as error:
        if _error_code(error) != "InvalidParameterException":
            raise SmokeError(f"sign-in refused: {_error_message(error)}") from None
        refused.append(f"ADMIN_USER_PASSWORD_AUTH ({_error_message(error)})")
    try:
        result = target.cognito.initiate_auth(
            ClientId=target.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=credentials
        )
        return _access_token(result), "USER_PASSWORD_AUTH"
    except ClientError as error:
        if _error_code(error) != "InvalidParameterException":
            raise SmokeError(f"sign-in refused: {_error_message(error)}") from None
        refused.append(f"USER_PASSWORD_AUTH ({_error_message(error)})")
    raise SmokeError(
        f"the app client allows no password flow: {'; '.join(refused)}. Redeploy AuthStack (it "
        "enables ADMIN_USER_PASSWORD_AUTH, usable only with IAM credentials) or deploy with "
        "-c passwordAuth=true"
    )


def _access_token(result: dict[str, Any]) -> str:
    if "AuthenticationResult" not in result:
        challenge = result.get("ChallengeName", "an unknown challenge")
        raise SmokeError(f"sign-in asked for {challenge} instead of returning tokens")
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token


def check_round_trip(http: httpx.Client, access_token: str, sub: str, report: Report) -> None:
    headers = {"Authorization": f"Bearer {access_token}"}
    first = http.get(PROFILE_PATH, headers=headers)
    body = _json(first)
    if first.status_code != 200 or not isinstance(body, dict):
        raise SmokeError(
            f"GET with the access token: expected 200, got {first.status_code}: {first.text[:200]}"
        )
    if body.get("sub") != sub:
        raise SmokeError(f"GET answered for sub {body.get('sub')!r}, the user is {sub!r}")
    if body.get("profile") is not None:
        raise SmokeError(f"a brand-new user already has a profile: {body['profile']}")
    report.ok(f"GET {PROFILE_PATH} with an access token: 200, sub {sub}, no profile yet")

    created = http.post(PROFILE_PATH, headers=headers, json=SMOKE_PROFILE)
    body = _json(created)
    if created.status_code != 201 or not isinstance(body, dict):
        raise SmokeError(f"POST: expected 201, got {created.status_code}: {created.text[:200]}")
    if body.get("sub") != sub or body.get("profile", {}).get("name") != SMOKE_PROFILE["name"]:
        raise SmokeError(f"POST stored something else: {created.text[:200]}")
    report.ok(f"POST {PROFILE_PATH}: 201, profile stored under the token's sub")

    again = http.get(PROFILE_PATH, headers=headers)
    body = _json(again)
    if again.status_code != 200 or not isinstance(body, dict):
        raise SmokeError(f"GET after POST: expected 200, got {again.status_code}")
    stored = body.get("profile") or {}
    if {key: stored.get(key) for key in SMOKE_PROFILE} != SMOKE_PROFILE:
        raise SmokeError(f"GET after POST returned {stored}, expected {SMOKE_PROFILE}")
    report.ok(f"GET {PROFILE_PATH}: 200, returns the stored profile")


@contextmanager
def _reported(report: Report, api_url: str) -> Iterator[None]:
    """Turn a failed check into its ✘ line right where it happened (before any clean-up)."""
    try:
        yield
    except SmokeError as problem:
        report.fail(str(problem))
    except httpx.HTTPError as problem:
        report.fail(f"could not reach {api_url}: {problem}")
    except (BotoCoreError, ClientError) as problem:
        report.fail(f"AWS call failed: {problem}")


def run_smoke(target: Target, http: httpx.Client, out: TextIO = sys.stdout) -> int:
    """Every check against one target, stopping at the first failure; 0 when all passed."""
    report = Report(out)
    print(f"Smoke test of {target.description}", file=out, flush=True)
    with _reported(report, target.api_url):
        report.ok(f"GET {PROFILE_PATH} without a token: {check_unauthorized(http)}")
        if target.user_pool_id is None or target.client_id is None:
            report.note("no Cognito user pool (auth is not cognito): token checks skipped")
        else:
            with (
                temporary_user(target, report) as (username, password, sub),
                _reported(report, target.api_url),
            ):
                access_token, flow = sign_in(target, username, password)
                report.ok(f"signed in with {flow}: got an access token")
                check_round_trip(http, access_token, sub, report)
    verdict = "PASSED" if report.failed == 0 else "FAILED"
    print(f"{verdict}: {report.passed} passed, {report.failed} failed", file=out, flush=True)
    return 0 if report.failed == 0 else 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.smoke", description=__doc__)
    parser.add_argument(
        "--stage", default="dev", choices=["dev", "prod"], help="AWS stage to test (dev)"
    )
    return parser.parse_args(argv)


def smoke(find_target: Callable[[], Target]) -> int:
    """Find the target (a failure to is one ✘ line), then run every check against it."""
    try:
        target = find_target()
    except (SmokeError, OutputsError) as problem:
        print(f"✘ deployed stacks not found: {problem}\nFAILED: 0 passed, 1 failed")
        return 1
    except (BotoCoreError, ClientError) as problem:
        print(
            f"✘ deployed stacks not found: AWS call failed: {problem}\nFAILED: 0 passed, 1 failed"
        )
        return 1
    base_url = target.api_url.rstrip("/")
    with httpx.Client(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS) as http:
        return run_smoke(target, http)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return smoke(lambda: target_from_aws(args.stage))


if __name__ == "__main__":
    sys.exit(main())
