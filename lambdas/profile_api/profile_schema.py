"""The profile POST body: a JSON object with known fields, checked before anything is stored.

| field     | type   | rule                                  |
|-----------|--------|---------------------------------------|
| `name`    | string | required, 1-100 characters            |
| `bio`     | string | optional, at most 500 characters      |
| `website` | string | optional, an https:// URL, at most 200 |

Unknown fields, duplicate keys, other JSON types and bodies over MAX_BODY_BYTES are rejected.
Text is refused when it holds control characters (Cc; `bio` may have newlines and tabs), lone
surrogates (Cs: JSON's `\ud800` escapes decode to them, and no store can encode them),
unassigned code points and non-characters (Cn, in the runtime's Unicode version), or bidi
embedding, override and isolate controls (U+202A-202E, U+2066-2069: they reorder the text
around them, the "Trojan Source" spoof). The bidi marks U+200E, U+200F and U+061C stay
allowed: mixed-direction names need them and they reorder nothing beyond themselves. A
website with credentials in it (`https://user:pass@host`) is refused: a profile is public to
its readers and a password there is a leak or a phishing link.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from typing import Any
from urllib.parse import urlsplit

MAX_BODY_BYTES = 4096
FIELD_LIMITS = {"name": 100, "bio": 500, "website": 200}
REQUIRED_FIELDS = ("name",)


class InvalidProfileError(ValueError):
    """The body is not an acceptable profile.

    The message names the problem for the caller and may quote the body (an unknown key);
    `reason` is a short code built only from constants and known field names, safe to log.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _field_error(field: str, message: str, code: str) -> InvalidProfileError:
    """A problem with one of the known fields (never an unknown key, which the caller chose)."""
    return InvalidProfileError(message, f"field '{field}' {code}")


def _reject_constant(token: str) -> Any:
    raise InvalidProfileError(f"body is not valid JSON: {token} is not allowed", "not_json")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidProfileError(f"field '{key}' appears more than once", "duplicate_field")
        result[key] = value
    return result


def decode_body(body: str | None, is_base64: bool) -> bytes:
    if body is None or body == "":
        message = 'body is required: a JSON object such as {"name": "Ada"}'
        raise InvalidProfileError(message, "missing")
    if is_base64:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            message = "body is marked base64 but is not valid base64"
            raise InvalidProfileError(message, "not_base64") from None
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        message = f"body is {len(raw)} bytes: at most {MAX_BODY_BYTES} allowed"
        raise InvalidProfileError(message, "too_large")
    return raw


_BIDI_FORMATTING = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
# What each refused category is called in the 400 message and the log's reason code.
_REFUSED_CATEGORIES = {
    "Cs": ("lone surrogates", "surrogates"),
    "Cn": ("unassigned code points or non-characters", "unassigned_characters"),
}


def _has_control_chars(text: str, allow_newlines: bool) -> bool:
    allowed = "\n\r\t" if allow_newlines else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _refused_character(text: str) -> tuple[str, str] | None:
    """(what, code) of the first character class a field may not hold, else None."""
    for ch in text:
        category = unicodedata.category(ch)
        if category in _REFUSED_CATEGORIES:
            return _REFUSED_CATEGORIES[category]
        if ch in _BIDI_FORMATTING:
            return "bidi embedding, override or isolate controls", "bidi_controls"
    return None


def _check_text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        message = f"field '{field}' must be a string, got {_json_type(value)}"
        raise _field_error(field, message, "not_string")
    limit = FIELD_LIMITS[field]
    if len(value) > limit:
        message = f"field '{field}' is {len(value)} characters: at most {limit}"
        raise _field_error(field, message, "too_long")
    if _has_control_chars(value, allow_newlines=field == "bio"):
        message = f"field '{field}' contains control characters"
        raise _field_error(field, message, "control_characters")
    refused = _refused_character(value)
    if refused is not None:
        what, code = refused
        raise _field_error(field, f"field '{field}' contains {what}", code)
    return value


def _check_website(value: str) -> str:
    not_https = _field_error("website", "field 'website' must be an https:// URL", "not_https_url")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise not_https from None
    if parts.scheme != "https" or not hostname or " " in value:
        raise not_https
    if "@" in parts.netloc:
        message = "field 'website' must not contain credentials (user:password@)"
        raise _field_error("website", message, "credentials_in_url")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def parse_profile(body: str | None, is_base64: bool) -> dict[str, str]:
    """Return the validated fields, or raise InvalidProfileError naming the first problem found."""
    raw = decode_body(body, is_base64)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidProfileError("body is not UTF-8 text", "not_utf8") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        message = f"body is not valid JSON: {error.msg} at position {error.pos}"
        raise InvalidProfileError(message, "not_json") from None
    except RecursionError:
        message = "body is not valid JSON: nested too deeply"
        raise InvalidProfileError(message, "not_json") from None
    if not isinstance(document, dict):
        message = f"body must be a JSON object, got {_json_type(document)}"
        raise InvalidProfileError(message, "not_object")
    unknown = sorted(set(document) - set(FIELD_LIMITS))
    if unknown:
        allowed = ", ".join(FIELD_LIMITS)
        message = f"unknown field '{unknown[0]}': allowed fields are {allowed}"
        raise InvalidProfileError(message, "unknown_field")
    for field in REQUIRED_FIELDS:
        if field not in document:
            raise _field_error(field, f"field '{field}' is required", "missing")
    profile = {field: _check_text(field, value) for field, value in document.items()}
    if not profile["name"].strip():
        raise _field_error("name", "field 'name' must not be blank", "blank")
    if "website" in profile:
        _check_website(profile["website"])
    return profile
