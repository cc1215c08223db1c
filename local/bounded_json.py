"""JSON from a token anyone can send, bounded before it is parsed.

`json.loads` recurses once per `[` or `{`: a token payload nested 1,500 deep raises
RecursionError (not ValueError), which escaped the checks that expect bad JSON and printed a
traceback per request. A scan of the raw bytes (strings skipped, escapes honoured) refuses
anything deeper than MAX_DEPTH or larger than MAX_BYTES first, as a ValueError like any other
malformed token: it fails closed, quietly. No JWT needs more: Cognito's deepest claim is a
list of strings.
"""

from __future__ import annotations

MAX_DEPTH = 32
MAX_BYTES = 16 * 1024

_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def check_bounds(raw: bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> None:
    """Raise ValueError if `raw` is over `max_bytes` or nests deeper than `max_depth`."""
    if len(raw) > max_bytes:
        raise ValueError(f"JSON of {len(raw)} bytes: at most {max_bytes}")
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > max_depth:
                raise ValueError(f"JSON nested deeper than {max_depth}")
        elif byte in _CLOSE:
            depth -= 1


def check_jwt_bounds(token: str) -> None:
    """Raise ValueError unless a compact JWT's header and payload are within bounds (checked
    before a library such as PyJWT parses them)."""
    import base64
    import binascii

    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a JWT has three segments")
    for segment in parts[:2]:
        if len(segment) > MAX_BYTES * 4 // 3 + 4:
            raise ValueError(f"JWT segment over {MAX_BYTES} bytes")
        try:
            raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("JWT segment is not base64url") from None
        check_bounds(raw)
