"""What the sign-in keys put in the templates: the pool's first factors and passkey settings,
managed login and its branding, SMS and SES for codes, and the issuer the authorizer trusts."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.contract import AuthOutput
from tests.stacks.conftest import Synthesized, synthesize
from tests.stacks.helpers import only_resource


def _auth(synth: Synthesized) -> dict[str, Any]:
    assert synth.auth_json is not None
    return synth.auth_json


def _pool(synth: Synthesized) -> dict[str, Any]:
    properties: dict[str, Any] = only_resource(_auth(synth), "AWS::Cognito::UserPool")["Properties"]
    return properties


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _authorizer_issuer(synth: Synthesized) -> Any:
    authorizer = only_resource(synth.api_json, "AWS::ApiGatewayV2::Authorizer")
    return authorizer["Properties"]["JwtConfiguration"]["Issuer"]


@pytest.fixture(scope="module")
def password_only() -> Synthesized:
    return synthesize({"signInFactors": "password"})


def test_default_pool_offers_its_factors_and_passkeys_on_its_own_domain(
    cognito: Synthesized,
) -> None:
    """GIVEN the dev defaults WHEN synthesized THEN the sign-in policy lists PASSWORD,
    EMAIL_OTP and WEB_AUTHN, and passkeys' relying party is the pool's Cognito domain."""
    pool = _pool(cognito)
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        "EMAIL_OTP",
        "WEB_AUTHN",
    ]
    assert pool["WebAuthnRelyingPartyID"] == {
        "Fn::Join": [
            "",
            ["jwt-profile-api-demo.auth.", {"Ref": "AWS::Region"}, ".amazoncognito.com"],
        ]
    }
    assert pool["WebAuthnUserVerification"] == "preferred"
    assert pool["UserPoolTier"] == "ESSENTIALS"


def test_managed_login_v2_brands_the_user_client(cognito: Synthesized) -> None:
    """GIVEN managedLogin=v2 (the default) WHEN synthesized THEN the domain is version 2 and a
    ManagedLoginBranding with Cognito's values names the user client, so pages are available."""
    auth = _auth(cognito)
    domain = only_resource(auth, "AWS::Cognito::UserPoolDomain")["Properties"]
    assert domain["ManagedLoginVersion"] == 2
    branding = only_resource(auth, "AWS::Cognito::ManagedLoginBranding")["Properties"]
    clients = {
        logical_id
        for logical_id, resource in auth["Resources"].items()
        if resource["Type"] == "AWS::Cognito::UserPoolClient"
    }
    assert branding["ClientId"]["Ref"] in clients
    assert branding["UseCognitoProvidedValues"] is True


def test_password_alone_keeps_the_pool_as_before(password_only: Synthesized) -> None:
    """GIVEN signInFactors=password WHEN synthesized THEN no sign-in policy, no passkey
    settings and no USER_AUTH flow: nothing to choose between."""
    pool = _pool(password_only)
    assert "SignInPolicy" not in pool["Policies"]
    assert "WebAuthnRelyingPartyID" not in pool
    client = only_resource(_auth(password_only), "AWS::Cognito::UserPoolClient")["Properties"]
    assert "ALLOW_USER_AUTH" not in client["ExplicitAuthFlows"]


def test_sms_codes_email_mfa_and_classic_pages(synthesized: dict[str, Synthesized]) -> None:
    """GIVEN SMS codes, e-mail MFA through SES and the classic hosted UI WHEN synthesized THEN
    the pool sends SMS through a role limited to phone numbers and e-mail through SES, offers
    EMAIL_OTP as MFA, and the domain has no managed login version nor branding."""
    synth = synthesized["cognito-sms-email-mfa"]
    auth, pool = _auth(synth), _pool(synth)
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert pool["EmailConfiguration"]["EmailSendingAccount"] == "DEVELOPER"
    assert pool["EmailConfiguration"]["From"] == "no-reply@example.com"
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        "EMAIL_OTP",
        "SMS_OTP",
    ]
    (role,) = [
        r
        for r in _resources(auth, "AWS::IAM::Role")
        if r["Properties"]["Policies"][0]["PolicyName"] == "PublishToPhoneNumbers"
    ]
    (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement == {
        "Action": "sns:Publish",
        "Effect": "Allow",
        "NotResource": "arn:aws:sns:*:*:*",
    }
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert (
        trust["Condition"]["StringEquals"]["sts:ExternalId"]
        == (pool["SmsConfiguration"]["ExternalId"])
    )
    domain = only_resource(auth, "AWS::Cognito::UserPoolDomain")["Properties"]
    assert "ManagedLoginVersion" not in domain
    assert _resources(auth, "AWS::Cognito::ManagedLoginBranding") == []


def test_updated_issuer_is_what_the_authorizer_trusts(synthesized: dict[str, Synthesized]) -> None:
    """GIVEN issuerFormat=updated WHEN synthesized THEN the pool's IssuerConfiguration is
    UPDATED, and the authorizer, the Issuer outputs and the discovery URL name
    https://issuer-cognito-idp.<region>.amazonaws.com/<poolId>."""
    synth = synthesized["cognito-passkeys-updated-issuer"]
    auth = _auth(synth)
    pool = _pool(synth)
    assert pool["IssuerConfiguration"] == {"Type": "UPDATED"}
    assert (pool["WebAuthnRelyingPartyID"], pool["WebAuthnUserVerification"]) == (
        "auth.example.com",
        "required",
    )
    parts = _authorizer_issuer(synth)["Fn::Join"][1]
    assert parts[0] == "https://issuer-cognito-idp."
    assert parts[1] == {"Ref": "AWS::Region"}
    assert parts[2] == ".amazonaws.com/"
    assert "ExportsOutputRefUserPool" in parts[3]["Fn::ImportValue"]
    outputs = auth["Outputs"]
    assert outputs[AuthOutput.ISSUER]["Value"]["Fn::Join"][1][0] == "https://issuer-cognito-idp."
    assert outputs[AuthOutput.DISCOVERY_URL]["Value"]["Fn::Join"][1][-1] == (
        "/.well-known/openid-configuration"
    )
    # The original issuer's export stays: a deployed ApiStack importing it cannot block this.
    assert any("ProviderURL" in name for name in outputs)


def test_original_issuer_is_the_pools_provider_url(cognito: Synthesized) -> None:
    """GIVEN the default issuer format WHEN synthesized THEN no IssuerConfiguration and the
    authorizer imports the pool's ProviderURL (https://cognito-idp.<region>...)."""
    assert "IssuerConfiguration" not in _pool(cognito)
    assert "ProviderURL" in _authorizer_issuer(cognito)["Fn::ImportValue"]
