"""A hosted UI over a pool made for the choice-based sign-in tests, and a scripted browser for
its pages: the login page's factor buttons, the code page, the passkey page.

The pools are made with the API on an emulator (Cognito's CreateUserPool with
Policies.SignInPolicy, an app client with ALLOW_USER_AUTH), so each test names the first
factors it is about instead of depending on a deployed configuration.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.outbox import read_outbox
from local.hosted_ui import build_hosted_ui
from local.runtime.client import local_client
from tests.local.hosted_ui.conftest import serving
from tests.local.hosted_ui.oauth import Agent, create_user, csrf_of, new_email
from tools.ports import free_port

FACTORS = ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]  # the first factors dev's pool allows
USER_AUTH_FLOWS = (
    "ALLOW_USER_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
)
_HIDDEN = re.compile(r'<input type=hidden name=(\w+) value="([^"]*)">')


def hidden_fields(page: str) -> dict[str, str]:
    """A page's hidden form fields (CSRF, user, challenge, the pool's session), as sent."""
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


@dataclass(frozen=True)
class ChoiceUi:
    """A served hosted UI for one pool and one of its app clients."""

    endpoint_url: str
    pool_id: str
    client_id: str
    base_url: str
    redirect_uri: str

    def agent(self) -> ChoiceAgent:
        http = httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=30)
        cognito = local_client("cognito-idp", self.endpoint_url)
        return ChoiceAgent(http, self.client_id, self.redirect_uri, cognito, self.pool_id)

    def newest_code(self, email: str, *, after: int = 0) -> str:
        """The code in the newest message the pool sent to `email`, which must be message
        number `after` + 1 or later (so a code from before is never taken for a new one)."""
        sent = read_outbox(self.endpoint_url, user_pool_id=self.pool_id, destination=email)
        assert len(sent) > after, f"the pool sent {email} no new message: {sent}"
        return sent[-1].code

    def sent_count(self, email: str) -> int:
        return len(read_outbox(self.endpoint_url, user_pool_id=self.pool_id, destination=email))


class ChoiceAgent(Agent):
    """An Agent that also picks first factors and answers their challenges."""

    def choose(self, params: dict[str, str], email: str, factor: str) -> httpx.Response:
        """The login page's button for `factor`, after typing `email`."""
        form = self.http.get("/login", params=params)
        assert form.status_code == 200, form.text
        fields = {"_csrf": csrf_of(form.text), "username": email, "factor": factor}
        return self.http.post("/login/choose", params=params, data=fields)

    def post_form(
        self, path: str, params: dict[str, str], page: str, **fields: str
    ) -> httpx.Response:
        """Post to `path` the hidden fields of the page `page` (its CSRF token, user, challenge
        and the pool's session), then `fields`."""
        return self.http.post(path, params=params, data=hidden_fields(page) | fields)


@contextmanager
def choice_ui(
    endpoint_url: str,
    *,
    factors: list[str] | None,
    flows: tuple[str, ...] = USER_AUTH_FLOWS,
    name: str = "tests-choices",
) -> Iterator[ChoiceUi]:
    """A new pool (e-mail user names, auto-verified e-mail, the Essentials plan) whose
    SignInPolicy allows `factors` (None: no sign-in policy, Cognito's password-only
    default), an OAuth code-flow client with `flows`, and its hosted UI, served."""
    cognito = local_client("cognito-idp", endpoint_url)
    policies: dict[str, Any] = {}
    if factors is not None:
        policies["SignInPolicy"] = {"AllowedFirstAuthFactors": factors}
    pool_id = cognito.create_user_pool(
        PoolName=name,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        UserPoolTier="ESSENTIALS",
        Policies=policies,
    )["UserPool"]["Id"]
    port = free_port()
    base_url = f"http://localhost:{port}"
    redirect_uri = f"{base_url}/callback"  # never opened: the tests read the redirect
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        ExplicitAuthFlows=list(flows),
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[redirect_uri],
    )["UserPoolClient"]["ClientId"]
    ui = build_hosted_ui(cognito, pool_id, base_url=base_url, endpoint_url=endpoint_url)
    try:
        with serving(ui.app, port):
            yield ChoiceUi(endpoint_url, pool_id, client_id, base_url, redirect_uri)
    finally:
        cognito.delete_user_pool(UserPoolId=pool_id)


def served_choices(emulator: EmulatorProcess) -> Iterator[ChoiceUi]:
    """A module's fixture: a pool allowing the password, e-mail codes and passkeys, with a
    USER_AUTH client, and its hosted UI."""
    with choice_ui(emulator.endpoint_url, factors=FACTORS) as ui:
        yield ui


def new_user(ui: ChoiceUi, agent: ChoiceAgent) -> str:
    """A confirmed user with a verified e-mail and the test password."""
    email = new_email()
    create_user(agent.cognito, ui.pool_id, email)
    return email


def assert_signed_in_nobody(answer: httpx.Response) -> None:
    """A page's refusal: 400, no redirect, no hosted UI session."""
    assert answer.status_code == 400, answer.text
    assert "location" not in answer.headers
    assert "cognito=" not in answer.headers.get("set-cookie", "")
