"""The local AWS endpoint's front door: this machine's names only, AWS's signatures, AWS's CORS.

Any page in the developer's browser can send requests to `http://localhost:4566`; a form POST
needs no preflight. So, before moto sees a request (WSGI middleware around it):

1. a Host that is not this machine's (tools.loopback) is refused: DNS rebinding;
2. the operations AWS serves without SigV4 pass unsigned, as on AWS: those the SDKs' own
   service models mark `noAuth` for Cognito user pools and identity pools (`SignUp`,
   `InitiateAuth`, `GetUser` with an access token, ...), sent as `POST /` with their
   `X-Amz-Target`, plus the pool's public `GET /<poolId>/.well-known/{openid-configuration,
   jwks.json}` and `/<poolId>/oauth2/{token,revoke,userInfo}` (client authentication or a
   Bearer token, not SigV4). They get the
   CORS answers Cognito gives a browser app (any origin, `*`, no credentials);
3. everything else (every admin and control-plane call, moto's `/moto-api`, our `/_local`
   paths) must carry a SigV4 signature made with the run's credentials
   (local.runtime.credentials), verified by local.emulator.server.sigv4, and gets no CORS headers:
   moto's global CORS is off (MOTO_DISABLE_GLOBAL_CORS, set by main.py).

A refusal is AWS's error for the caller's protocol (local.emulator.server.aws_errors) and one
log line.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from local.runtime.credentials import RunCredentials
from tools.loopback import configured_hosts, host_allowed

from . import unsigned_input
from .aws_errors import ErrorAnswer, error_answer, json_error, protocol_of
from .sigv4 import ArrivedRequest, Failure, SignatureRejected, is_signed, verify

log = logging.getLogger("local.emulator.server.security")

# The services whose noAuth operations pass unsigned, by their X-Amz-Target prefix. STS's two
# noAuth calls (AssumeRoleWith*) are not here: the credentials they return are not the run's,
# and nothing in this product calls them.
_UNSIGNED_SERVICES = {
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSCognitoIdentityService": "cognito-identity",
}
_POOL_ID = r"[a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+"
_PUBLIC_GET = re.compile(rf"^/{_POOL_ID}/\.well-known/(?:openid-configuration|jwks\.json)$")
_POOL_TOKEN = re.compile(rf"^/{_POOL_ID}/oauth2/(?:token|revoke|userInfo)$")
# What a browser app may send cross-origin to the unsigned operations (as Cognito answers).
_CORS_REQUEST_HEADERS = frozenset(
    {
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "cache-control",
    }
)
_CORS_EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
_CORS_MAX_AGE = "86400"
_MAX_BODY = 64 * 1024 * 1024  # moto's own Lambda zip limit is far below; a bound, not a quota


@cache
def unsigned_operations() -> frozenset[str]:
    """`Prefix.Operation` of every operation the SDKs send without SigV4 (botocore's models,
    the same Smithy models AWS publishes: `authtype: none` / `smithy.api#noAuth`)."""
    import botocore.session

    session = botocore.session.get_session()
    names = set()
    for prefix, service in _UNSIGNED_SERVICES.items():
        model = session.get_service_model(service)
        for operation in model.operation_names:
            op = model.operation_model(operation)
            if op.auth_type == "none" or "smithy.api#noAuth" in (op.auth or []):
                names.add(f"{prefix}.{operation}")
    return frozenset(names)


StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            pairs.append((key[5:].replace("_", "-").lower(), str(value)))
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            pairs.append((key.replace("_", "-").lower(), str(environ[key])))
    return pairs


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it (still percent-encoded): what it signed."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw.split("?", 1)[0]
    path: str = environ.get("PATH_INFO", "")
    return path.encode("latin-1").decode("utf-8", "replace")


class ClientGone(Exception):  # noqa: N818 - not an error of ours
    """The client sent less body than its Content-Length said and went away."""


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and put it back for moto; ClientGone when it ends early."""
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if stream is None:
        return b""
    try:
        if length > 0:
            body: bytes = stream.read(min(length, _MAX_BODY))
        elif environ.get("wsgi.input_terminated"):
            body = stream.read(_MAX_BODY)
        else:
            body = b""
    except (OSError, ValueError) as lost:  # werkzeug's ClientDisconnected is a ValueError too
        raise ClientGone(str(lost)) from None
    if length > 0 and len(body) < min(length, _MAX_BODY):
        raise ClientGone(f"{len(body)} of {length} bytes")
    environ["wsgi.input"] = io.BytesIO(body)
    if body and not environ.get("CONTENT_LENGTH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _pin_public(environ: dict[str, Any], method: str, target: str) -> str | None:
    """Make moto run exactly the unsigned operation the target names, or say why not.

    moto takes an operation's name from `Action` in the query, a form body, any `&Action=`
    inside the body, or a header, before X-Amz-Target, and its parameters from the query
    before the JSON body: an unsigned `InitiateAuth` could otherwise run `ListUsers`. So the
    query becomes `Action=<the target's operation>` (moto then reads nothing else for it) and
    form or multipart bodies, which moto parses first, are refused.
    """
    content_type = environ.get("CONTENT_TYPE", "").lower()
    if method == "POST":
        if "form" in content_type or "multipart" in content_type:
            return "unsigned operations take a JSON body (application/x-amz-json-1.1)"
        environ["QUERY_STRING"] = f"Action={target.rsplit('.', 1)[1]}"
        return None
    if environ.get("CONTENT_LENGTH") not in (None, "", "0") or environ.get(
        "HTTP_TRANSFER_ENCODING"
    ):
        return "the pool's public documents take no request body"
    return None


def _route_presigned(environ: dict[str, Any]) -> None:
    """moto picks a service from the Authorization header's scope, and takes a request without
    one for S3: a verified presigned Lambda or STS URL gets its own scope there (moto checks
    no signature) so it reaches its service."""
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[-1]
    environ["HTTP_AUTHORIZATION"] = (
        f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=presigned"
    )


def _answering(answer: ErrorAnswer) -> WsgiApp:
    """A WSGI app that answers `answer` (so it passes through _with_cors like moto's)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response(
            answer.status_line, [*answer.headers, ("Content-Length", str(len(answer.body)))]
        )
        return [answer.body]

    return app


class FrontDoor:
    """WSGI middleware: host, then unsigned allow-list with CORS, then SigV4, then `app`."""

    def __init__(
        self,
        app: WsgiApp,
        credentials: RunCredentials,
        port: int | None,
        *,
        extra_hosts: Iterable[str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        issued: Callable[[str], RunCredentials | None] | None = None,
    ) -> None:
        """`issued` finds credentials the endpoint made itself (STS, IAM), AWS-valid too."""
        self.app = app
        self.credentials = credentials
        self.port = port
        self.extra_hosts = frozenset(configured_hosts() if extra_hosts is None else extra_hosts)
        self.clock = clock
        self.issued = issued
        self.public_operations = unsigned_operations()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = _raw_path(environ)
        target = environ.get("HTTP_X_AMZ_TARGET")
        content_type = environ.get("CONTENT_TYPE", "")
        host = environ.get("HTTP_HOST")
        if not host_allowed(host, self.port, self.extra_hosts):
            message = (
                f"Host {json.dumps((host or '')[:100])} is not this machine: the local AWS "
                "endpoint answers localhost, 127.0.0.1 and [::1] only (more names: "
                "LOCAL_ALLOWED_HOSTS)"
            )
            answer = error_answer(
                protocol_of(target, content_type, path, None), "forbidden", message
            )
            return self._refuse(start_response, answer, "foreign host", method, path)
        if method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            return self._preflight(environ, start_response, path)
        arrived = ArrivedRequest(
            method=method,
            raw_path=path,
            raw_query=environ.get("QUERY_STRING", ""),
            headers=_headers(environ),
            body=b"",
        )
        try:
            return self._behind_the_host_check(environ, start_response, arrived)
        except ClientGone as gone:  # one quiet line, no traceback: nobody is there to answer
            log.warning("client went away mid-body on %s %s: %s", method, json.dumps(path), gone)
            answer = json_error("SerializationException", "the body ended before Content-Length")
            return _answering(answer)(environ, start_response)

    def _behind_the_host_check(
        self, environ: dict[str, Any], start_response: StartResponse, arrived: ArrivedRequest
    ) -> Iterable[bytes]:
        method, path = arrived.method, arrived.raw_path
        target = environ.get("HTTP_X_AMZ_TARGET")
        content_type = environ.get("CONTENT_TYPE", "")
        if not is_signed(arrived) and self._public(method, path, target):
            refusal = _pin_public(environ, method, target or "")
            if refusal is not None:
                answer = error_answer(
                    protocol_of(target, content_type, path, None), "forbidden", refusal
                )
                return self._refuse(
                    start_response, answer, "unsigned request reshaped", method, path
                )
            if method == "POST":  # bounded and checked against its model before moto parses it
                invalid = unsigned_input.refusal(target or "", _read_body(environ))
                if invalid is not None:
                    return self._with_cors(environ, start_response, _answering(invalid))
            return self._with_cors(environ, start_response)
        if _POOL_TOKEN.match(path):
            # Its Authorization header, if any, is the client's (HTTP Basic), never SigV4: the
            # add-on routes it by path and answers every other shape with OAuth's errors.
            _read_body(environ)
            return self.app(environ, start_response)
        arrived = ArrivedRequest(
            arrived.method,
            arrived.raw_path,
            arrived.raw_query,
            arrived.headers,
            _read_body(environ),
        )
        try:
            try:
                service = verify(arrived, self._resolve, self.clock())
            except (ValueError, TypeError, KeyError, UnicodeError) as malformed:
                # A header shape the parser did not foresee: refused like any other bad one.
                raise SignatureRejected(
                    Failure.INCOMPLETE, f"malformed signature ({type(malformed).__name__})"
                ) from None
        except SignatureRejected as rejected:
            answer = error_answer(
                protocol_of(target, content_type, path, rejected.service),
                rejected.failure,
                rejected.message,
                content_type,
            )
            return self._refuse(start_response, answer, rejected.failure.value, method, path)
        if "HTTP_AUTHORIZATION" not in environ and service != "s3":
            _route_presigned(environ)
        return self.app(environ, start_response)

    def _resolve(self, access_key_id: str) -> RunCredentials | None:
        if access_key_id == self.credentials.access_key_id:
            return self.credentials
        return self.issued(access_key_id) if self.issued is not None else None

    def _public(self, method: str, path: str, target: str | None) -> bool:
        if method == "POST" and path == "/" and target in self.public_operations:
            return True
        return method in ("GET", "HEAD") and bool(_PUBLIC_GET.match(path))

    def _with_cors(
        self, environ: dict[str, Any], start_response: StartResponse, app: WsgiApp | None = None
    ) -> Iterable[bytes]:
        """Cognito's answer (moto's, or `app`'s) to a browser app: any origin may read it (no
        credentials)."""
        browser = "HTTP_ORIGIN" in environ

        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if browser:
                headers = [h for h in headers if not h[0].lower().startswith("access-control-")]
                headers += [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Expose-Headers", _CORS_EXPOSE),
                ]
            return start_response(status, headers, *rest)

        return (app or self.app)(environ, start)

    def _preflight(
        self, environ: dict[str, Any], start_response: StartResponse, path: str
    ) -> Iterable[bytes]:
        """Allowed only for what a browser app may call unsigned: `POST /` with a target (the
        target itself is checked on the real request) and the pool's public GETs."""
        wanted = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
        asked = {
            h.strip().lower()
            for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
            if h.strip()
        }
        json_call = path == "/" and wanted == "POST" and "x-amz-target" in asked
        public_get = wanted == "GET" and bool(_PUBLIC_GET.match(path))
        if (json_call or public_get) and asked <= _CORS_REQUEST_HEADERS:
            headers = [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", wanted),
                ("Access-Control-Allow-Headers", ",".join(sorted(asked))),
                ("Access-Control-Max-Age", _CORS_MAX_AGE),
                ("Content-Length", "0"),
            ]
            start_response("200 OK", headers)
            return [b""]
        target = environ.get("HTTP_X_AMZ_TARGET")
        answer = error_answer(
            protocol_of(target, environ.get("CONTENT_TYPE", ""), path, None),
            "forbidden",
            f"cross-origin {wanted[:16]} {path[:100]} is not allowed: only the operations AWS "
            "serves unsigned to browsers (Cognito's SignUp, InitiateAuth, ...) answer CORS",
        )
        return self._refuse(start_response, answer, "cross-origin preflight", "OPTIONS", path)

    @staticmethod
    def _refuse(
        start_response: StartResponse, answer: ErrorAnswer, why: str, method: str, path: str
    ) -> Iterable[bytes]:
        log.warning("refused %s %s: %s", method, json.dumps(path[:100]), why)
        headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
        start_response(answer.status_line, headers)
        return [answer.body]
