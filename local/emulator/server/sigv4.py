"""Verify an AWS Signature Version 4 the way AWS does, with botocore's own signer.

The expected signature is computed by botocore's SigV4Auth over the request as it arrived
(the client's SignedHeaders, its raw path and query, its X-Amz-Date): only the parsing of the
Authorization header (or a presigned URL's query) and the comparison are ours. Checks, in
AWS's order: an Authorization header or presigned query at all; its parts; the access key;
the session token; the time (15 minutes of skew, a presigned URL's X-Amz-Expires); the body
against a declared x-amz-content-sha256; the signature (constant-time compare). The scope's
region must be one served here and its service the request's own (its X-Amz-Target's), a
session token must be signed, and UNSIGNED-PAYLOAD is S3's alone, as on AWS.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from urllib.parse import parse_qsl, quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from local.runtime.credentials import RunCredentials

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = timedelta(minutes=15)  # AWS refuses a signature older or newer than this
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600  # AWS's bound for X-Amz-Expires
# Payload markers a client may sign instead of the body's hash (the body is then not signed).
UNSIGNED_BODIES = frozenset({"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
CHUNK_SIGNED_BODIES = frozenset(
    {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}
)


class Failure(Enum):
    """Why a request is refused; local.emulator.server.aws_errors maps each to AWS's error shape."""

    MISSING = "missing"
    INCOMPLETE = "incomplete"
    UNKNOWN_KEY = "unknown_key"
    BAD_TOKEN = "bad_token"  # noqa: S105 - a failure name
    EXPIRED = "expired"
    BODY_MISMATCH = "body_mismatch"
    MISMATCH = "mismatch"
    UNSUPPORTED = "unsupported"


class SignatureRejected(Exception):  # noqa: N818 - reads as what happened
    """The request is not signed with the run's credentials; `failure` says how."""

    def __init__(self, failure: Failure, message: str, service: str | None = None) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.service = service


@dataclass(frozen=True)
class ArrivedRequest:
    """A request as it came off the wire: the raw (still percent-encoded) path and query."""

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((value for key, value in self.headers if key.lower() == lower), None)


@dataclass(frozen=True)
class _Claimed:
    """What the client says it signed."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str
    session_token: str | None
    presigned: bool


class _ExpectedSignature(SigV4Auth):  # type: ignore[misc]
    """botocore's signer, told which headers the client signed (not which it would pick)."""

    def __init__(self, credentials: Credentials, claimed: _Claimed, arrived: ArrivedRequest):
        super().__init__(credentials, claimed.service, claimed.region)
        self._claimed = claimed
        self._arrived = arrived

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name, value in self._arrived.headers:
            if name.lower() in self._claimed.signed_headers:
                chosen[name.lower()] = value
        return chosen

    def canonical_query_string(self, request: AWSRequest) -> str:
        """The spec's form: each name and value decoded once, encoded once, then sorted."""
        pairs = []
        for pair in self._arrived.raw_query.split("&") if self._arrived.raw_query else []:
            key, _, value = pair.partition("=")
            if self._claimed.presigned and key == "X-Amz-Signature":
                continue
            pairs.append((quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~")))
        return "&".join(f"{key}={value}" for key, value in sorted(pairs))

    def _normalize_url_path(self, path: str) -> str:
        if self._claimed.service == "s3":
            return path  # S3 signs the path as sent; every other service normalizes it
        normalized: str = super()._normalize_url_path(path)
        return normalized

    def payload(self, request: AWSRequest) -> str:
        """S3 alone takes a presigned URL's UNSIGNED-PAYLOAD; every other service hashes the
        body it received (a presigned Lambda or STS URL signs the empty body's hash)."""
        if self._claimed.presigned and self._claimed.service == "s3":
            return "UNSIGNED-PAYLOAD"
        return hashlib.sha256(self._arrived.body).hexdigest()

    def expected(self) -> str:
        url = f"http://localhost{self._arrived.raw_path}"
        request = AWSRequest(method=self._arrived.method, url=url, data=self._arrived.body)
        for name, value in self._arrived.headers:
            # S3 signs the declared x-amz-content-sha256 (UNSIGNED-PAYLOAD there leaves the body
            # out); other services sign the body's hash whatever the header says, so a body
            # changed after signing fails there.
            if name.lower() == "x-amz-content-sha256" and self._claimed.service == "s3":
                request.headers["X-Amz-Content-SHA256"] = value
        request.context["timestamp"] = self._claimed.timestamp
        canonical = self.canonical_request(request)
        signature: str = self.signature(self.string_to_sign(request, canonical), request)
        return signature


def _parse_credential(value: str) -> tuple[str, str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise SignatureRejected(
            Failure.INCOMPLETE,
            f"Credential should be scoped to a valid region and service: '{value[:128]}'",
        )
    return parts[0], parts[1], parts[2], parts[3]


def _from_header(arrived: ArrivedRequest, authorization: str) -> _Claimed:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            "The authorization mechanism you have provided is not supported. "
            f"Please use {ALGORITHM}.",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if name not in fields]
    if missing:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            f"Authorization header requires '{missing[0]}' parameter. "
            "Authorization=" + authorization[:128],
        )
    access_key, date, region, service = _parse_credential(fields["Credential"])
    timestamp = arrived.header("x-amz-date")
    if timestamp is None:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            service,
        )
    return _Claimed(
        access_key,
        date,
        region,
        service,
        tuple(fields["SignedHeaders"].split(";")),
        fields["Signature"],
        timestamp,
        arrived.header("x-amz-security-token"),
        presigned=False,
    )


def _from_query(query: dict[str, str]) -> _Claimed:
    needed = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [name for name in needed if name not in query]
    if missing or query.get("X-Amz-Algorithm") != ALGORITHM:
        what = missing[0] if missing else "X-Amz-Algorithm"
        raise SignatureRejected(
            Failure.INCOMPLETE, f"Query-string authentication requires the {what} parameter"
        )
    access_key, date, region, service = _parse_credential(query["X-Amz-Credential"])
    return _Claimed(
        access_key,
        date,
        region,
        service,
        tuple(query["X-Amz-SignedHeaders"].split(";")),
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        query.get("X-Amz-Security-Token"),
        presigned=True,
    )


def _check_time(claimed: _Claimed, query: dict[str, str], now: datetime) -> None:
    try:
        signed_at = datetime.strptime(claimed.timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            f"X-Amz-Date must be in the ISO8601 Long Format: '{claimed.timestamp[:32]}'",
            claimed.service,
        ) from None
    if claimed.date != claimed.timestamp[:8]:
        raise SignatureRejected(
            Failure.MISMATCH,
            f"Credential date {claimed.date[:16]} does not match X-Amz-Date {claimed.timestamp}",
            claimed.service,
        )
    stamp = now.strftime(TIMESTAMP_FORMAT)
    if claimed.presigned:
        try:
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            expires = -1
        if not 0 < expires <= MAX_PRESIGNED_EXPIRES:
            raise SignatureRejected(
                Failure.INCOMPLETE,
                "X-Amz-Expires must be a number of seconds from 1 to 604800",
                claimed.service,
            )
        if now > signed_at + timedelta(seconds=expires) or signed_at > now + MAX_SKEW:
            raise SignatureRejected(Failure.EXPIRED, "Request has expired", claimed.service)
        return
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureRejected(
            Failure.EXPIRED,
            f"Signature expired: {claimed.timestamp} is now earlier than "
            f"{(now - MAX_SKEW).strftime(TIMESTAMP_FORMAT)} ({stamp} - 15 min.)"
            if signed_at < now
            else f"Signature not yet current: {claimed.timestamp} is still later than "
            f"{(now + MAX_SKEW).strftime(TIMESTAMP_FORMAT)} ({stamp} + 15 min.)",
            claimed.service,
        )


def _check_body(arrived: ArrivedRequest, service: str) -> None:
    declared = arrived.header("x-amz-content-sha256")
    if declared is None or (declared in UNSIGNED_BODIES and service == "s3"):
        return
    if declared in UNSIGNED_BODIES:
        raise SignatureRejected(
            Failure.BODY_MISMATCH,
            f"x-amz-content-sha256 {declared} is accepted by S3 only: sign the body's SHA-256",
            service,
        )
    if declared in CHUNK_SIGNED_BODIES:
        raise SignatureRejected(
            Failure.UNSUPPORTED,
            f"x-amz-content-sha256 {declared} (chunk-signed upload) is not implemented by the "
            "local AWS endpoint: send the body's SHA-256 or UNSIGNED-PAYLOAD",
            service,
        )
    actual = hashlib.sha256(arrived.body).hexdigest()
    if not hmac.compare_digest(declared.lower().encode(), actual.encode()):
        raise SignatureRejected(
            Failure.BODY_MISMATCH,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            service,
        )


def is_signed(arrived: ArrivedRequest) -> bool:
    """Does the request carry a SigV4 claim at all (header or presigned query)?"""
    authorization = arrived.header("authorization")
    if authorization is not None:
        return True
    query = arrived.raw_query
    return any(name in query for name in ("X-Amz-Signature=", "X-Amz-Credential=", "Signature="))


Resolver = Callable[[str], RunCredentials | None]
SERVED_REGIONS = frozenset({"us-east-1"})  # local.runtime.client.LOCAL_REGION


@cache
def _target_prefix(service: str) -> str | None:
    """The X-Amz-Target prefix of the JSON service whose signing name is `service`, if any."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None
    prefix = model.metadata.get("targetPrefix")
    return prefix if isinstance(prefix, str) else None


def _check_scope(claimed: _Claimed, arrived: ArrivedRequest, regions: frozenset[str]) -> None:
    """The credential scope must name the region served here and the request's own service
    (by its X-Amz-Target), as AWS requires: a Cognito call scoped to s3 ran S3's ListBuckets."""
    if claimed.region not in regions:
        raise SignatureRejected(
            Failure.MISMATCH,
            f"Credential should be scoped to a valid region, not '{claimed.region[:32]}': the "
            f"local AWS endpoint serves {', '.join(sorted(regions))}",
            claimed.service,
        )
    target = arrived.header("x-amz-target")
    if target is not None and _target_prefix(claimed.service) != target.split(".", 1)[0]:
        raise SignatureRejected(
            Failure.MISMATCH,
            f"Credential should be scoped to correct service: '{claimed.service[:32]}' does not "
            f"serve {target.split('.', 1)[0][:64]}",
            None,
        )
    if (
        not claimed.presigned
        and claimed.session_token is not None
        and "x-amz-security-token" not in claimed.signed_headers
    ):
        raise SignatureRejected(
            Failure.INCOMPLETE,
            "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.",
            claimed.service,
        )


def verify(
    arrived: ArrivedRequest,
    resolve: Resolver,
    now: datetime,
    regions: frozenset[str] = SERVED_REGIONS,
) -> str:
    """The signing service of a request signed with credentials `resolve` knows (by access
    key id: the run's own, or ones this endpoint issued) for a region in `regions`, else
    SignatureRejected."""
    authorization = arrived.header("authorization")
    query = dict(parse_qsl(arrived.raw_query, keep_blank_values=True))
    if authorization is not None:
        claimed = _from_header(arrived, authorization)
    elif "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        claimed = _from_query(query)
    elif "AWSAccessKeyId" in query or "Signature" in query:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )
    else:
        raise SignatureRejected(Failure.MISSING, "Missing Authentication Token")
    credentials = resolve(claimed.access_key)
    if credentials is None:
        raise SignatureRejected(
            Failure.UNKNOWN_KEY,
            "The security token included in the request is invalid.",
            claimed.service,
        )
    token = claimed.session_token or ""
    if not hmac.compare_digest(token.encode(), credentials.session_token.encode()):
        raise SignatureRejected(
            Failure.BAD_TOKEN,
            "The security token included in the request is invalid.",
            claimed.service,
        )
    _check_scope(claimed, arrived, regions)
    if "host" not in claimed.signed_headers:
        raise SignatureRejected(
            Failure.INCOMPLETE,
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            claimed.service,
        )
    _check_time(claimed, query, now)
    if not claimed.presigned:
        _check_body(arrived, claimed.service)
    signer = _ExpectedSignature(
        Credentials(credentials.access_key_id, credentials.secret_access_key),
        claimed,
        arrived,
    )
    if not hmac.compare_digest(signer.expected().encode(), claimed.signature.encode()):
        raise SignatureRejected(
            Failure.MISMATCH,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
            claimed.service,
        )
    return claimed.service
