"""The pool's authorize decisions, for the run's hosted UI (which shows pages and keeps
cookies, and decides nothing): check an authorize request, sign a user in for it, answer again
for a user signed in already, end that sign-in.

Checks follow Cognito's order: an unknown client or a redirect_uri that is not registered
exactly is an error page (redirecting there would be an open redirect); once the redirect_uri is
trusted, other problems go back to it as `error=` (in the fragment for the implicit flow).
A sign-in runs the pool's own password sign-in (ADMIN_USER_PASSWORD_AUTH rules: the client's
flows, lockout, confirmation), or its USER_AUTH flow step by step (authorize_choice.py), and
mints the flow's tokens once (minting.py); the answer (signed_in, for every factor) is the
redirect (a code, or the implicit flow's tokens in the fragment) and an opaque sign-in session
handle. A handle carries the sign-in's refresh family and auth_time: authorizing again with
it skips the form, as Cognito's hosted UI does, until the family is revoked, rotated out,
expired or the user is gone.

Kept as our code, and why: Authlib's get_authorization_grant refuses an unknown response_type
before it has checked the client and redirect_uri (a page, where Cognito redirects the error)
and has no notion of the hosted UI's signed-in session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7636.challenge import CODE_CHALLENGE_PATTERN
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.core.exceptions import JsonRESTError

from . import minting, password, refresh
from .exceptions import CognitoError
from .models import RefreshFamily
from .oauth_grants import (
    CODE_LIFETIME_SECONDS,
    CodeGrant,
    RefreshGrant,
    SignIn,
    new_code,
    oauth_state,
    remember_refresh,
)
from .sign_in import ClientCall

SESSION_SECONDS = 3600
MAX_PARAM_CHARS = 2048
# OIDC leaves the nonce's form to the client; the local bound: 1-512 visible ASCII characters.
_NONCE = re.compile(r"[\x21-\x7e]{1,512}")
_LOCKED_OUT = "Password attempts exceeded"
_SIGN_IN_ERRORS = {
    "NotAuthorizedException": "Incorrect username or password.",
    "UserNotFoundException": "Incorrect username or password.",
    "UserNotConfirmedException": "User is not confirmed.",
    "PasswordResetRequiredException": "Password reset required for the user.",
    "InvalidParameterException": "This app client does not allow ADMIN_USER_PASSWORD_AUTH, "
    "which the local hosted UI signs in with.",
}
_lock = threading.Lock()


class Decision(Exception):  # noqa: N818 - an answer, raised to end the decision early
    """The pool's answer: `{"decision": ...}` and its fields."""

    def __init__(self, decision: str, **fields: Any) -> None:
        super().__init__(decision)
        self.answer = {"decision": decision, **fields}


def page_error(message: str) -> Decision:
    return Decision("page_error", message=message, status=400)


def _with_params(url: str, params: dict[str, str | None], *, fragment: bool) -> str:
    encoded = urlencode({k: v for k, v in params.items() if v is not None})
    if fragment:
        return f"{url}#{encoded}"
    return f"{url}{'&' if '?' in url else '?'}{encoded}"


@dataclass(frozen=True)
class AuthorizeRequest:
    client: CognitoIdpUserPoolClient
    redirect_uri: str
    response_type: str  # "code" or "token"
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    nonce: str | None

    def redirect(self, params: dict[str, str | None], kind: str = "redirect") -> Decision:
        location = _with_params(
            self.redirect_uri,
            params | {"state": self.state},
            fragment=self.response_type == "token",
        )
        return Decision(kind, location=location)

    def error(self, error: str, description: str) -> Decision:
        return self.redirect({"error": error, "error_description": description}, "error_redirect")


@dataclass
class Session:
    client_id: str
    refresh_token: str
    sign_in: SignIn
    expires_at: float


def _params(query: Any) -> dict[str, str]:
    if not isinstance(query, dict):
        raise page_error("query must be an object of parameters")
    for key, value in query.items():
        if not isinstance(value, str):
            raise page_error(f"query parameter '{str(key)[:64]}' must be text")
        if len(value) > MAX_PARAM_CHARS:
            raise page_error(f"query parameter '{key[:64]}' is longer than {MAX_PARAM_CHARS}")
    return query


def trusted_redirect(
    pool: CognitoIdpUserPool, query: Any
) -> tuple[dict[str, str], CognitoIdpUserPoolClient, str]:
    """The request's parameters, its OAuth app client and its redirect_uri, which is one of
    the client's callback URLs (else an error page: redirecting would be an open redirect)."""
    params = _params(query)
    client = pool.clients.get(params.get("client_id", ""))
    config = client.extended_config if client is not None else {}
    if client is None or config.get("AllowedOAuthFlowsUserPoolClient") not in (True, "true"):
        raise page_error("invalid_request: client_id is missing or unknown")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in (config.get("CallbackURLs") or ()):
        raise page_error("redirect_mismatch: redirect_uri is not a registered callback URL")
    return params, client, redirect_uri


def check(pool: CognitoIdpUserPool, query: Any) -> AuthorizeRequest:
    """The checked authorize request, or the Decision (page error or error redirect)."""
    params, client, redirect_uri = trusted_redirect(pool, query)
    config = client.extended_config
    response_type, state = params.get("response_type", ""), params.get("state")
    target = AuthorizeRequest(client, redirect_uri, response_type, (), state, None, None)
    flow = {"code": "code", "token": "implicit"}.get(response_type)
    if flow is None:
        raise target.error("unsupported_response_type", "response_type must be code or token")
    if flow not in (config.get("AllowedOAuthFlows") or ()):
        raise target.error(
            "unauthorized_client", f"the client may not use response_type={response_type}"
        )
    allowed = list(config.get("AllowedOAuthScopes") or ())
    requested = scope_to_list(params.get("scope") or "") or allowed
    refused = [scope for scope in requested if scope not in allowed]
    if refused:
        raise target.error("invalid_scope", f"scope not allowed: {refused[0][:64]}")
    nonce = params.get("nonce")
    if nonce is not None and not _NONCE.fullmatch(nonce):
        raise target.error("invalid_request", "nonce must be 1-512 visible ASCII characters")
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if response_type == "code" and (challenge is not None or method is not None):
        if method != "S256":
            raise target.error("invalid_request", "code_challenge_method must be S256")
        if not challenge or len(challenge) != 43 or not CODE_CHALLENGE_PATTERN.match(challenge):
            raise target.error("invalid_request", "code_challenge must be a base64url SHA-256")
    return AuthorizeRequest(
        client,
        redirect_uri,
        response_type,
        tuple(dict.fromkeys(requested)),
        state,
        challenge if response_type == "code" else None,
        nonce,
    )


def _complete(
    pool: CognitoIdpUserPool, auth: AuthorizeRequest, minted: minting.Minted, session: Session
) -> Decision:
    """The redirect that ends a successful sign-in: a code, or tokens in the fragment."""
    if auth.response_type == "code":
        grant = CodeGrant(
            auth.client.id,
            auth.redirect_uri,
            auth.code_challenge,
            auth.scopes,
            minted,
            session.refresh_token,
            time.time() + CODE_LIFETIME_SECONDS,
        )
        remember_refresh(pool, RefreshGrant(auth.client.id, auth.scopes, session.sign_in))
        return auth.redirect({"code": new_code(pool, grant)})
    return auth.redirect(
        {
            "id_token": minted.id_token,
            "access_token": minted.access_token,
            "expires_in": str(minted.expires_in),
            "token_type": "Bearer",
        }
    )


def _new_session(pool: CognitoIdpUserPool, session: Session) -> str:
    handle = secrets.token_urlsafe(32)
    sessions, now = oauth_state(pool).sessions, time.monotonic()
    with _lock:
        for stale in [h for h, s in sessions.items() if s.expires_at < now]:
            del sessions[stale]
        sessions[handle] = session
    return handle


def client_parameters(auth: AuthorizeRequest, username: str, **more: str) -> dict[str, str]:
    """A sign-in's parameters for the authorize request's client: USERNAME, `more`, and the
    SECRET_HASH the pool checks when the client has a secret, as Cognito does."""
    parameters = {"USERNAME": username, **more}
    if auth.client.generate_secret:
        parameters["SECRET_HASH"] = _secret_hash(auth.client, username)
    return parameters


def oauth_flow(auth: AuthorizeRequest) -> minting.OAuthFlow:
    """What a sign-in for this authorize request mints: its scopes and nonce."""
    return minting.OAuthFlow(scopes=auth.scopes, auth_time=None, nonce=auth.nonce)


def refusal(refused: JsonRESTError, messages: dict[str, str]) -> Decision:
    """The login page's message for the pool's refusal (or its trigger's): `messages` by
    error code, else the pool's own message."""
    if refused.message == _LOCKED_OUT:
        return Decision("login_error", message=_LOCKED_OUT)
    return Decision("login_error", message=messages.get(refused.error_type, refused.message))


def sign_in(pool: CognitoIdpUserPool, query: Any, username: Any, secret: Any) -> dict[str, Any]:
    """Sign the user in for the authorize request: the redirect and a session handle, or the
    login page's message."""
    auth = check(pool, query)
    if not isinstance(username, str) or not isinstance(secret, str):
        raise Decision("login_error", message="Enter your email and password.")
    parameters = client_parameters(auth, username, PASSWORD=secret)
    call = ClientCall.of(pool, auth.client)
    try:
        with minting.signing_in_for(oauth_flow(auth)):
            answer = password.password_sign_in(call, "ADMIN_USER_PASSWORD_AUTH", parameters)
    except JsonRESTError as refused:  # the pool's refusal, or its trigger's (UserLambda...)
        raise refusal(refused, _SIGN_IN_ERRORS) from None
    return signed_in(pool, auth, answer)


def signed_in(pool: CognitoIdpUserPool, auth: AuthorizeRequest, answer: Any) -> dict[str, Any]:
    """The end of a sign-in the pool answered: with tokens, the redirect and a new session
    handle; with a challenge the hosted UI does not offer, the login page's message."""
    result = answer.get("AuthenticationResult") if isinstance(answer, dict) else None
    if result is None:
        challenge = answer.get("ChallengeName") if isinstance(answer, dict) else None
        raise Decision(
            "login_error",
            message=f"This account needs {challenge or 'a challenge'}, which the local hosted "
            "UI does not offer: use `make token` or the AWS API for it.",
        )
    family = refresh.usable_family(pool, auth.client, result["RefreshToken"])
    session = Session(
        auth.client.id,
        result["RefreshToken"],
        SignIn(family.username, family.origin_jti, family.auth_time),
        time.monotonic() + SESSION_SECONDS,
    )
    minted = minting.Minted(result["AccessToken"], result.get("IdToken"), result["ExpiresIn"])
    decision = _complete(pool, auth, minted, session)
    return decision.answer | {"session": _new_session(pool, session)}


def resume(pool: CognitoIdpUserPool, query: Any, handle: Any) -> dict[str, Any]:
    """Authorize again for a user signed in already (no form), or `gone`."""
    auth = check(pool, query)
    session, family = live_session(pool, auth.client, handle)
    session.refresh_token = refresh.rotate(pool, auth.client, family) or session.refresh_token
    flow = minting.OAuthFlow(auth.scopes, session.sign_in.auth_time, auth.nonce)
    minted = minting.user_tokens(
        pool,
        auth.client.id,
        family.username,
        family.origin_jti,
        source=minting.REFRESH,
        flow=flow,
    )
    return _complete(pool, auth, minted, session).answer | {"session": handle}


def live_session(
    pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, handle: Any
) -> tuple[Session, RefreshFamily]:
    """The signed-in session `handle` names for this client and its refresh family, or the
    Decision `gone` (sign in again): unknown, past its hour, another client's, or its user or
    refresh token gone."""
    sessions = oauth_state(pool).sessions
    with _lock:
        session = sessions.get(handle) if isinstance(handle, str) else None
    if session is None or session.expires_at < time.monotonic():
        end(pool, handle)
        raise Decision("gone")
    if session.client_id != client.id:
        raise Decision("gone")
    try:
        family = refresh.usable_family(pool, client, session.refresh_token)
    except CognitoError:  # the user or its token is gone: sign in again
        end(pool, handle)
        raise Decision("gone") from None
    return session, family


def end(pool: CognitoIdpUserPool, handle: Any) -> None:
    """Sign-out: the handle no longer resumes."""
    if isinstance(handle, str):
        with _lock:
            oauth_state(pool).sessions.pop(handle, None)


def _secret_hash(client: CognitoIdpUserPoolClient, username: str) -> str:
    digest = hmac.new(
        str(client.secret).encode(), (username + client.id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
