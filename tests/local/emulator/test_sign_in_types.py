"""The add-on's CloudFormation types keep issue 31's pool settings: the sign-in policy, the
passkey settings, the issuer format, e-mail MFA, managed login's version and its branding."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.emulator import templates
from tests.local.emulator.conftest import AwsClient
from tests.local.emulator.test_cloudformation_addon import deploy, outputs

STACK = "EmuSignIn"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def sign_in_template(pool_name: str, prefix: str) -> dict[str, Any]:
    """The auth template with what `signInFactors`, passkeys, `issuerFormat=updated`,
    `mfaEmail` and `managedLogin=v2` synthesize."""
    template = templates.standalone_auth(pool_name, prefix)
    resources = template["Resources"]
    pool = resources["Pool"]["Properties"]
    pool["Policies"]["SignInPolicy"] = {
        "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    }
    pool["WebAuthnRelyingPartyID"] = {
        "Fn::Join": ["", [prefix, ".auth.", {"Ref": "AWS::Region"}, ".amazoncognito.com"]]
    }
    pool["WebAuthnUserVerification"] = "required"
    pool["IssuerConfiguration"] = {"Type": "UPDATED"}
    pool["MfaConfiguration"] = "OPTIONAL"
    pool["EnabledMfas"] = ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    pool["EmailAuthenticationSubject"] = "Your sign-in code"
    pool["EmailConfiguration"] = {
        "EmailSendingAccount": "DEVELOPER",
        "From": "no-reply@example.com",
        "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
    }
    resources["Domain"]["Properties"]["ManagedLoginVersion"] = 2
    resources["Branding"] = {
        "Type": "AWS::Cognito::ManagedLoginBranding",
        "Properties": {
            "UserPoolId": {"Ref": "Pool"},
            "ClientId": {"Ref": "Client"},
            "UseCognitoProvidedValues": True,
        },
    }
    template["Outputs"]["BrandingRef"] = {"Value": {"Ref": "Branding"}}
    template["Outputs"]["BrandingId"] = {
        "Value": {"Fn::GetAtt": ["Branding", "ManagedLoginBrandingId"]}
    }
    return template


@pytest.fixture(scope="module")
def deployed(aws: AwsClient) -> dict[str, str]:
    assert deploy(aws, STACK, sign_in_template("emu-sign-in", "emu-sign-in")) == "CREATE_COMPLETE"
    return outputs(aws, STACK)


def test_user_pool_keeps_sign_in_policy_and_issuer_format(
    aws: AwsClient, deployed: dict[str, str]
) -> None:
    """GIVEN a UserPool with a SignInPolicy and IssuerConfiguration UPDATED
    WHEN deployed THEN DescribeUserPool answers both, beside the password policy."""
    pool = aws("cognito-idp").describe_user_pool(UserPoolId=deployed["PoolId"])["UserPool"]
    factors = pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]
    assert factors == ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["IssuerConfiguration"] == {"Type": "UPDATED"}


def test_user_pool_keeps_passkey_settings_and_email_mfa(
    aws: AwsClient, deployed: dict[str, str]
) -> None:
    """GIVEN a UserPool with WebAuthn settings and EnabledMfas TOTP + EMAIL_OTP
    WHEN deployed THEN GetUserPoolMfaConfig answers them as the API names them."""
    config = aws("cognito-idp").get_user_pool_mfa_config(UserPoolId=deployed["PoolId"])
    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert config["EmailMfaConfiguration"] == {"Subject": "Your sign-in code"}
    assert config["WebAuthnConfiguration"] == {
        "RelyingPartyId": "emu-sign-in.auth.us-east-1.amazoncognito.com",
        "UserVerification": "required",
    }


def test_managed_login_branding_resolves_its_id(deployed: dict[str, str]) -> None:
    """GIVEN a ManagedLoginBranding for the stack's client WHEN deployed
    THEN Ref and GetAtt ManagedLoginBrandingId give the same generated id."""
    assert UUID.match(deployed["BrandingRef"])
    assert deployed["BrandingId"] == deployed["BrandingRef"]


def _failure_reason(aws: AwsClient, stack: str) -> str:
    events = aws("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return str(events[0].get("ResourceStatusReason", ""))


def test_branding_for_a_client_not_in_the_pool_fails_the_stack(aws: AwsClient) -> None:
    """GIVEN a ManagedLoginBranding naming a client id the pool does not have
    WHEN deployed THEN the stack fails and says which client, as CloudFormation does."""
    template = sign_in_template("emu-branding-bad", "emu-branding-bad")
    template["Resources"]["Branding"]["Properties"]["ClientId"] = "notaclientid0000000000000"
    assert deploy(aws, "EmuBrandingBad", template) == "CREATE_FAILED"
    assert "notaclientid0000000000000" in _failure_reason(aws, "EmuBrandingBad")


def test_second_branding_for_one_client_fails_the_stack(aws: AwsClient) -> None:
    """GIVEN two ManagedLoginBranding resources for the same app client
    WHEN deployed THEN the stack fails: Cognito allows one style per client."""
    template = sign_in_template("emu-branding-two", "emu-branding-two")
    template["Resources"]["Branding2"] = copy.deepcopy(template["Resources"]["Branding"])
    assert deploy(aws, "EmuBrandingTwo", template) == "CREATE_FAILED"
    assert "already has a managed login branding" in _failure_reason(aws, "EmuBrandingTwo")


def test_branding_with_both_cognito_values_and_settings_fails_the_stack(aws: AwsClient) -> None:
    """GIVEN a branding with UseCognitoProvidedValues and its own Settings
    WHEN deployed THEN the stack fails: Cognito takes one or the other."""
    template = sign_in_template("emu-branding-both", "emu-branding-both")
    template["Resources"]["Branding"]["Properties"]["Settings"] = {"components": {}}
    assert deploy(aws, "EmuBrandingBoth", template) == "CREATE_FAILED"
    assert "UseCognitoProvidedValues" in _failure_reason(aws, "EmuBrandingBoth")


def test_domain_with_an_unknown_managed_login_version_fails_the_stack(aws: AwsClient) -> None:
    """GIVEN a UserPoolDomain with ManagedLoginVersion 3 WHEN deployed THEN the stack fails."""
    template = sign_in_template("emu-version-bad", "emu-version-bad")
    template["Resources"]["Domain"]["Properties"]["ManagedLoginVersion"] = 3
    assert deploy(aws, "EmuVersionBad", template) == "CREATE_FAILED"
    assert "ManagedLoginVersion" in _failure_reason(aws, "EmuVersionBad")


@pytest.fixture(scope="module")
def plain_pool(aws: AwsClient) -> str:
    """A pool made through the API, sending e-mail with Cognito's default sender."""
    pool_id: str = aws("cognito-idp").create_user_pool(PoolName="emu-mfa-api")["UserPool"]["Id"]
    return pool_id


def test_set_mfa_config_keeps_passkey_settings(aws: AwsClient, plain_pool: str) -> None:
    """GIVEN a pool WHEN SetUserPoolMfaConfig names WebAuthnConfiguration
    THEN it answers and GetUserPoolMfaConfig reads back the relying party and verification."""
    cognito = aws("cognito-idp")
    web_authn = {"RelyingPartyId": "localhost", "UserVerification": "required"}
    answer = cognito.set_user_pool_mfa_config(
        UserPoolId=plain_pool,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        WebAuthnConfiguration=web_authn,
    )
    assert answer["WebAuthnConfiguration"] == web_authn
    config = cognito.get_user_pool_mfa_config(UserPoolId=plain_pool)
    assert config["WebAuthnConfiguration"] == web_authn
    assert "EmailMfaConfiguration" not in config


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"EmailMfaConfiguration": {"Subject": "code"}}, "Amazon SES"),
        (
            {
                "SoftwareTokenMfaConfiguration": {"Enabled": True},
                "WebAuthnConfiguration": {"UserVerification": "sometimes"},
            },
            "UserVerification",
        ),
        ({}, "At least one of"),
    ],
    ids=["email-without-ses", "bad-user-verification", "no-factor"],
)
def test_set_mfa_config_refuses_bad_input_and_keeps_the_pool(
    aws: AwsClient, plain_pool: str, request_fields: dict[str, Any], message: str
) -> None:
    """GIVEN a pool with Cognito's default e-mail sender WHEN SetUserPoolMfaConfig asks for
    e-mail MFA, an unknown user verification or no factor at all
    THEN InvalidParameterException names the problem and the pool's MFA stays as it was."""
    cognito = aws("cognito-idp")
    before = cognito.get_user_pool_mfa_config(UserPoolId=plain_pool)
    before.pop("ResponseMetadata")
    with pytest.raises(ClientError) as raised:
        cognito.set_user_pool_mfa_config(
            UserPoolId=plain_pool, MfaConfiguration="OPTIONAL", **request_fields
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert message in error["Message"]
    after = cognito.get_user_pool_mfa_config(UserPoolId=plain_pool)
    after.pop("ResponseMetadata")
    assert after == before


def test_email_mfa_on_an_ses_pool_reads_back(aws: AwsClient) -> None:
    """GIVEN a pool sending through SES WHEN SetUserPoolMfaConfig turns e-mail MFA on
    THEN GetUserPoolMfaConfig answers its message settings; off again, they are gone."""
    cognito = aws("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="emu-mfa-ses",
        EmailConfiguration={
            "EmailSendingAccount": "DEVELOPER",
            "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
        },
    )["UserPool"]["Id"]
    email = {"Message": "Your code is {####}", "Subject": "Sign-in code"}
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=email
    )
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["EmailMfaConfiguration"] == email
    cognito.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert "EmailMfaConfiguration" not in cognito.get_user_pool_mfa_config(UserPoolId=pool_id)


def test_domain_and_branding_read_back_through_the_api(
    aws: AwsClient, deployed: dict[str, str]
) -> None:
    """GIVEN the deployed domain (ManagedLoginVersion 2) and the client's branding
    WHEN DescribeUserPoolDomain and DescribeManagedLoginBranding(ByClient) are called
    THEN the version is 2 and both answer the branding with Cognito's values."""
    cognito = aws("cognito-idp")
    domain = cognito.describe_user_pool_domain(Domain="emu-sign-in")["DomainDescription"]
    assert domain["ManagedLoginVersion"] == 2
    pool_id, branding_id = deployed["PoolId"], deployed["BrandingId"]
    by_client = cognito.describe_managed_login_branding_by_client(
        UserPoolId=pool_id, ClientId=deployed["ClientId"]
    )["ManagedLoginBranding"]
    by_id = cognito.describe_managed_login_branding(
        UserPoolId=pool_id, ManagedLoginBrandingId=branding_id
    )["ManagedLoginBranding"]
    assert by_client == by_id
    assert (by_id["ManagedLoginBrandingId"], by_id["UserPoolId"]) == (branding_id, pool_id)
    assert by_id["UseCognitoProvidedValues"] is True


def test_a_client_without_branding_and_a_classic_domain_read_as_such(
    aws: AwsClient, plain_pool: str
) -> None:
    """GIVEN a pool whose domain and client were made through the API, without a branding
    WHEN read THEN the domain is version 1 (classic) and the branding lookups answer
    ResourceNotFoundException, by client and by an unknown id."""
    cognito = aws("cognito-idp")
    cognito.create_user_pool_domain(UserPoolId=plain_pool, Domain="emu-classic-domain")
    domain = cognito.describe_user_pool_domain(Domain="emu-classic-domain")["DomainDescription"]
    assert domain["ManagedLoginVersion"] == 1
    client_id = cognito.create_user_pool_client(UserPoolId=plain_pool, ClientName="plain")[
        "UserPoolClient"
    ]["ClientId"]
    for call, argument in (
        (cognito.describe_managed_login_branding_by_client, {"ClientId": client_id}),
        (cognito.describe_managed_login_branding, {"ManagedLoginBrandingId": "nope"}),
    ):
        with pytest.raises(ClientError) as raised:
            call(UserPoolId=plain_pool, **argument)
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


BAD_POOL_SETTINGS = [
    ({"IssuerConfiguration": {"Type": "NEWEST"}}, "enum value set: [ORIGINAL, UPDATED]"),
    (
        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "MAGIC_LINK"]}}},
        "Value 'MAGIC_LINK' at 'policies.signInPolicy.allowedFirstAuthFactors'",
    ),
    (
        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["EMAIL_OTP"]}}},
        "must include PASSWORD",
    ),
]


def _pool_names(aws: AwsClient) -> set[str]:
    pools = aws("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return {str(pool["Name"]) for pool in pools}


@pytest.mark.parametrize(("settings", "message"), BAD_POOL_SETTINGS)
def test_create_and_update_refuse_bad_sign_in_settings(
    aws: AwsClient, plain_pool: str, settings: dict[str, Any], message: str
) -> None:
    """GIVEN an unknown issuer type, an unknown factor or factors without PASSWORD
    WHEN CreateUserPool or UpdateUserPool names it THEN InvalidParameterException says why,
    no pool is made and the existing pool keeps its settings."""
    cognito = aws("cognito-idp")
    before = cognito.describe_user_pool(UserPoolId=plain_pool)["UserPool"]
    calls: tuple[Callable[[], object], ...] = (
        lambda: cognito.create_user_pool(PoolName="emu-refused-pool", **settings),
        lambda: cognito.update_user_pool(UserPoolId=plain_pool, **settings),
    )
    for call in calls:
        with pytest.raises(ClientError) as raised:
            call()
        error = raised.value.response["Error"]
        assert error["Code"] == "InvalidParameterException"
        assert message in error["Message"]
    assert "emu-refused-pool" not in _pool_names(aws)
    after = cognito.describe_user_pool(UserPoolId=plain_pool)["UserPool"]
    assert after.get("Policies") == before.get("Policies")
    assert after.get("IssuerConfiguration") == before.get("IssuerConfiguration")


def test_user_pool_type_with_a_bad_issuer_type_fails_the_stack(aws: AwsClient) -> None:
    """GIVEN a UserPool with IssuerConfiguration Type NEWEST WHEN deployed THEN the stack
    fails with Cognito's validation message."""
    template = sign_in_template("emu-issuer-bad", "emu-issuer-bad")
    template["Resources"]["Pool"]["Properties"]["IssuerConfiguration"] = {"Type": "NEWEST"}
    assert deploy(aws, "EmuIssuerBad", template) == "CREATE_FAILED"
    assert "issuerConfiguration.type" in _failure_reason(aws, "EmuIssuerBad")
