"""The checks CreateUserPool, UpdateUserPool and the UserPool CloudFormation type make of the
sign-in settings pool_settings reads: the first factors and the issuer format. A refused
request changes nothing (the checks run before moto stores the configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import InvalidParameterError
from .pool_settings import FIRST_FACTORS, ORIGINAL_ISSUER, PASSWORD, UPDATED_ISSUER

_ISSUER_TYPES = (ORIGINAL_ISSUER, UPDATED_ISSUER)


def _enum_error(value: object, member: str, allowed: list[str]) -> InvalidParameterError:
    """AWS's validation message for a value outside an enum."""
    return InvalidParameterError(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _check_factors(policies: Any) -> None:
    sign_in = policies.get("SignInPolicy") if isinstance(policies, Mapping) else None
    if sign_in is None:
        return
    factors = sign_in.get("AllowedFirstAuthFactors") if isinstance(sign_in, Mapping) else None
    if not isinstance(factors, list) or not 1 <= len(factors) <= 4:
        raise InvalidParameterError(
            "SignInPolicy.AllowedFirstAuthFactors must list 1 to 4 authentication factors."
        )
    for factor in factors:
        if factor not in FIRST_FACTORS:
            member = "policies.signInPolicy.allowedFirstAuthFactors"
            raise _enum_error(factor, member, sorted(FIRST_FACTORS))
    if PASSWORD not in factors:
        raise InvalidParameterError("AllowedFirstAuthFactors must include PASSWORD.")


def check(config: Mapping[str, Any]) -> None:
    """InvalidParameterException for a sign-in policy or issuer format Cognito refuses."""
    _check_factors(config.get("Policies"))
    issuer = config.get("IssuerConfiguration")
    if issuer is None:
        return
    kind = issuer.get("Type") if isinstance(issuer, Mapping) else None
    if kind not in _ISSUER_TYPES:
        raise _enum_error(kind, "issuerConfiguration.type", list(_ISSUER_TYPES))
