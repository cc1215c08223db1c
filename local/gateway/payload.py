"""Lambda proxy payload format 2.0 for HTTP APIs: the event in, the response out.

Plain functions on plain types, so the local server (any framework) and the tests share the one
mapping. Follows "Create AWS Lambda proxy integrations for HTTP APIs" (payload format 2.0 and
the Lambda function response format 2.0). Where AWS documents nothing, the choice is noted:

Event
* Keys AWS leaves out when empty are left out: ``cookies``, ``queryStringParameters``,
  ``pathParameters``, ``stageVariables``, ``body`` (no body: ``isBase64Encoded`` is false);
  ``requestContext.authorizer`` exists only for a JWT route.
* ``headers``: names lowercased, repeated headers joined with ",", the ``cookie`` header moved
  to ``cookies`` (split on ";", trimmed, empty parts dropped).
* ``queryStringParameters``: percent-decoded (``+`` is a space), repeated keys joined with ",",
  a key without ``=`` maps to "".
* ``body`` is text only for ``text/*``, ``application/json``, ``application/xml`` and
  ``application/javascript`` (media type, any parameters) holding valid UTF-8; anything else,
  including no content-type and form posts, is base64 with ``isBase64Encoded`` true (what
  HTTP APIs were observed to do; text that is not UTF-8 is base64 too, so no byte is lost).

Response
* The handler's return value is first marshalled as the Python Lambda runtime does (JSON;
  ``Decimal`` from DynamoDB becomes an int when integral, else a float); failing that -> 500.
* A dict with ``statusCode`` is a structured response: ``statusCode`` an int 100-599,
  ``headers`` an object of string/number/bool values, ``cookies`` a list of strings (one
  ``set-cookie`` each), ``body`` a string, ``isBase64Encoded`` a bool (body then strict
  base64). ``multiValueHeaders`` is ignored (not part of format 2.0); no content-type is added.
  Anything else malformed -> 500 ``{"message":"Internal Server Error"}``, as AWS answers.
* Any other JSON value -> 200, ``content-type: application/json``, body = the function's
  JSON output as is (so a returned string keeps its quotes: ``"hello"``).
* ``content-length``, ``transfer-encoding`` and ``connection`` from the handler are dropped:
  the server frames the response itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from local.gateway.headers import RequestHeaders, api_gateway_view
from local.runtime.marshal import marshal_result

TEXT_MEDIA_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class HttpResponse:
    """What the server should send: header pairs in order (repeats allowed), raw body."""

    status_code: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def internal_server_error() -> HttpResponse:
    """AWS's answer when the integration fails or returns something it cannot map."""
    return HttpResponse(
        status_code=500,
        headers=[("content-type", "application/json")],
        body=b'{"message":"Internal Server Error"}',
    )


def format_request_time(epoch_ms: int) -> str:
    """``requestContext.time``: ``29/Nov/2026:18:39:24 +0000`` (English month, UTC)."""
    t = time.gmtime(epoch_ms / 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year:04d}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def new_request_id() -> str:
    """An id shaped like API Gateway's (``JKJaXmPLvHcESHA=``)."""
    return base64.b64encode(secrets.token_bytes(11)).decode("ascii")


def _host_without_port(host: str) -> str:
    if host.startswith("["):  # IPv6 literal
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES


def encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """The event's ``body`` and ``isBase64Encoded`` for a request body."""
    if _is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _query(raw_query: bytes | str) -> tuple[str, dict[str, str]]:
    """(rawQueryString, queryStringParameters): repeated keys joined with commas, as AWS does."""
    query = raw_query.decode("utf-8", "replace") if isinstance(raw_query, bytes) else raw_query
    query = query.removeprefix("?")
    parameters: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        parameters[key] = f"{parameters[key]},{value}" if key in parameters else value
    return query, parameters


def _jwt_authorizer(claims: Mapping[str, str], scopes: Sequence[str] | None) -> dict[str, Any]:
    """requestContext.authorizer of a JWT route: scopes None when the route has none."""
    return {"jwt": {"claims": dict(claims), "scopes": list(scopes) if scopes is not None else None}}


def build_event(
    *,
    method: str,
    raw_path: str,
    route_key: str,
    api_id: str,
    raw_query: bytes | str = b"",
    headers: RequestHeaders | Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    account_id: str = "123456789012",
    stage: str = "$default",
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    jwt_claims: Mapping[str, str] | None = None,
    jwt_scopes: Sequence[str] | None = None,
    domain_name: str | None = None,
    protocol: str = "HTTP/1.1",
    request_id: str | None = None,
    time_epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway would send for this request.

    ``raw_path`` is the path as received (also ``requestContext.http.path``; for a named stage,
    with the stage prefix as AWS does). ``jwt_claims`` (and ``jwt_scopes``, None when the route
    has none) of a JWT route become ``requestContext.authorizer.jwt``. ``domain_name``
    defaults to the Host header's host.
    """
    if isinstance(headers, RequestHeaders):
        joined, cookies = dict(headers.joined), list(headers.cookies)
    else:
        joined, cookies = api_gateway_view(headers)
    query, parameters = _query(raw_query)
    if domain_name is None:
        domain_name = _host_without_port(joined.get("host", "")) or "localhost"
    epoch_ms = int(time.time() * 1000) if time_epoch_ms is None else time_epoch_ms

    request_context: dict[str, Any] = {"accountId": account_id, "apiId": api_id}
    if jwt_claims is not None:
        request_context["authorizer"] = _jwt_authorizer(jwt_claims, jwt_scopes)
    request_context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method.upper(),
                "path": raw_path,
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": request_id or new_request_id(),
            "routeKey": route_key,
            "stage": stage,
            "time": format_request_time(epoch_ms),
            "timeEpoch": epoch_ms,
        }
    )

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    if parameters:
        event["queryStringParameters"] = parameters
    event["requestContext"] = request_context
    is_base64 = False
    if body:
        event["body"], is_base64 = encode_body(body, joined.get("content-type"))
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_base64
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


class _MalformedResponseError(Exception):
    pass


def _header_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = json.dumps(value)
    else:
        raise _MalformedResponseError(f"header {name!r} has a {type(value).__name__} value")
    if "\r" in text or "\n" in text or "\0" in text:
        raise _MalformedResponseError(f"header {name!r} value contains a line break")
    return text


def _structured(response: Mapping[str, Any]) -> HttpResponse:
    status = response["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise _MalformedResponseError(f"statusCode {status!r} is not an HTTP status")

    headers: list[tuple[str, str]] = []
    raw_headers = response.get("headers")
    if raw_headers is not None:
        if not isinstance(raw_headers, dict):
            raise _MalformedResponseError("headers is not an object")
        for name, value in raw_headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise _MalformedResponseError(f"invalid header name {name!r}")
            if name.lower() not in _FRAMING_HEADERS:
                headers.append((name, _header_value(name, value)))

    cookies = response.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list):
            raise _MalformedResponseError("cookies is not a list")
        for cookie in cookies:
            if not isinstance(cookie, str):
                raise _MalformedResponseError("a cookie is not a string")
            headers.append(("set-cookie", _header_value("set-cookie", cookie)))

    is_base64 = response.get("isBase64Encoded")
    if is_base64 is not None and not isinstance(is_base64, bool):
        raise _MalformedResponseError("isBase64Encoded is not a boolean")
    body = response.get("body")
    if body is None:
        content = b""
    elif not isinstance(body, str):
        raise _MalformedResponseError(f"body is a {type(body).__name__}, not a string")
    elif is_base64:
        try:
            content = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise _MalformedResponseError("body is not valid base64") from error
    else:
        content = body.encode("utf-8")
    return HttpResponse(status_code=status, headers=headers, body=content)


def map_response(result: object) -> HttpResponse:
    """The HTTP response API Gateway makes of a handler's return value; never raises."""
    try:
        text = marshal_result(result)
    except (TypeError, ValueError, RecursionError):
        return internal_server_error()
    return map_marshalled(text)


def map_marshalled(text: str) -> HttpResponse:
    """The same from the JSON text the runtime marshalled (what API Gateway gets from Lambda:
    our function workers marshal in the worker, as the Lambda runtime does); never raises."""
    try:
        value = json.loads(text)
        if isinstance(value, dict) and "statusCode" in value:
            return _structured(value)
        return HttpResponse(
            status_code=200,
            headers=[("content-type", "application/json")],
            body=text.encode("utf-8"),
        )
    except (TypeError, ValueError, RecursionError, _MalformedResponseError):
        # ValueError covers bad JSON, NaN, and text that cannot be UTF-8 (lone surrogates).
        return internal_server_error()


MappedTuple = tuple[int, list[tuple[str, str]], bytes]


def map_in_worker(text: str) -> MappedTuple:
    """map_marshalled as the result mapper the gateway hands its function workers: a plain
    (status, headers, body) tuple, since pickling one costs a third of pickling a dataclass."""
    response = map_marshalled(text)
    return response.status_code, response.headers, response.body


def from_worker(mapped: MappedTuple) -> HttpResponse:
    """The HttpResponse a worker's map_in_worker tuple stands for."""
    status, headers, body = mapped
    return HttpResponse(status_code=status, headers=headers, body=body)
