"""SetUserPoolMfaConfig / GetUserPoolMfaConfig with what moto lacks: e-mail MFA
(EmailMfaConfiguration) and the passkey settings (WebAuthnConfiguration).

Both are kept in `pool.extended_config` under the names the CloudFormation type uses
(pool_settings reads them), so a pool configured either way answers alike.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool

from .exceptions import InvalidParameterError, SerializationError
from .pool_settings import EMAIL_MFA_KEY, RELYING_PARTY_KEY, USER_VERIFICATION_KEY

_MODES = ("ON", "OFF", "OPTIONAL")
_VERIFICATIONS = ("required", "preferred")


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SerializationError(f"{name} must be an object")
    return value


def _email_mfa(pool: CognitoIdpUserPool, value: Any) -> dict[str, Any] | None:
    """E-mail MFA needs the pool to send through SES (Cognito refuses its default sender)."""
    config = _object(value, "EmailMfaConfiguration")
    if config is None:
        return None
    sending = (pool.extended_config.get("EmailConfiguration") or {}).get("EmailSendingAccount")
    if sending != "DEVELOPER":
        raise InvalidParameterError(
            "Email MFA requires the user pool to send email with Amazon SES: set "
            "EmailConfiguration EmailSendingAccount to DEVELOPER."
        )
    for key in ("Message", "Subject"):
        if key in config and not isinstance(config[key], str):
            raise InvalidParameterError(f"[EmailMfaConfiguration.{key}] must be a string.")
    message = config.get("Message")
    if message is not None and "{####}" not in message:
        raise InvalidParameterError("EmailMfaConfiguration.Message must contain {####}.")
    return {key: config[key] for key in ("Message", "Subject") if key in config}


def _web_authn(value: Any) -> dict[str, str] | None:
    config = _object(value, "WebAuthnConfiguration")
    if config is None:
        return None
    relying_party = config.get("RelyingPartyId")
    if relying_party is not None and (
        not isinstance(relying_party, str) or not 1 <= len(relying_party) <= 127
    ):
        raise InvalidParameterError("WebAuthnConfiguration.RelyingPartyId must be 1-127 chars.")
    verification = config.get("UserVerification")
    if verification is not None and verification not in _VERIFICATIONS:
        raise InvalidParameterError(
            "WebAuthnConfiguration.UserVerification must be one of: required, preferred."
        )
    return {
        k: v
        for k, v in (("RelyingPartyId", relying_party), ("UserVerification", verification))
        if v is not None
    }


def set_config(pool: CognitoIdpUserPool, params: dict[str, Any]) -> dict[str, Any]:
    """Apply a SetUserPoolMfaConfig request; refused as a whole before anything changes."""
    mode = params.get("MfaConfiguration")
    if mode not in _MODES:
        raise InvalidParameterError("[MfaConfiguration] must be one of 'ON', 'OFF', or 'OPTIONAL'.")
    sms = _object(params.get("SmsMfaConfiguration"), "SmsMfaConfiguration")
    token = _object(params.get("SoftwareTokenMfaConfiguration"), "SoftwareTokenMfaConfiguration")
    email = _email_mfa(pool, params.get("EmailMfaConfiguration"))
    web_authn = _web_authn(params.get("WebAuthnConfiguration"))
    if mode != "OFF" and sms is None and token is None and email is None:
        raise InvalidParameterError(
            "At least one of [SmsMfaConfiguration], [SoftwareTokenMfaConfiguration] or "
            "[EmailMfaConfiguration] must be provided."
        )
    if sms is not None and "SmsConfiguration" not in sms:
        raise InvalidParameterError(
            "[SmsConfiguration] is a required member of [SmsMfaConfiguration]."
        )
    pool.mfa_config, pool.sms_mfa_config, pool.token_mfa_config = mode, sms, token
    # Left out of the request, e-mail MFA goes off (as SMS and TOTP do); passkeys' settings
    # are not an MFA factor and stay as they were.
    if email is None:
        pool.extended_config.pop(EMAIL_MFA_KEY, None)
    else:
        pool.extended_config[EMAIL_MFA_KEY] = email
    if web_authn is not None:
        for key, name in (
            ("RelyingPartyId", RELYING_PARTY_KEY),
            ("UserVerification", USER_VERIFICATION_KEY),
        ):
            if key in web_authn:
                pool.extended_config[name] = web_authn[key]
    return get_config(pool)


def get_config(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """GetUserPoolMfaConfig's answer: moto's three members plus e-mail MFA and passkeys."""
    answer: dict[str, Any] = {"MfaConfiguration": pool.mfa_config}
    if pool.sms_mfa_config is not None:
        answer["SmsMfaConfiguration"] = pool.sms_mfa_config
    if pool.token_mfa_config is not None:
        answer["SoftwareTokenMfaConfiguration"] = pool.token_mfa_config
    email = pool.extended_config.get(EMAIL_MFA_KEY)
    if isinstance(email, dict):
        answer["EmailMfaConfiguration"] = email
    relying_party = pool.extended_config.get(RELYING_PARTY_KEY)
    verification = pool.extended_config.get(USER_VERIFICATION_KEY) or "preferred"
    web_authn: dict[str, str] = {"UserVerification": str(verification)}
    if isinstance(relying_party, str):
        web_authn["RelyingPartyId"] = relying_party
    answer["WebAuthnConfiguration"] = web_authn
    return answer
