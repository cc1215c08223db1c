"""AuthStack: the Cognito user pool that issues the JWTs the API accepts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.config import CognitoConfig
from stacks.config.sign_in import (
    IssuerFormat,
    ManagedLogin,
    PasskeyUserVerification,
    SignInConfig,
    SignInFactor,
)
from stacks.contract import (
    ADMIN_SCOPE_NAME,
    READ_SCOPE_NAME,
    WRITE_SCOPE_NAME,
    AuthOutput,
    cognito_scope,
)
from stacks.encryption import stage_key
from stacks.logged_function import LoggedFunction, lambda_code
from stacks.stable_ids import StableIdStack

OAUTH_SCOPES = ("openid", "email", "profile")
PRE_TOKEN_HANDLER = "pre_token.handler.handler"  # noqa: S105 - a module path


class AuthStack(StableIdStack):
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
        sign_in = cognito_config.sign_in
        self.user_pool = self._user_pool(
            retain_data=retain_data,
            mfa=mfa,
            sign_in=sign_in,
            options=self._sign_in_options(sign_in, cognito_config.domain_prefix),
        )
        self._add_resource_server(cognito_config.resource_server)
        self.client = self._user_client(cognito_config)
        v2 = sign_in.managed_login is ManagedLogin.V2
        self.domain = self.user_pool.add_domain(
            "HostedUiDomain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=cognito_config.domain_prefix),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN if v2 else None,
        )
        if v2:  # without a branding for the client, managed login says "Login pages unavailable"
            cognito.CfnManagedLoginBranding(
                self,
                "ManagedLoginBranding",
                user_pool_id=self.user_pool.user_pool_id,
                client_id=self.client.user_pool_client_id,
                use_cognito_provided_values=True,
            )
        self._add_pre_token_trigger(retain_data=retain_data)
        self.machine_client = self._machine_client() if cognito_config.machine_client else None
        self.issuer = self._issuer(sign_in.issuer_format)
        self.client_id = self.client.user_pool_client_id
        self._outputs(cognito_config)
        self.pin_grouped_logical_ids()

    def _user_pool(
        self, *, retain_data: bool, mfa: bool, sign_in: SignInConfig, options: dict[str, Any]
    ) -> cognito.UserPool:
        """Email sign-in and self sign-up, a 12-character policy, Essentials (for the trigger,
        choice-based sign-in, passkeys and managed login)."""
        return cognito.UserPool(
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
            # Set, not left to the default: the V2 pre token generation trigger below needs
            # Essentials (or Plus). Essentials bills per monthly active user (README).
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            mfa=cognito.Mfa.OPTIONAL if mfa else cognito.Mfa.OFF,
            mfa_second_factor=(
                cognito.MfaSecondFactor(otp=True, sms=False, email=sign_in.mfa_email or None)
                if mfa
                else None
            ),
            deletion_protection=retain_data,
            removal_policy=RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY,
            **options,
        )

    def _sign_in_options(self, sign_in: SignInConfig, domain_prefix: str) -> dict[str, Any]:
        """The pool's props for signInFactors, passkeys, SES and e-mail MFA: none of them for
        signInFactors=password, so such a pool synthesizes as it did before them."""
        options: dict[str, Any] = {}
        if sign_in.choice_based:
            options["sign_in_policy"] = cognito.SignInPolicy(
                allowed_first_auth_factors=cognito.AllowedFirstAuthFactors(
                    password=True,
                    email_otp=sign_in.allows(SignInFactor.EMAIL_OTP),
                    sms_otp=sign_in.allows(SignInFactor.SMS_OTP),
                    passkey=sign_in.allows(SignInFactor.PASSKEY),
                )
            )
        if sign_in.allows(SignInFactor.PASSKEY):
            # The relying party is the domain users see: the pool's Cognito domain by default.
            options["passkey_relying_party_id"] = (
                sign_in.passkey_relying_party_id
                or f"{domain_prefix}.auth.{self.region}.amazoncognito.com"
            )
            required = sign_in.passkey_user_verification is PasskeyUserVerification.REQUIRED
            options["passkey_user_verification"] = (
                cognito.PasskeyUserVerification.REQUIRED
                if required
                else cognito.PasskeyUserVerification.PREFERRED
            )
        if sign_in.allows(SignInFactor.SMS_OTP):
            options["sms_role"], options["sms_role_external_id"] = self._sms_role()
        if sign_in.ses_from_email is not None:
            # SES in the stack's own region unless sesRegion names the identity's.
            options["email"] = cognito.UserPoolEmail.with_ses(
                from_email=sign_in.ses_from_email, ses_region=sign_in.ses_region or Aws.REGION
            )
        return options

    def _sms_role(self) -> tuple[iam.Role, str]:
        """The role Cognito assumes to send SMS codes through SNS. Phone numbers have no ARN,
        so instead of CDK's default (sns:Publish on "*", topics included) it may publish to
        anything that is not an SNS topic ARN: phone numbers only."""
        external_id = f"{self.stack_name}-sms"
        role = iam.Role(
            self,
            "SmsRole",
            assumed_by=iam.ServicePrincipal(
                "cognito-idp.amazonaws.com",
                conditions={"StringEquals": {"sts:ExternalId": external_id}},
            ),
            inline_policies={
                "PublishToPhoneNumbers": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["sns:Publish"], not_resources=["arn:aws:sns:*:*:*"]
                        )
                    ]
                )
            },
        )
        return role, external_id

    def _issuer(self, issuer_format: IssuerFormat) -> str:
        """The `iss` of the pool's tokens: what the API's authorizer must match exactly."""
        if issuer_format is IssuerFormat.UPDATED:
            pool = self.user_pool.node.default_child  # the L2 has no prop for it
            assert isinstance(pool, cognito.CfnUserPool)
            pool.issuer_configuration = cognito.CfnUserPool.IssuerConfigurationProperty(
                type="UPDATED"
            )
            # The original issuer's export stays, so a deployed ApiStack that still imports it
            # does not block this deploy (strong references; README "Sign-in methods").
            self.export_value(self.user_pool.user_pool_provider_url)
            pool_id = self.user_pool.user_pool_id
            return f"https://issuer-cognito-idp.{self.region}.amazonaws.com/{pool_id}"
        return self.user_pool.user_pool_provider_url

    def _add_resource_server(self, server_id: str) -> None:
        """The API's scopes: users read/write their own profile, the back office reads any."""
        self.read_scope = cognito.ResourceServerScope(
            scope_name=READ_SCOPE_NAME, scope_description="Read your own profile"
        )
        self.write_scope = cognito.ResourceServerScope(
            scope_name=WRITE_SCOPE_NAME, scope_description="Create or replace your own profile"
        )
        self.admin_scope = cognito.ResourceServerScope(
            scope_name=ADMIN_SCOPE_NAME, scope_description="Read any user's profile (back office)"
        )
        self.resource_server = self.user_pool.add_resource_server(
            "ProfileApiResourceServer",
            identifier=server_id,
            user_pool_resource_server_name="Profile API",
            scopes=[self.read_scope, self.write_scope, self.admin_scope],
        )
        self.user_scopes = (
            cognito_scope(server_id, READ_SCOPE_NAME),
            cognito_scope(server_id, WRITE_SCOPE_NAME),
        )

    def _user_client(self, cognito_config: CognitoConfig) -> cognito.UserPoolClient:
        """The users' app client: no secret (a browser or app holds it), code + PKCE grants."""
        return self.user_pool.add_client(
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
                # Choice-based sign-in (e-mail codes, SMS codes, passkeys): signInFactors.
                user=cognito_config.sign_in.choice_based or None,
            ),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(
                    authorization_code_grant=True,
                    # The tutorial's hosted-UI redirect returns the tokens in the URL fragment;
                    # dev only (CognitoConfig.implicit_grant): prod allows the code grant alone.
                    implicit_code_grant=cognito_config.implicit_grant,
                ),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                    cognito.OAuthScope.resource_server(self.resource_server, self.read_scope),
                    cognito.OAuthScope.resource_server(self.resource_server, self.write_scope),
                ],
                callback_urls=list(cognito_config.callback_urls),
                logout_urls=list(cognito_config.callback_urls),
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            # -c refreshTokenRotation=true: each refresh returns a new refresh token (clients
            # then refresh with GetTokensFromRefreshToken; REFRESH_TOKEN_AUTH is refused).
            refresh_token_rotation_grace_period=(
                None
                if cognito_config.refresh_token_rotation is None
                else Duration.seconds(cognito_config.refresh_token_rotation)
            ),
        )

    def _machine_client(self) -> cognito.UserPoolClient:
        """A second client: client_credentials cannot share a client with the user grants,
        and needs a secret. No sign-in flows (a user cannot sign in through it)."""
        machine_client = self.user_pool.add_client(
            "MachineClient",
            generate_secret=True,
            auth_flows=cognito.AuthFlow(),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[cognito.OAuthScope.resource_server(self.resource_server, self.admin_scope)],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
        )
        # Unset, Cognito allows SRP and custom auth: refresh only, so no user signs in here.
        machine_cfn = machine_client.node.default_child
        assert isinstance(machine_cfn, cognito.CfnUserPoolClient)
        machine_cfn.explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]
        return machine_client

    def _outputs(self, cognito_config: CognitoConfig) -> None:
        redirect_uri = quote(cognito_config.callback_urls[0], safe="")
        # Without the implicit grant (prod) the links start the code flow: the app redeems it.
        response_type = "token" if cognito_config.implicit_grant else "code"
        hosted_ui_query = (
            f"client_id={self.client_id}&response_type={response_type}"
            f"&scope={'+'.join(OAUTH_SCOPES)}&redirect_uri={redirect_uri}"
        )
        CfnOutput(self, AuthOutput.USER_POOL_ID, value=self.user_pool.user_pool_id)
        CfnOutput(self, AuthOutput.CLIENT_ID, value=self.client_id)
        CfnOutput(self, AuthOutput.ISSUER, value=self.issuer)
        CfnOutput(
            self,
            AuthOutput.DISCOVERY_URL,
            description="The issuer's OpenID configuration (jwks_uri: the keys tokens verify with)",
            value=f"{self.issuer}/.well-known/openid-configuration",
        )
        CfnOutput(self, AuthOutput.HOSTED_UI_URL, value=self.domain.base_url())
        CfnOutput(
            self,
            AuthOutput.HOSTED_UI_SIGN_UP_URL,
            description="Open in a browser, sign up, then copy id_token from the redirect URL"
            if cognito_config.implicit_grant
            else "Open in a browser, sign up: your app at the redirect URL redeems the code",
            value=f"{self.domain.base_url()}/signup?{hosted_ui_query}",
        )
        CfnOutput(
            self,
            AuthOutput.HOSTED_UI_LOGIN_URL,
            value=f"{self.domain.base_url()}/login?{hosted_ui_query}",
        )
        CfnOutput(self, AuthOutput.TOKEN_ENDPOINT, value=f"{self.domain.base_url()}/oauth2/token")
        if self.machine_client is not None:
            CfnOutput(
                self,
                AuthOutput.MACHINE_CLIENT_ID,
                description="Its secret: aws cognito-idp describe-user-pool-client --user-pool-id "
                "<UserPoolId> --client-id <this> --query UserPoolClient.ClientSecret",
                value=self.machine_client.user_pool_client_id,
            )

    def _add_pre_token_trigger(self, *, retain_data: bool) -> None:
        """Event V2 trigger: the user scopes in access tokens of the user app client.

        Cognito puts custom scopes only into tokens from its OAuth endpoints; InitiateAuth/SRP
        sign-ins would carry none and get 403 on every scoped route. The function learns the
        user client's id from an SSM parameter: an environment variable would make a cycle
        (pool -> trigger -> client -> pool).
        """
        parameter_name = f"/{self.stack_name}/user-client-id"
        ssm.StringParameter(
            self,
            "UserClientIdParameter",
            parameter_name=parameter_name,
            string_value=self.client.user_pool_client_id,
            description="The user app client: the pre token trigger adds user scopes to its tokens",
        )
        retention = logs.RetentionDays.THREE_MONTHS if retain_data else logs.RetentionDays.ONE_WEEK
        removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
        # Prod: the trigger's log (user ids) is encrypted with this stack's own key, as ApiStack's
        # logs are with its key (a shared key would make the stacks depend on each other).
        key = (
            stage_key(self, "StageKey", for_logs=True, for_alarms=False, removal=removal)
            if retain_data
            else None
        )
        parameter_arn = self.format_arn(
            service="ssm", resource="parameter", resource_name=parameter_name.lstrip("/")
        )
        function = LoggedFunction(
            self,
            "PreTokenGeneration",
            handler=PRE_TOKEN_HANDLER,
            code=lambda_code(),
            environment={
                "USER_CLIENT_ID_PARAMETER": parameter_name,
                "USER_SCOPES": " ".join(self.user_scopes),
            },
            log_retention=retention,
            removal=removal,
            encryption_key=key,
            policy_name="WriteOwnLogsReadClientId",
            extra_statements=[
                iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter_arn])
            ],
        ).function
        self.user_pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
            function,
            cognito.LambdaVersion.V2_0,
        )
        self.pre_token_function = function
