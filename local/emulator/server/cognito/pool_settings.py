"""What a pool's configuration says about sign-in: the first factors `USER_AUTH` may offer, the
passkey settings and the issuer format. One reader for each, so every flow asks the same place.

The values live where CreateUserPool / UpdateUserPool / the CloudFormation type put them
(moto keeps them in `pool.extended_config`, in the API's names).
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool

# AllowedFirstAuthFactors' names, as the API spells them.
PASSWORD = "PASSWORD"  # noqa: S105 (a factor's name, not a secret)
EMAIL_OTP = "EMAIL_OTP"
SMS_OTP = "SMS_OTP"
WEB_AUTHN = "WEB_AUTHN"
FIRST_FACTORS = frozenset({PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN})
# Cognito's default when a pool sets no sign-in policy: passwords only.
_DEFAULT_FIRST_FACTORS = frozenset({PASSWORD})

ORIGINAL_ISSUER = "ORIGINAL"
UPDATED_ISSUER = "UPDATED"


def _config(pool: CognitoIdpUserPool) -> dict[str, Any]:
    config = getattr(pool, "extended_config", None)
    return config if isinstance(config, dict) else {}


def first_auth_factors(pool: CognitoIdpUserPool) -> frozenset[str]:
    """Policies.SignInPolicy.AllowedFirstAuthFactors (Cognito's default: PASSWORD)."""
    policies = _config(pool).get("Policies")
    sign_in = policies.get("SignInPolicy") if isinstance(policies, dict) else None
    factors = sign_in.get("AllowedFirstAuthFactors") if isinstance(sign_in, dict) else None
    if not isinstance(factors, list) or not factors:
        return _DEFAULT_FIRST_FACTORS
    return frozenset(f for f in factors if f in FIRST_FACTORS)


def issuer_format(pool: CognitoIdpUserPool) -> str:
    """IssuerConfiguration.Type: ORIGINAL (the default) or UPDATED."""
    configuration = _config(pool).get("IssuerConfiguration")
    kind = configuration.get("Type") if isinstance(configuration, dict) else None
    return UPDATED_ISSUER if kind == UPDATED_ISSUER else ORIGINAL_ISSUER


def issuer(pool: CognitoIdpUserPool) -> str:
    """The `iss` of the pool's tokens, as the issuer format makes it."""
    if issuer_format(pool) == UPDATED_ISSUER:
        return f"https://issuer-cognito-idp.{pool.region}.amazonaws.com/{pool.id}"
    return f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}"


# Passkey settings: CloudFormation's WebAuthnRelyingPartyID / WebAuthnUserVerification, or
# SetUserPoolMfaConfig's WebAuthnConfiguration, kept under the CloudFormation names.
RELYING_PARTY_KEY = "WebAuthnRelyingPartyID"
USER_VERIFICATION_KEY = "WebAuthnUserVerification"
# SetUserPoolMfaConfig's EmailMfaConfiguration {Message, Subject}; present = e-mail MFA is on.
EMAIL_MFA_KEY = "EmailMfaConfiguration"


def passkey_relying_party_id(pool: CognitoIdpUserPool) -> str | None:
    """The relying party the pool's configuration names (offline, passkeys use `localhost`)."""
    value = _config(pool).get(RELYING_PARTY_KEY)
    return value if isinstance(value, str) and value else None


def passkey_user_verification(pool: CognitoIdpUserPool) -> str:
    """`required` or `preferred` (Cognito's default)."""
    return "required" if _config(pool).get(USER_VERIFICATION_KEY) == "required" else "preferred"


def email_mfa(pool: CognitoIdpUserPool) -> dict[str, Any] | None:
    """The pool's e-mail MFA message settings, or None when e-mail MFA is off."""
    value = _config(pool).get(EMAIL_MFA_KEY)
    return value if isinstance(value, dict) else None
