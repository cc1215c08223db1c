"""AWS's error answers for a refused request, in the protocol the caller speaks.

SDKs parse errors by protocol: JSON services (`X-Amz-Target`: Cognito, DynamoDB, SSM) read
`__type` with status 400; REST-JSON services (Lambda, API Gateway) read `x-amzn-ErrorType`
with 403; query services (CloudFormation, STS, IAM) and S3 read XML with 403. Codes and
messages are the ones those services send for the same failure.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from enum import Enum
from xml.sax.saxutils import escape

from .sigv4 import Failure


class Protocol(Enum):
    JSON = "json"
    REST_JSON = "rest-json"
    QUERY = "query"
    S3 = "s3"


_QUERY_SERVICES = frozenset({"cloudformation", "sts", "iam", "sqs", "sns", "ec2", "monitoring"})
_REST_PATH = re.compile(r"^/(\d{4}-\d{2}-\d{2}|v2)/")


def protocol_of(target: str | None, content_type: str, path: str, service: str | None) -> Protocol:
    """Which protocol a request speaks, from what it carries (its signing service if any)."""
    if target:
        return Protocol.JSON
    if service == "s3":
        return Protocol.S3
    if service in _QUERY_SERVICES or content_type.startswith("application/x-www-form-urlencoded"):
        return Protocol.QUERY
    if service is not None or _REST_PATH.match(path):
        return Protocol.REST_JSON
    return Protocol.S3  # moto's own default for a request it cannot place


# (JSON and REST-JSON code, query code, S3 code, S3 status)
_CODES: dict[Failure | str, tuple[str, str, str, int]] = {
    Failure.MISSING: (
        "MissingAuthenticationTokenException",
        "MissingAuthenticationToken",
        "AccessDenied",
        403,
    ),
    Failure.INCOMPLETE: (
        "IncompleteSignatureException",
        "IncompleteSignature",
        "AuthorizationHeaderMalformed",
        400,
    ),
    Failure.UNKNOWN_KEY: (
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        403,
    ),
    Failure.BAD_TOKEN: ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidToken", 400),
    Failure.EXPIRED: ("InvalidSignatureException", "RequestExpired", "AccessDenied", 403),
    Failure.BODY_MISMATCH: (
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "XAmzContentSHA256Mismatch",
        400,
    ),
    Failure.MISMATCH: (
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "SignatureDoesNotMatch",
        403,
    ),
    Failure.UNSUPPORTED: ("NotImplementedException", "NotImplemented", "NotImplemented", 501),
    "forbidden": ("AccessDeniedException", "AccessDenied", "AccessDenied", 403),
    "internal": ("InternalFailure", "InternalFailure", "InternalError", 500),
}


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def status_line(self) -> str:
        reasons = {
            400: "Bad Request",
            403: "Forbidden",
            500: "Internal Server Error",
            501: "Not Implemented",
        }
        return f"{self.status} {reasons.get(self.status, 'Error')}"


def error_answer(
    protocol: Protocol, failure: Failure | str, message: str, content_type: str = ""
) -> ErrorAnswer:
    """AWS's answer for `failure` ("forbidden": a refused host or origin; "internal": the
    endpoint itself failed) in `protocol`; JSON answers keep the request's
    `application/x-amz-json-1.0/1.1` (DynamoDB vs Cognito)."""
    json_code, query_code, s3_code, s3_status = _CODES[failure]
    request_id = secrets.token_hex(16)
    if protocol in (Protocol.JSON, Protocol.REST_JSON):
        if failure == Failure.UNSUPPORTED:
            status = 501
        elif failure == "internal":
            status = 500
        elif protocol is Protocol.REST_JSON or failure == "forbidden":
            status = 403
        else:
            status = 400
        body = json.dumps({"__type": json_code, "message": message}).encode()
        headers = [
            (
                "Content-Type",
                content_type
                if content_type.startswith("application/x-amz-json-1.")
                else "application/x-amz-json-1.1",
            ),
            ("x-amzn-ErrorType", f"{json_code}:"),
            ("x-amzn-RequestId", request_id),
        ]
        return ErrorAnswer(status, headers, body)
    text = escape(message)
    if protocol is Protocol.QUERY:
        status = {Failure.UNSUPPORTED: 501, "internal": 500}.get(failure, 403)
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{query_code}</Code><Message>{text}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        status = s3_status
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{s3_code}</Code><Message>{text}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return ErrorAnswer(status, headers, xml.encode())


def json_error(error_type: str, message: str, status: int = 400) -> ErrorAnswer:
    """A JSON-protocol service's own error (`__type`, `x-amzn-ErrorType`), e.g. Cognito's
    InvalidParameterException for a request its model refuses."""
    body = json.dumps({"__type": error_type, "message": message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", f"{error_type}:"),
        ("x-amzn-RequestId", secrets.token_hex(16)),
    ]
    return ErrorAnswer(status, headers, body)
