"""Never an HTML page from the local AWS endpoint: SDKs parse AWS's error shapes, not HTML.

moto answers a request it cannot route (a signature scoped to a service it does not serve) or a
handler that raised with werkzeug's HTML 500, which Amplify reports as `Unexpected token '<'`.
This middleware, right behind the front door, turns any such answer (or an exception) into
AWS's `InternalFailure` in the caller's protocol and logs the request, so the failure is
visible and parseable. Every other answer passes through untouched.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from .aws_errors import error_answer, protocol_of

log = logging.getLogger("local.emulator")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_SCOPED_SERVICE = re.compile(r"Credential=[^/,]*/[^/,]*/[^/,]*/([^/,]*)/")


class JsonErrorsOnly:
    """WSGI middleware: a 5xx HTML answer or an exception from `app` becomes AWS's JSON/XML."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        replaced: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
            if status.startswith("5") and content_type.startswith("text/html"):
                replaced.append(status)
                return lambda _data: None  # the HTML body is dropped
            return start_response(status, headers, *rest)

        try:
            body = self.app(environ, start)
            if not replaced:
                return body
            if hasattr(body, "close"):
                body.close()
        except Exception:
            log.exception("the local AWS endpoint failed on %s", _request_line(environ))
            replaced.append("500 (exception)")
        return self._internal_failure(environ, start_response, replaced[0])

    @staticmethod
    def _internal_failure(
        environ: dict[str, Any], start_response: Callable[..., Any], status: str
    ) -> Iterable[bytes]:
        scoped = _SCOPED_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scoped.group(1) if scoped else None
        request_line = _request_line(environ)
        log.warning("%s answered %s from moto: sent as AWS's InternalFailure", request_line, status)
        answer = error_answer(
            protocol_of(
                environ.get("HTTP_X_AMZ_TARGET"),
                environ.get("CONTENT_TYPE", ""),
                environ.get("PATH_INFO", ""),
                service,
            ),
            "internal",
            f"the local AWS endpoint could not handle {request_line}"
            + (f" (signed for service '{service[:40]}')" if service else "")
            + ": see the emulator's log",
            environ.get("CONTENT_TYPE", ""),
        )
        start_response(
            answer.status_line, [*answer.headers, ("Content-Length", str(len(answer.body)))]
        )
        return [answer.body]


def _request_line(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    path = json.dumps(environ.get("PATH_INFO", "")[:100])
    return f"{environ.get('REQUEST_METHOD', '?')} {path}" + (f" ({target[:80]})" if target else "")
