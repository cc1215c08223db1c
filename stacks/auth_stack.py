"""AuthStack: the Cognito user pool that issues the JWTs the API accepts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks.config import CognitoConfig
from stacks.contract import AuthOutput

OAUTH_SCOPES = ("openid", "email", "profile")


class AuthStack(Stack):
    """User pool, app client and hosted-UI domain; exposes `issuer` and `client_id` for ApiStack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cognito_config: CognitoConfig,
        retain_data: bool,
        mfa: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL if mfa else cognito.Mfa.OFF,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False) if mfa else None,
            deletion_protection=retain_data,
            removal_policy=RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY,
        )

        self.client = self.user_pool.add_client(
            "AppClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(
                user_srp=True,
                # Password auth sends the password to Cognito itself; it is what the token
                # command and the local run use. Prod leaves it off unless passwordAuth=true.
                user_password=cognito_config.password_auth,
                # Admin password auth needs IAM credentials (cognito-idp:AdminInitiateAuth), so it
                # opens nothing to the public; it lets `make smoke` sign in on every stage.
                admin_user_password=True,
            ),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(
                    authorization_code_grant=True,
                    # The tutorial's hosted-UI redirect returns the tokens in the URL fragment.
                    implicit_code_grant=True,
                ),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=list(cognito_config.callback_urls),
                logout_urls=list(cognito_config.callback_urls),
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )

        self.domain = self.user_pool.add_domain(
            "HostedUiDomain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=cognito_config.domain_prefix),
        )

        self.issuer = self.user_pool.user_pool_provider_url
        self.client_id = self.client.user_pool_client_id

        redirect_uri = quote(cognito_config.callback_urls[0], safe="")
        hosted_ui_query = (
            f"client_id={self.client_id}&response_type=token"
            f"&scope={'+'.join(OAUTH_SCOPES)}&redirect_uri={redirect_uri}"
        )
        CfnOutput(self, AuthOutput.USER_POOL_ID, value=self.user_pool.user_pool_id)
        CfnOutput(self, AuthOutput.CLIENT_ID, value=self.client_id)
        CfnOutput(self, AuthOutput.ISSUER, value=self.issuer)
        CfnOutput(self, AuthOutput.HOSTED_UI_URL, value=self.domain.base_url())
        CfnOutput(
            self,
            AuthOutput.HOSTED_UI_SIGN_UP_URL,
            description="Open in a browser, sign up, then copy id_token from the redirect URL",
            value=f"{self.domain.base_url()}/signup?{hosted_ui_query}",
        )
        CfnOutput(
            self,
            AuthOutput.HOSTED_UI_LOGIN_URL,
            value=f"{self.domain.base_url()}/login?{hosted_ui_query}",
        )
