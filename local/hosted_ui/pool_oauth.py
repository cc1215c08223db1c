"""The hosted UI's client of the pool's OAuth endpoints: the pool decides, signs and keeps
every token; the hosted UI shows pages and keeps cookies.

- authorize decisions (`POST /_local/oauth/authorize` on the local AWS endpoint, signed with
  the run's credentials like every /_local path): check an authorize request (and learn the
  first factors its login page offers), sign a user in for it with a password, or step by
  step with the pool's choice-based flow (start, answer), authorize again for a signed-in
  session handle, end that session;
- the token, revoke and userInfo endpoints (`/<poolId>/oauth2/...`): the app's request is
  forwarded as it came (method, body, Content-Type, Authorization) and the pool's answer
  returned as it is (status, body, the headers that matter).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from local.emulator.wire import POOL_AUTHORIZE_PATH
from local.runtime.client import local_http
from tools.tls import shared_tls_context

# What the pool's answer keeps when forwarded (the rest is the emulator's server's own).
_ANSWER_HEADERS = ("content-type", "cache-control", "pragma", "www-authenticate")
_FORWARDED_HEADERS = ("content-type", "authorization")
# The pool's token endpoint answers a request with this header as the domain's endpoint does.
_DOMAIN_HEADER = "X-Local-Hosted-Ui"


class PoolUnavailableError(RuntimeError):
    """The local AWS endpoint did not answer the hosted UI."""


@dataclass(frozen=True)
class Decision:
    """The pool's answer to an authorize request.

    kind: "login" (show the form, offering `factors`), "redirect" (to `location`: a code or
    tokens), "challenge" (the pool's next sign-in step: `challenge`, with its `auth_session`
    and `parameters`, or the `available` ones), "error_redirect" (to `location`: `error=` for
    the trusted redirect_uri), "page_error" (`message`, `status`), "login_error" (the form
    again, with `message`), "gone" (the session no longer signs in: show the form)."""

    kind: str
    location: str = ""
    message: str = ""
    status: int = 400
    session: str | None = None  # a new sign-in's handle, for the session cookie
    factors: tuple[str, ...] = ("PASSWORD",)  # the first factors the login page offers
    challenge: str = ""  # EMAIL_OTP, SMS_OTP, WEB_AUTHN or SELECT_CHALLENGE
    auth_session: str = ""  # the pool's Session for answering `challenge`
    parameters: Mapping[str, str] = field(default_factory=dict)  # its ChallengeParameters
    available: tuple[str, ...] = ()  # what the user may choose instead

    @classmethod
    def from_json(cls, answer: Mapping[str, Any]) -> Decision:
        parameters = answer.get("parameters")
        return cls(
            kind=str(answer.get("decision", "")),
            location=str(answer.get("location", "")),
            message=str(answer.get("message", "")),
            status=int(answer.get("status", 400)),
            session=answer.get("session") if isinstance(answer.get("session"), str) else None,
            factors=_names(answer.get("factors"), default=("PASSWORD",)),
            challenge=str(answer.get("challenge", "")),
            auth_session=str(answer.get("authSession", "")),
            parameters={str(k): str(v) for k, v in parameters.items()}
            if isinstance(parameters, dict)
            else {},
            available=_names(answer.get("available"), default=()),
        )


def _names(value: Any, *, default: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list):
        return default
    return tuple(str(item) for item in value)


@dataclass(frozen=True)
class Forwarded:
    """The pool's answer, to send on as it is."""

    status: int
    headers: dict[str, str]
    body: bytes


class PoolOAuth:
    """One pool's OAuth side, as the hosted UI reaches it."""

    def __init__(self, endpoint_url: str, pool_id: str, *, timeout: float = 30) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.pool_id = pool_id
        self.timeout = timeout

    def _ask(self, action: str, **fields: Any) -> Decision:
        body = {"userPoolId": self.pool_id, "action": action, **fields}
        try:
            with local_http(self.endpoint_url, timeout=self.timeout) as http:
                answer = http.post(POOL_AUTHORIZE_PATH, json=body)
            decided = answer.json()
        except (httpx.HTTPError, ValueError) as problem:
            raise PoolUnavailableError(f"the local pool did not answer: {problem}") from None
        if answer.status_code != 200 or not isinstance(decided, dict):
            raise PoolUnavailableError(
                f"the local pool refused the authorize request: {answer.status_code}"
            )
        return Decision.from_json(decided)

    def check(self, query: Mapping[str, str]) -> Decision:
        """Whether to show the login page (kind "login"), an error page or an error redirect."""
        return self._ask("check", query=dict(query))

    def sign_in(self, query: Mapping[str, str], username: str, password: str) -> Decision:
        """The redirect (code or tokens) and the session handle, or the login page's error."""
        return self._ask("sign_in", query=dict(query), username=username, password=password)

    def start(self, query: Mapping[str, str], username: str, factor: str) -> Decision:
        """Choice-based sign-in preferring `factor` (EMAIL_OTP, SMS_OTP, WEB_AUTHN): the
        pool's challenge for it, or SELECT_CHALLENGE, or the login page's error."""
        return self._ask("start", query=dict(query), username=username, factor=factor)

    def answer(
        self,
        query: Mapping[str, str],
        username: str,
        challenge: str,
        auth_session: str,
        response: str,
    ) -> Decision:
        """The code or passkey credential for the pool's challenge: the redirect and session
        handle, or the pool's refusal."""
        return self._ask(
            "answer",
            query=dict(query),
            username=username,
            challenge=challenge,
            authSession=auth_session,
            response=response,
        )

    def passkey_options(self, query: Mapping[str, str], session: str) -> Decision:
        """/passkeys/add: the pool's creation options for the signed-in user (in
        `parameters`) and the checked redirect_uri (`location`), or an error page."""
        return self._ask("passkey_options", query=dict(query), session=session)

    def passkey_register(self, query: Mapping[str, str], session: str, credential: str) -> Decision:
        """/passkeys/add's registration JSON: the redirect back, or the pool's refusal."""
        return self._ask(
            "passkey_register", query=dict(query), session=session, response=credential
        )

    def resume(self, query: Mapping[str, str], session: str) -> Decision:
        """Signed in already: the redirect, or "gone" (sign in again)."""
        return self._ask("resume", query=dict(query), session=session)

    def end(self, session: str) -> None:
        """Sign-out: the session handle no longer signs in."""
        self._ask("end", session=session)

    def forward(
        self, endpoint: str, method: str, headers: Mapping[str, str], body: bytes
    ) -> Forwarded:
        """The app's request to `/oauth2/<endpoint>` (token, revoke, userInfo), as the pool
        answers it."""
        url = f"{self.endpoint_url}/{self.pool_id}/oauth2/{endpoint}"
        sent = {k: v for k, v in headers.items() if k.lower() in _FORWARDED_HEADERS}
        sent[_DOMAIN_HEADER] = "1"  # answer as the domain's endpoint (errors described)
        try:
            answer = httpx.request(
                method,
                url,
                content=body,
                headers=sent,
                timeout=self.timeout,
                verify=shared_tls_context(),
            )
        except httpx.HTTPError:
            unavailable = {
                "error": "server_error",
                "error_description": "the local pool's endpoint did not answer",
            }
            return Forwarded(
                503, {"content-type": "application/json"}, json.dumps(unavailable).encode()
            )
        kept = {k: v for k, v in answer.headers.items() if k.lower() in _ANSWER_HEADERS}
        return Forwarded(answer.status_code, kept, answer.content)
