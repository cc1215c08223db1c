"""AuthStack: user pool, app client and hosted-UI domain as the tutorial needs them."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from tests.stacks.conftest import Synthesized, synthesize
from tests.stacks.helpers import only_resource


def _auth(synth: Synthesized) -> dict[str, Any]:
    assert synth.auth_json is not None
    return synth.auth_json


def test_user_pool_signs_in_with_email_and_lets_users_sign_up(cognito: Synthesized) -> None:
    """GIVEN the dev stage WHEN the pool is synthesized THEN email is the user name, sign-up is
    open, email is auto-verified and the password policy is explicit."""
    pool = only_resource(_auth(cognito), "AWS::Cognito::UserPool")
    properties = pool["Properties"]
    assert properties["UsernameAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert properties["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12,
        "RequireLowercase": True,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 3,
    }
    assert pool["DeletionPolicy"] == "Delete"


def test_prod_user_pool_is_retained_and_protected(cognito_prod: Synthesized) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the pool is retained with deletion protection and
    optional TOTP MFA."""
    pool = only_resource(_auth(cognito_prod), "AWS::Cognito::UserPool")
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_app_client_uses_code_and_implicit_grants_with_openid_and_user_scopes(
    cognito: Synthesized,
) -> None:
    """GIVEN the app client WHEN synthesized THEN it has no secret, the code (PKCE) and implicit
    grants, scopes openid/email/profile plus the resource server's profile.read and
    profile.write (never profiles.read), and as callback and sign-out URLs the tutorial's
    https://localhost:3000 and the demo page's http://localhost:3002/ only."""
    server = {"Ref": Match.string_like_regexp("ProfileApiResourceServer")}
    cognito.auth.has_resource_properties(  # type: ignore[union-attr]
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": False,
            "AllowedOAuthFlows": ["implicit", "code"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": [
                "openid",
                "email",
                "profile",
                {"Fn::Join": ["", [server, "/profile.read"]]},
                {"Fn::Join": ["", [server, "/profile.write"]]},
            ],
            "CallbackURLs": ["https://localhost:3000", "http://localhost:3002/"],
            "LogoutURLs": ["https://localhost:3000", "http://localhost:3002/"],
            "SupportedIdentityProviders": ["COGNITO"],
            "PreventUserExistenceErrors": "ENABLED",
        },
    )


def test_prod_client_allows_the_code_grant_only_never_the_implicit_grant(
    cognito_prod: Synthesized,
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the app client allows the authorization-code grant
    alone: no implicit grant, whose tokens travel in the URL fragment (RFC 9700 says not to);
    dev keeps it for the tutorial's redirect (the test above)."""
    client = only_resource(_auth(cognito_prod), "AWS::Cognito::UserPoolClient")["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    outputs = _auth(cognito_prod)["Outputs"]
    for name in ("HostedUiSignUpUrl", "HostedUiLoginUrl"):  # links a prod client can follow
        parts = outputs[name]["Value"]["Fn::Join"][1]
        text = "".join(part for part in parts if isinstance(part, str))
        assert "response_type=code" in text
        assert "response_type=token" not in text


def test_dev_client_allows_srp_and_password_auth(cognito: Synthesized) -> None:
    """GIVEN dev WHEN synthesized THEN SRP and password auth flows are on (the token command),
    plus the IAM-only admin password flow that `make smoke` signs in with, and choice-based
    sign-in (USER_AUTH) for the default signInFactors."""
    client = only_resource(_auth(cognito), "AWS::Cognito::UserPoolClient")["Properties"]
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }


def test_prod_client_turns_password_auth_off(cognito_prod: Synthesized) -> None:
    """GIVEN prod without passwordAuth WHEN synthesized THEN public password auth is off: SRP,
    refresh and the admin flow (which needs IAM credentials, for `make smoke`) remain, with
    choice-based sign-in (USER_AUTH: passkeys by default)."""
    flows = only_resource(_auth(cognito_prod), "AWS::Cognito::UserPoolClient")["Properties"][
        "ExplicitAuthFlows"
    ]
    expected = "ALLOW_USER_AUTH ALLOW_USER_SRP_AUTH ALLOW_ADMIN_USER_PASSWORD_AUTH"
    assert set(flows) == {*expected.split(), "ALLOW_REFRESH_TOKEN_AUTH"}


def test_hosted_ui_domain_uses_the_configured_prefix(cognito: Synthesized) -> None:
    """GIVEN the default context WHEN synthesized THEN the domain prefix comes from cdk.json."""
    cognito.auth.has_resource_properties(  # type: ignore[union-attr]
        "AWS::Cognito::UserPoolDomain", {"Domain": "jwt-profile-api-demo"}
    )


def test_outputs_give_ids_issuer_and_a_ready_sign_up_url(cognito: Synthesized) -> None:
    """GIVEN AuthStack WHEN deployed THEN outputs hold the pool id, client id, issuer and a
    hosted-UI sign-up URL with response_type=token like the tutorial."""
    outputs = _auth(cognito)["Outputs"]
    assert {
        "UserPoolId",
        "ClientId",
        "Issuer",
        "HostedUiSignUpUrl",
        "HostedUiLoginUrl",
        "HostedUiUrl",
    } <= set(outputs)
    parts = outputs["HostedUiSignUpUrl"]["Value"]["Fn::Join"][1]
    text = "".join(part for part in parts if isinstance(part, str))
    assert "/signup?client_id=" in text
    assert "response_type=token" in text
    assert "redirect_uri=https%3A%2F%2Flocalhost%3A3000" in text
    cognito.auth.has_output(  # type: ignore[union-attr]
        "Issuer", {"Value": {"Fn::GetAtt": [Match.any_value(), "ProviderURL"]}}
    )


def test_user_client_rotates_refresh_tokens_only_when_asked(cognito: Synthesized) -> None:
    """GIVEN the default context WHEN synthesized THEN no RefreshTokenRotation; GIVEN
    -c refreshTokenRotation=true (and a grace period) WHEN synthesized THEN the user client has
    Feature ENABLED with that RetryGracePeriodSeconds (10 s by default), the machine client none."""
    client = only_resource(_auth(cognito), "AWS::Cognito::UserPoolClient")["Properties"]
    assert "RefreshTokenRotation" not in client
    for context, grace in (
        ({"refreshTokenRotation": "true"}, 10),
        ({"refreshTokenRotation": "true", "refreshTokenGracePeriod": "0"}, 0),
    ):
        rotating = synthesize(context | {"machineClient": "true"})
        clients = _auth(rotating)["Resources"].values()
        rotations = [
            r["Properties"].get("RefreshTokenRotation")
            for r in clients
            if r["Type"] == "AWS::Cognito::UserPoolClient"
        ]
        assert sorted(rotations, key=str) == sorted(
            [{"Feature": "ENABLED", "RetryGracePeriodSeconds": grace}, None], key=str
        )
