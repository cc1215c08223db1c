"""The local HTTP API data plane: an ASGI app that serves a deployed API the way API Gateway does.

Per request, in AWS's order: a Host that is not this machine's (403, tools.loopback: DNS
rebinding), the request-head size quota (431), route selection (404), CORS
preflight, the route's JWT authorizer (401/403, before any function code runs), the body size
limit (413), the payload-2.0 event, the function in its worker process, and response mapping
2.0 (500 when the function fails).
uvicorn parses HTTP; this module never does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from local.gateway.authorizer.jwt_authorizer import JwtAuthorizer
from local.gateway.cors import CorsPolicy
from local.gateway.discovery import DeployedApi
from local.gateway.headers import RequestHeaders
from local.gateway.payload import (
    HttpResponse,
    build_event,
    from_worker,
    internal_server_error,
    map_in_worker,
    new_request_id,
)
from local.gateway.routes import RouteTable
from local.runtime.init_errors import Runner
from tools.loopback import configured_hosts, host_allowed

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# API Gateway HTTP API quotas: 10 MB payload; 10240 bytes for the request line and the header
# values together. AWS documents the quota, not its answer: we send 431 with a JSON message.
# Header names count too here (a head of long names is still a large head); the protocol
# (local.gateway.protocol) bounds what is read at all.
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_HEAD_BYTES = 10240
# With h11 (`server_config(http="h11")`), uvicorn buffers at most this much of an incomplete
# request head (h11's default: 16 KiB). Well above the quota, so an oversized head still reaches
# the DataPlane for its JSON 431 even when it arrives in pieces; beyond it, h11 answers 400.
MAX_INCOMPLETE_HEAD_BYTES = 64 * 1024
JSON = ("content-type", "application/json")

access_log = logging.getLogger("local.access")
log = logging.getLogger("local.gateway.app")


def _message(status_code: int, message: str) -> HttpResponse:
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status_code=status_code, headers=[JSON], body=body)


NOT_FOUND = _message(404, "Not Found")
TOO_LARGE = _message(413, "Request Entity Too Large")
HEAD_TOO_LARGE = _message(431, "Request Header Fields Too Large")
FORBIDDEN_HOST = _message(403, "Forbidden")
UNAVAILABLE = _message(503, "Service Unavailable")


class AccessLog:
    """One JSON line per request on the `local.access` logger, handed to logging in batches.

    Formatting a line is cheap; a logging record and a flushed write per request are not (a
    third of a 401's CPU under load). Lines go out together as one record, each still one
    line, right after a response once the oldest has waited FLUSH_SECONDS: the response is on
    its way by then, so the write overlaps the client reading it instead of delaying a request
    that has just come in (a timer firing mid-stream did, once per batch). Each line is
    formatted on the loop turn after its response, for the same reason. When requests stop, a
    timer flushes what is left within twice that; flush() at shutdown writes the rest.
    """

    FLUSH_SECONDS = 0.02

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []  # written, not yet formatted
        self._lines: list[str] = []
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def write(self, entry: dict[str, Any]) -> None:
        """Keep one request's entry; call once its response is written.

        The entry is formatted on the next loop turn, not now: whatever the request's task
        still does after this call delays the next request on a busy connection.
        """
        if not self._entries:
            asyncio.get_running_loop().call_soon(self._format)
        self._entries.append(entry)

    def _format(self) -> None:
        if not self._entries:
            return  # flush() got there first
        self._format_entries()
        loop = asyncio.get_running_loop()
        if self._timer is None:
            self._due = loop.time() + self.FLUSH_SECONDS
            self._timer = loop.call_later(2 * self.FLUSH_SECONDS, self.flush)
        elif loop.time() >= self._due:
            self._due = float("inf")  # one flush scheduled per batch
            loop.call_soon(self.flush)

    def _format_entries(self) -> None:
        entries, self._entries = self._entries, []
        self._lines.extend(json.dumps(entry, separators=(",", ":")) for entry in entries)

    def flush(self) -> None:
        self._format_entries()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._lines:
            lines, self._lines = self._lines, []
            access_log.info("\n".join(lines))


@dataclass
class Timings:
    """Time spent per stage, accumulated in process for the benchmark's authorizer share."""

    requests: int = 0
    authorizer_seconds: float = 0.0
    total_seconds: float = 0.0
    invoke_seconds: float = 0.0  # waiting for a worker, hand-off both ways, and the handler
    function_seconds: float = 0.0  # the handler alone, timed inside its worker
    statuses: dict[int, int] = field(default_factory=dict)


class ServedApi:
    """One deployment of the API as the data plane serves it: routes, CORS, authorizers and
    function runners together, so a swap replaces them all in one step (a request sees the old
    API or the new one, never a mix)."""

    def __init__(
        self,
        api: DeployedApi,
        authorizers: Mapping[str, JwtAuthorizer],
        runners: Mapping[str, Runner],
    ) -> None:
        unmapped = sorted(r.spec.name for r in runners.values() if r.mapper is not map_in_worker)
        if unmapped:  # their invocations would come back unmapped: every request a 500
            raise ValueError(f"function runners without the gateway's mapper: {unmapped}")
        self.api = api
        self.routes = RouteTable(api.routes)
        self.authorizers = dict(authorizers)
        self.runners = dict(runners)
        self.cors = CorsPolicy(api.cors)


class DataPlane:
    """ASGI application serving one deployed HTTP API (swapped for a redeployed one by
    `swap`, on the serving loop)."""

    def __init__(
        self,
        *,
        api: DeployedApi,
        authorizers: Mapping[str, JwtAuthorizer],
        runners: Mapping[str, Runner],
        max_body_bytes: int = MAX_BODY_BYTES,
        log_requests: bool = True,
    ) -> None:
        self.served = ServedApi(api, authorizers, runners)
        self.max_body_bytes = max_body_bytes
        self.log_requests = log_requests
        self.timings = Timings()
        self.invocations = 0
        self.active = 0  # requests being handled now (a lone one may poll its function's worker)
        # Set (with the reason) while the local AWS endpoint is down: routes answer 503 at
        # once instead of waiting on it (local.supervisor sets and clears it).
        self.unavailable: str | None = None
        self.access_log = AccessLog()
        self.extra_hosts = configured_hosts()
        self.loop: asyncio.AbstractEventLoop | None = None  # the serving loop, once it starts

    @property
    def api(self) -> DeployedApi:
        return self.served.api

    @property
    def runners(self) -> Mapping[str, Runner]:
        return self.served.runners

    @property
    def authorizers(self) -> Mapping[str, JwtAuthorizer]:
        return self.served.authorizers

    def swap(self, served: ServedApi) -> ServedApi:
        """Serve `served` from the next request on; returns the one it replaces (requests
        already running finish on it). Call on the serving loop (or before it runs)."""
        previous, self.served = self.served, served
        return previous

    async def replace(
        self, served: ServedApi, retired: Sequence[Any], drain_seconds: float = 30.0
    ) -> None:
        """Swap `served` in, then let the requests still running on the retired runners finish
        (up to `drain_seconds`) before their workers are told to stop: none fails or is reset.
        On the serving loop; the caller then `close()`s the retired (it waits for processes)."""
        self.swap(served)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_seconds
        while any(getattr(r, "in_flight", 0) for r in retired) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for item in retired:
            detach = getattr(item, "detach", None)
            if detach is not None:
                detach()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request_id = new_request_id()
        context: dict[str, Any] = {"requestId": request_id}
        # Decoded once per request: routing, the authorizer, the event and CORS all read them.
        headers = RequestHeaders(scope["headers"])
        served = self.served  # this request's API, whatever a swap does meanwhile
        self.active += 1
        try:
            response = await self._handle(served, scope, headers, receive, request_id, context)
        finally:
            self.active -= 1
        response = served.cors.decorate(headers, response)
        await self._send(send, response, request_id)
        elapsed = time.perf_counter() - started
        self.timings.requests += 1
        self.timings.total_seconds += elapsed
        statuses = self.timings.statuses
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if self.log_requests:
            context |= {"status": response.status_code, "latencyMs": round(elapsed * 1000, 2)}
            self.access_log.write(context)

    async def _handle(
        self,
        served: ServedApi,
        scope: Scope,
        headers: RequestHeaders,
        receive: Receive,
        request_id: str,
        context: dict[str, Any],
    ) -> HttpResponse:
        method, path = str(scope["method"]), str(scope["path"])
        context |= {"method": method, "path": path}
        server = scope.get("server") or (None, None)
        if not host_allowed(headers.get("host") or None, server[1], self.extra_hosts):
            return FORBIDDEN_HOST  # before any route, authorizer or function: DNS rebinding
        if _head_size(scope) > MAX_HEAD_BYTES:  # before routing and auth, as at AWS's edge
            return HEAD_TOO_LARGE
        match = served.routes.match(method, path)
        preflight = served.cors.preflight(method, headers)
        if preflight is not None:
            return preflight
        if match is None:
            return NOT_FOUND
        route = match.route
        context["routeKey"] = route.route_key
        if self.unavailable is not None:
            context["integrationError"] = self.unavailable
            return UNAVAILABLE

        claims: dict[str, str] | None = None
        scopes: list[str] | None = None
        if route.authorization_type == "JWT" and route.authorizer_id is not None:
            authorize_started = time.perf_counter()
            decision = served.authorizers[route.authorizer_id].authorize(
                headers.for_authorizer, route.authorization_scopes or None
            )
            self.timings.authorizer_seconds += time.perf_counter() - authorize_started
            if not decision.allowed:
                context["authorizerError"] = decision.reason
                return HttpResponse(
                    status_code=decision.status_code,
                    headers=list(decision.headers.items()),
                    body=decision.body,
                )
            claims, scopes = decision.claims, decision.scopes
            context["sub"] = claims.get("sub")

        body = await self._read_body(receive, headers)
        if body is None:
            return TOO_LARGE
        client = scope.get("client") or ("127.0.0.1", 0)
        event = build_event(
            method=method,
            raw_path=scope.get("raw_path", path.encode()).decode("latin-1"),
            route_key=route.route_key,
            api_id=served.api.api_id,
            raw_query=scope.get("query_string", b""),
            headers=headers,
            body=body,
            source_ip=client[0],
            account_id=served.api.account_id,
            stage=served.api.stage,
            path_parameters=match.path_parameters or None,
            jwt_claims=claims,
            jwt_scopes=scopes,
            protocol=f"HTTP/{scope.get('http_version', '1.1')}",
            request_id=request_id,
        )
        runner = served.runners[route.function_arn or ""]
        self.invocations += 1
        context["integration"] = runner.spec.name
        invoke_started = time.perf_counter()
        invocation = await runner.invoke(event, alone=self.active == 1)
        self.timings.invoke_seconds += time.perf_counter() - invoke_started
        self.timings.function_seconds += invocation.duration_ms / 1000
        if invocation.error is not None or invocation.mapped is None:
            error = invocation.error or "no response"
            context["integrationError"] = error.strip().splitlines()[-1]
            log.error("function %s failed:\n%s", runner.spec.name, error)
            return internal_server_error()
        return from_worker(invocation.mapped)

    async def _read_body(self, receive: Receive, headers: RequestHeaders) -> bytes | None:
        length = headers.get("content-length")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _send(send: Send, response: HttpResponse, request_id: str) -> None:
        headers = [
            (name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
            for name, value in response.headers
        ]
        headers.append((b"apigw-requestid", request_id.encode()))
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.access_log.flush()
                await send({"type": "lifespan.shutdown.complete"})
                return


def server_config(
    app: DataPlane,
    port: int,
    *,
    lifespan: Literal["on", "off"] = "on",
    http: Literal["httptools", "h11"] = "httptools",
    loop: Literal["uvloop", "asyncio"] = "uvloop",
) -> Any:
    """uvicorn settings shared by `local up` and the tests: loopback only, no uvicorn headers.

    httptools (llhttp, Node's HTTP parser) and uvloop, pinned: about twice the requests/s of
    h11 on asyncio on the 401 path (BENCHMARKS.md). Named, not uvicorn's "auto", so what
    serves does not depend on what else happens to be installed.
    """
    import uvicorn

    from local.gateway.protocol import CoalescingHttpToolsProtocol

    return uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=CoalescingHttpToolsProtocol if http == "httptools" else http,
        loop=loop,
        log_level="warning",
        access_log=False,
        server_header=False,  # API Gateway sends no `server: uvicorn`
        # sourceIp is the connection's peer, as API Gateway sees it: a client's own
        # X-Forwarded-For must not rewrite it (uvicorn trusts it from 127.0.0.1 by default).
        proxy_headers=False,
        h11_max_incomplete_event_size=MAX_INCOMPLETE_HEAD_BYTES,
        lifespan=lifespan,
    )


def _head_size(scope: Scope) -> int:
    """Bytes of the request line plus every header's name and value."""
    target: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    version = f"HTTP/{scope.get('http_version', '1.1')}"
    line = len(scope["method"]) + 1 + len(target) + (1 + len(query) if query else 0)
    line += 1 + len(version)
    return line + sum(len(name) + len(value) for name, value in scope["headers"])
