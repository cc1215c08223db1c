"""signInFactors, passkeys, managedLogin, issuerFormat and e-mail MFA: parsed and checked in
stacks/config like every key; a bad value is one line naming the key and the fix."""

from __future__ import annotations

from typing import Any

from stacks.config import config_from_mapping
from stacks.config.sign_in import (
    IssuerFormat,
    ManagedLogin,
    PasskeyUserVerification,
    SignInConfig,
    SignInFactor,
)
from stacks.contract import PROD_CONTEXT


def sign_in(context: dict[str, Any]) -> SignInConfig:
    cognito = config_from_mapping(context).cognito
    assert cognito is not None
    return cognito.sign_in


def test_dev_defaults_offer_password_email_codes_and_passkeys_on_managed_login() -> None:
    """GIVEN no context WHEN loaded THEN dev offers password, e-mail codes and passkeys
    (choice-based), passkeys 'preferred' on the default domain, managed login v2 and the
    original issuer format."""
    config = sign_in({})
    assert config.factors == (SignInFactor.PASSWORD, SignInFactor.EMAIL_OTP, SignInFactor.PASSKEY)
    assert config.choice_based
    assert config.passkey_relying_party_id is None
    assert config.passkey_user_verification is PasskeyUserVerification.PREFERRED
    assert config.managed_login is ManagedLogin.V2
    assert config.issuer_format is IssuerFormat.ORIGINAL
    assert (config.mfa_email, config.ses_from_email) == (False, None)


def test_prod_default_leaves_out_email_codes() -> None:
    """GIVEN prod WHEN loaded THEN password and passkeys only: e-mail codes would go through
    Cognito's default sender and its daily quota."""
    assert sign_in({"stage": "prod", **PROD_CONTEXT}).factors == (
        SignInFactor.PASSWORD,
        SignInFactor.PASSKEY,
    )


def test_password_alone_is_not_choice_based() -> None:
    """GIVEN signInFactors=password WHEN loaded THEN no choice to make: no USER_AUTH."""
    assert not sign_in({"signInFactors": "password"}).choice_based


def test_factors_read_a_comma_list_or_a_json_list_in_any_case() -> None:
    """GIVEN the factors as `-c a,b` text and as a cdk.json list WHEN loaded THEN the same."""
    expected = (SignInFactor.PASSWORD, SignInFactor.SMS_OTP)
    assert sign_in({"signInFactors": "Password, sms_otp"}).factors == expected
    assert sign_in({"signInFactors": ["password", "sms_otp"]}).factors == expected


def test_passkey_settings_are_read_when_passkeys_are_on() -> None:
    """GIVEN a relying party and required verification WHEN loaded THEN both are kept."""
    config = sign_in(
        {"passkeyRelyingPartyId": "Auth.Example.com", "passkeyUserVerification": "required"}
    )
    assert config.passkey_relying_party_id == "auth.example.com"
    assert config.passkey_user_verification is PasskeyUserVerification.REQUIRED


def test_email_mfa_with_mfa_and_an_ses_sender() -> None:
    """GIVEN mfa, mfaEmail and sesFromEmail WHEN loaded THEN e-mail MFA is on through SES."""
    config = sign_in(
        {
            "mfa": "true",
            "mfaEmail": "true",
            "sesFromEmail": "no-reply@example.com",
            "sesRegion": "eu-west-1",
        }
    )
    assert (config.mfa_email, config.ses_from_email) == (True, "no-reply@example.com")
    assert config.ses_region == "eu-west-1"


def test_updated_issuer_and_classic_pages_are_chosen_by_name() -> None:
    """GIVEN issuerFormat=updated and managedLogin=classic WHEN loaded THEN both apply."""
    config = sign_in({"issuerFormat": "UPDATED", "managedLogin": "classic"})
    assert (config.issuer_format, config.managed_login) == (
        IssuerFormat.UPDATED,
        ManagedLogin.CLASSIC,
    )
