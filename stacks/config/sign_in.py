"""auth=cognito: how users sign in (first factors, passkeys, managed login, e-mail MFA) and
which issuer format the pool's tokens carry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stacks.config.choices import Stage
from stacks.config.parsers import (
    ConfigError,
    ContextReader,
    choice,
    flag,
    hostname,
    optional_text,
    text_list,
)


class SignInFactor(StrEnum):
    """A first factor of choice-based sign-in (USER_AUTH), as `signInFactors` names it."""

    PASSWORD = "password"  # noqa: S105 - a factor's name
    EMAIL_OTP = "email_otp"
    SMS_OTP = "sms_otp"
    PASSKEY = "passkey"


class PasskeyUserVerification(StrEnum):
    """`required`: every passkey sign-in asks for the device's PIN or biometric."""

    PREFERRED = "preferred"
    REQUIRED = "required"


# Dev shows every way in that needs nothing beyond the pool; prod leaves out e-mail codes while
# Cognito's default e-mail sender (a small daily quota) sends them: add them with sesFromEmail.
DEFAULT_FACTORS = {
    Stage.DEV: (SignInFactor.PASSWORD, SignInFactor.EMAIL_OTP, SignInFactor.PASSKEY),
    Stage.PROD: (SignInFactor.PASSWORD, SignInFactor.PASSKEY),
}


class ManagedLogin(StrEnum):
    """`v2`: managed login (branded pages, passkeys, e-mail codes); `classic`: the old hosted UI."""

    V2 = "v2"
    CLASSIC = "classic"


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")


class IssuerFormat(StrEnum):
    """`updated`: iss = https://issuer-cognito-idp.<region>.amazonaws.com/<poolId>."""

    ORIGINAL = "original"
    UPDATED = "updated"


@dataclass(frozen=True, kw_only=True)
class SignInConfig:
    """What the pool offers at sign-in; the defaults are a pool without any of it."""

    factors: tuple[SignInFactor, ...] = (SignInFactor.PASSWORD,)
    # None: the pool's own Cognito domain (<prefix>.auth.<region>.amazoncognito.com).
    passkey_relying_party_id: str | None = None
    passkey_user_verification: PasskeyUserVerification = PasskeyUserVerification.PREFERRED
    managed_login: ManagedLogin = ManagedLogin.CLASSIC
    issuer_format: IssuerFormat = IssuerFormat.ORIGINAL
    mfa_email: bool = False
    ses_from_email: str | None = None  # the pool sends e-mail through SES from this address
    ses_region: str | None = None  # the SES identity's region; None: the stack's own

    @property
    def choice_based(self) -> bool:
        """USER_AUTH (and the pool's sign-in policy) only when there is a choice to make."""
        return self.factors != (SignInFactor.PASSWORD,)

    def allows(self, factor: SignInFactor) -> bool:
        return factor in self.factors


def _factors(value: Any, stage: Stage) -> tuple[SignInFactor, ...]:
    if value is None:
        return DEFAULT_FACTORS[stage]
    names = text_list(value, "signInFactors")
    allowed = ", ".join(member.value for member in SignInFactor)
    if not names:
        raise ConfigError(f"context 'signInFactors' is empty: list some of {allowed}")
    factors: list[SignInFactor] = []
    for name in names:
        try:
            factor = SignInFactor(name.lower())
        except ValueError:
            raise ConfigError(
                f"context 'signInFactors' names '{name}': use a comma list of {allowed}"
            ) from None
        if factor in factors:
            raise ConfigError(f"context 'signInFactors' names '{name}' twice: list it once")
        factors.append(factor)
    if SignInFactor.PASSWORD not in factors:
        raise ConfigError(
            "context 'signInFactors' lacks password: Cognito requires it among the first "
            "factors, e.g. -c signInFactors=password,passkey"
        )
    return tuple(factors)


def _passkey_settings(
    get: ContextReader, factors: tuple[SignInFactor, ...]
) -> tuple[str | None, PasskeyUserVerification]:
    relying_party = get("passkeyRelyingPartyId")
    verification = get("passkeyUserVerification")
    if SignInFactor.PASSKEY not in factors:
        for key, value in (
            ("passkeyRelyingPartyId", relying_party),
            ("passkeyUserVerification", verification),
        ):
            if value is not None:
                raise ConfigError(f"context '{key}' needs passkey in signInFactors: add it")
        return None, PasskeyUserVerification.PREFERRED
    relying_party_id = None
    if optional_text(relying_party, "passkeyRelyingPartyId") is not None:
        relying_party_id = hostname(relying_party, "passkeyRelyingPartyId", "auth.example.com")
    return relying_party_id, choice(
        verification,
        "passkeyUserVerification",
        PasskeyUserVerification,
        PasskeyUserVerification.PREFERRED,
    )


def _ses_region(get: ContextReader, sender: str | None) -> str | None:
    region = optional_text(get("sesRegion"), "sesRegion")
    if region is None:
        return None
    if sender is None:
        raise ConfigError("context 'sesRegion' needs -c sesFromEmail=<an address SES has verified>")
    if not _REGION.match(region):
        raise ConfigError(f"context 'sesRegion' is '{region}': use a region name, e.g. us-east-1")
    return region


def _email_settings(get: ContextReader, mfa: bool) -> tuple[bool, str | None]:
    """E-mail MFA needs MFA on and the pool sending through SES (Cognito refuses it with its
    default e-mail sender); sesFromEmail alone moves all of the pool's e-mail to SES."""
    sender = optional_text(get("sesFromEmail"), "sesFromEmail")
    if sender is not None and not _EMAIL.match(sender):
        raise ConfigError(
            f"context 'sesFromEmail' is '{sender}': use an address SES has verified, "
            "e.g. no-reply@example.com"
        )
    mfa_email = flag(get("mfaEmail"), "mfaEmail", default=False)
    if mfa_email and not mfa:
        raise ConfigError("context 'mfaEmail' is a second factor: it needs -c mfa=true")
    if mfa_email and sender is None:
        raise ConfigError(
            "context 'mfaEmail' needs the pool to send e-mail through SES: add "
            "-c sesFromEmail=<an address SES has verified>"
        )
    return mfa_email, sender


SIGN_IN_KEYS = (
    "signInFactors",
    "passkeyRelyingPartyId",
    "passkeyUserVerification",
    "managedLogin",
    "issuerFormat",
    "mfaEmail",
    "sesFromEmail",
    "sesRegion",
)


def sign_in_config(get: ContextReader, stage: Stage, *, mfa: bool) -> SignInConfig:
    factors = _factors(get("signInFactors"), stage)
    relying_party_id, verification = _passkey_settings(get, factors)
    mfa_email, sender = _email_settings(get, mfa)
    return SignInConfig(
        factors=factors,
        passkey_relying_party_id=relying_party_id,
        passkey_user_verification=verification,
        managed_login=choice(get("managedLogin"), "managedLogin", ManagedLogin, ManagedLogin.V2),
        issuer_format=choice(
            get("issuerFormat"), "issuerFormat", IssuerFormat, IssuerFormat.ORIGINAL
        ),
        mfa_email=mfa_email,
        ses_from_email=sender,
        ses_region=_ses_region(get, sender),
    )


def refuse_without_cognito(get: ContextReader, auth: str) -> None:
    """These keys configure the app's own pool: with another provider they would do nothing."""
    for key in SIGN_IN_KEYS:
        if get(key) is not None:
            raise ConfigError(
                f"context '{key}' configures the Cognito user pool: with auth={auth} sign-in "
                "is your provider's setting"
            )
