"""The HTTP API JWT authorizer, run locally with the checks and answers AWS documents.

Order of checks (AWS, "Control access to HTTP APIs with JWT authorizers"): token present in the
identity source -> decodes -> RSA algorithm -> ``kid`` names a JWKS key -> signature -> ``iss``
equals the issuer exactly -> audience (``aud`` if present, else ``client_id``) -> ``exp`` ->
``nbf`` -> ``iat`` -> route scopes. The first failing check decides the answer, so a token that
is both expired and for the wrong audience reports the audience, as AWS would.

Parsing (base64url + JSON) is done here to control the order and the messages; the signature
is verified by PyJWT's RSA algorithm objects on ``cryptography`` keys.

Choices where AWS documents nothing (kept in one place so they are easy to revisit):

* Accepted algorithms: RS256, RS384, RS512. AWS says "only RSA-based algorithms"; RSASSA-PSS
  (PS*) is not known to be accepted, so it is refused (a token accepted locally should also be
  accepted by AWS). ``none``, HS*, ES*, EdDSA are refused.
* The ``Bearer`` prefix is matched case-sensitively ("Bearer <token>", as AWS documents); a
  value like ``bearer <token>`` is taken as a bare token and fails to decode.
* ``exp`` is required: a token without an expiry would be valid forever.
* ``aud: null`` counts as absent (null claims are dropped), so ``client_id`` is checked.
* Boundaries: valid while ``now < exp + leeway``; ``nbf``/``iat`` may equal ``now + leeway``.
* When the JWKS cannot be fetched at all, the answer is 401 (fail closed), not 5xx.
* Claims are stringified for the event: strings as is, integers and decimals as the token's
  JSON text (``1618366253``, ``1.50``; exponent forms are normalised, ``1e3`` -> ``1E+3``),
  booleans ``true``/``false``, arrays ``[a b]`` (elements stringified the same way, nested
  objects and nulls as JSON text), objects as compact JSON, null claims dropped.
* Scopes: ``scope`` (space separated string, or a list) if present, else ``scp`` (list or
  string); non-string entries are ignored.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jwt.algorithms import RSAAlgorithm

from local.bounded_json import check_bounds

from .config import AuthorizerConfig
from .jwks import JwksCache, JwksUnavailableError, SigningKey

LOG = logging.getLogger(__name__)

ACCEPTED_ALGORITHMS: Mapping[str, RSAAlgorithm] = {
    "RS256": RSAAlgorithm(RSAAlgorithm.SHA256),
    "RS384": RSAAlgorithm(RSAAlgorithm.SHA384),
    "RS512": RSAAlgorithm(RSAAlgorithm.SHA512),
}
MAX_TOKEN_CHARS = 16 * 1024
"""Longer values are refused before any parsing (AWS caps request headers near 10 KB)."""
DEFAULT_CACHE_SIZE = 1024

UNAUTHORIZED_BODY = b'{"message":"Unauthorized"}'
FORBIDDEN_BODY = b'{"message":"Forbidden"}'
JSON_CONTENT_TYPE = "application/json"

# Error descriptions sent in www-authenticate. Fixed texts: nothing from the token is echoed
# into a response header. The first two are the texts seen from AWS.
E_SEGMENTS = "token contains an invalid number of segments"
E_AUDIENCE = "the token does not have a valid audience"
E_TOO_LARGE = "token is too large"
E_HEADER = "token is malformed: the header is not base64url-encoded JSON"
E_PAYLOAD = "token is malformed: the payload is not base64url-encoded JSON"
E_SIGNATURE_ENCODING = "token is malformed: the signature is not base64url-encoded"
E_ALGORITHM = "the token is not signed with a supported RSA algorithm (RS256, RS384, RS512)"
E_NO_KID = "the token header has no kid"
E_KEYS_UNAVAILABLE = "the issuer's signing keys could not be fetched"
E_UNKNOWN_KID = "no key in the issuer's JWKS matches the token's kid"
E_KEY_ALGORITHM = "the token's algorithm does not match its key's algorithm"
E_SIGNATURE = "signature is invalid"
E_ISSUER = "the token does not have a valid issuer"
E_NO_EXP = "the token has no exp claim"
E_EXP_TYPE = "the token's exp claim is not a number"
E_EXPIRED = "token is expired"
E_NBF_TYPE = "the token's nbf claim is not a number"
E_NOT_YET_VALID = "token is not valid yet"
E_IAT_TYPE = "the token's iat claim is not a number"
E_IAT_FUTURE = "token used before issued"
E_INTERNAL = "the token could not be validated"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class AuthDecision:
    """What the authorizer decided for one request.

    When ``allowed`` is False, answer with ``status_code``/``headers``/``body`` as is and do
    not invoke the integration. When True, pass ``claims`` and ``scopes`` into the event's
    ``requestContext.authorizer.jwt``. ``reason`` is for logs only (it may quote the token).
    """

    allowed: bool
    status_code: int
    body: bytes
    headers: dict[str, str]
    claims: dict[str, str] = field(default_factory=dict)
    scopes: list[str] | None = None
    reason: str = ""


class _RejectedError(Exception):
    def __init__(self, description: str, reason: str) -> None:
        super().__init__(reason)
        self.description = description
        self.reason = reason


@dataclass(frozen=True)
class _Verified:
    """A token whose time-independent checks passed; cached by the exact token string."""

    key: SigningKey
    payload: Mapping[str, Any]
    claims: Mapping[str, str]
    token_scopes: tuple[str, ...]


def _missing(reason: str) -> AuthDecision:
    return AuthDecision(
        allowed=False,
        status_code=401,
        body=UNAUTHORIZED_BODY,
        headers={"content-type": JSON_CONTENT_TYPE, "www-authenticate": "Bearer"},
        reason=reason,
    )


def _invalid(description: str, reason: str) -> AuthDecision:
    challenge = f'Bearer scope="" error="invalid_token" error_description="{description}"'
    return AuthDecision(
        allowed=False,
        status_code=401,
        body=UNAUTHORIZED_BODY,
        headers={"content-type": JSON_CONTENT_TYPE, "www-authenticate": challenge},
        reason=f"{description}: {reason}" if reason and reason != description else description,
    )


def _forbidden(reason: str) -> AuthDecision:
    return AuthDecision(
        allowed=False,
        status_code=403,
        body=FORBIDDEN_BODY,
        headers={"content-type": JSON_CONTENT_TYPE},
        reason=reason,
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _b64url_decode(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except binascii.Error as error:
        raise ValueError(str(error)) from error


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(raw: bytes) -> dict[str, Any]:
    """Strict JSON object: NaN/Infinity are refused (an ``exp`` of NaN would never expire);
    too deep or too large is refused before parsing (local.bounded_json)."""
    check_bounds(raw)
    value = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _check_not_after_now(
    payload: Mapping[str, Any], claim: str, errors: tuple[str, str], now: float, leeway: int
) -> None:
    """An optional time claim (nbf, iat) must be a number no later than now (plus leeway);
    errors: the description when it is not a number, and when it is later."""
    value = payload.get(claim)
    if value is None:
        return
    not_a_number, too_late = errors
    if not _is_number(value):
        raise _RejectedError(not_a_number, f"{claim} {_short(value)}")
    if value - leeway > now:
        raise _RejectedError(too_late, f"{claim} {value}, now {now:.3f}, leeway {leeway}s")


def _json_text(value: object) -> str:
    """Compact JSON, writing decimals with the token's own digits."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        items = (json.dumps(k, ensure_ascii=False) + ":" + _json_text(v) for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _array_element_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_array_element_text(v) for v in value) + "]"
    return _json_text(value)  # numbers, booleans, null, objects


def stringify_claims(payload: Mapping[str, Any]) -> dict[str, str]:
    """The claims as API Gateway hands them to the integration: every value a string."""
    claims: dict[str, str] = {}
    for name, value in payload.items():
        if value is None:
            continue
        if isinstance(value, str):
            claims[name] = value
        elif isinstance(value, list):
            claims[name] = _array_element_text(value)
        else:
            claims[name] = _json_text(value)
    return claims


def _scope_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [scope for scope in value.split(" ") if scope]
    if isinstance(value, list):
        return [scope for scope in value if isinstance(scope, str) and scope]
    return []


def token_scopes(payload: Mapping[str, Any]) -> list[str]:
    """The token's scopes: ``scope`` when present, else ``scp``."""
    if payload.get("scope") is not None:
        return _scope_list(payload["scope"])
    return _scope_list(payload.get("scp"))


def extract_token(value: str) -> str:
    """The token inside an identity-source value: bare, or after a ``Bearer `` prefix."""
    value = value.strip()
    if value.startswith("Bearer "):
        return value[len("Bearer ") :].strip()
    return value


class JwtAuthorizer:
    """Decides, per request, what API Gateway's JWT authorizer would answer.

    Safe to call from many threads. Tokens that passed the time-independent checks are kept
    in a small LRU (keyed by the exact token string), so a repeated token costs a dict lookup
    instead of an RSA verification; ``exp``/``nbf``/``iat`` are still checked on every call,
    and the entry is dropped if its key leaves the JWKS.
    """

    def __init__(
        self,
        config: AuthorizerConfig,
        keys: JwksCache,
        clock: Callable[[], float] = time.time,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._config = config
        self._keys = keys
        self._clock = clock
        self._audiences = frozenset(config.audiences)
        self._header = config.header_name
        self._cache_size = cache_size
        self._cache: OrderedDict[str, _Verified] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def config(self) -> AuthorizerConfig:
        return self._config

    def authorize(
        self, headers: Mapping[str, str], route_scopes: Sequence[str] | None = None
    ) -> AuthDecision:
        """Checks the request's token; never raises (an unexpected error answers 401)."""
        try:
            return self._authorize(headers, route_scopes)
        except Exception:  # the server must never turn a token into a 500
            LOG.exception("unexpected error while validating a token")
            return _invalid(E_INTERNAL, "unexpected error (see log)")

    def _authorize(
        self, headers: Mapping[str, str], route_scopes: Sequence[str] | None
    ) -> AuthDecision:
        raw = headers.get(self._header)
        if raw is None or not raw.strip():
            return _missing(f"no token in the {self._header} header")
        token = extract_token(raw)
        if len(token) > MAX_TOKEN_CHARS:
            return _invalid(E_TOO_LARGE, f"{len(token)} characters")
        try:
            verified = self._cached(token) or self._verify(token)
            self._check_times(verified.payload)
        except _RejectedError as rejection:
            return _invalid(rejection.description, rejection.reason)

        scopes = list(verified.token_scopes)
        if route_scopes:
            if not set(route_scopes).intersection(scopes):
                return _forbidden(
                    f"token scopes {scopes} include none of the route's {list(route_scopes)}"
                )
            decision_scopes: list[str] | None = scopes
        else:
            decision_scopes = None
        return AuthDecision(
            allowed=True,
            status_code=200,
            body=b"",
            headers={},
            claims=dict(verified.claims),
            scopes=decision_scopes,
            reason="authorized",
        )

    def _cached(self, token: str) -> _Verified | None:
        with self._cache_lock:
            verified = self._cache.get(token)
            if verified is None:
                return None
            self._cache.move_to_end(token)
        try:
            current = self._keys.get(verified.key.kid)
        except JwksUnavailableError:
            current = None
        if current is verified.key:
            return verified
        with self._cache_lock:
            self._cache.pop(token, None)
        return None  # the key rotated out: verify from scratch

    def _remember(self, token: str, verified: _Verified) -> None:
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[token] = verified
            self._cache.move_to_end(token)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _verify(self, token: str) -> _Verified:
        segments = token.split(".")
        if len(segments) != 3:
            raise _RejectedError(E_SEGMENTS, f"{len(segments)} segments")
        header_segment, payload_segment, signature_segment = segments
        try:
            header = _json_object(_b64url_decode(header_segment))
        except ValueError as error:
            raise _RejectedError(E_HEADER, str(error)) from None
        try:
            payload = _json_object(_b64url_decode(payload_segment))
        except ValueError as error:
            raise _RejectedError(E_PAYLOAD, str(error)) from None
        try:
            signature = _b64url_decode(signature_segment)
        except ValueError as error:
            raise _RejectedError(E_SIGNATURE_ENCODING, str(error)) from None

        alg = header.get("alg")
        algorithm = ACCEPTED_ALGORITHMS.get(alg) if isinstance(alg, str) else None
        if algorithm is None:
            raise _RejectedError(E_ALGORITHM, f"alg {_short(alg)}")
        assert isinstance(alg, str)

        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _RejectedError(E_NO_KID, f"kid {_short(kid)}")
        try:
            key = self._keys.get(kid)
        except JwksUnavailableError as error:
            raise _RejectedError(E_KEYS_UNAVAILABLE, str(error)) from None
        if key is None:
            raise _RejectedError(E_UNKNOWN_KID, f"kid {_short(kid)}")
        if key.alg is not None and key.alg != alg:
            raise _RejectedError(E_KEY_ALGORITHM, f"token alg {alg}, key alg {key.alg}")

        signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
        if not algorithm.verify(signing_input, key.public_key, signature):
            raise _RejectedError(E_SIGNATURE, f"kid {_short(kid)}")

        issuer = payload.get("iss")
        if issuer != self._config.issuer:
            raise _RejectedError(
                E_ISSUER, f"iss {_short(issuer)}, expected {self._config.issuer!r}"
            )

        self._check_audience(payload)

        verified = _Verified(
            key=key,
            payload=payload,
            claims=stringify_claims(payload),
            token_scopes=tuple(token_scopes(payload)),
        )
        self._remember(token, verified)
        return verified

    def _check_audience(self, payload: Mapping[str, Any]) -> None:
        audience = payload.get("aud")
        if audience is not None:
            candidates = audience if isinstance(audience, list) else [audience]
            if any(isinstance(c, str) and c in self._audiences for c in candidates):
                return
            raise _RejectedError(E_AUDIENCE, f"aud {_short(audience)}")
        client_id = payload.get("client_id")
        if isinstance(client_id, str) and client_id in self._audiences:
            return
        raise _RejectedError(E_AUDIENCE, f"no aud, client_id {_short(client_id)}")

    def _check_times(self, payload: Mapping[str, Any]) -> None:
        now = self._clock()
        leeway = self._config.leeway_seconds
        exp = payload.get("exp")
        if exp is None:
            raise _RejectedError(E_NO_EXP, "no exp")
        if not _is_number(exp):
            raise _RejectedError(E_EXP_TYPE, f"exp {_short(exp)}")
        if exp + leeway <= now:
            raise _RejectedError(E_EXPIRED, f"exp {exp}, now {now:.3f}, leeway {leeway}s")
        _check_not_after_now(payload, "nbf", (E_NBF_TYPE, E_NOT_YET_VALID), now, leeway)
        _check_not_after_now(payload, "iat", (E_IAT_TYPE, E_IAT_FUTURE), now, leeway)
