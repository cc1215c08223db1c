"""CloudFormation types for Amazon Cognito, created in moto's own cognito-idp backend.

moto 5.2.5 has the Cognito APIs but its CloudFormation skips every AWS::Cognito::* type
(Ref resolves to None). These models create the real backend objects, so the pool, its
app client (with its ExplicitAuthFlows) and its domain answer the cognito-idp APIs, and
Ref / Fn::GetAtt return what AWS returns.

Each class subclasses CloudFormationModel directly (the shared boilerplate comes from the
CfnModel mixins in _cfn): moto discovers CloudFormation types through
`CloudFormationModel.__subclasses__()` (direct subclasses only).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Self

from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    CognitoIdpUserPoolDomain,
    CognitoResourceServer,
    cognitoidp_backends,
)
from moto.core.common_models import CloudFormationModel

from .._cfn import CfnChildModel, CfnModel, as_bool
from . import sign_in_settings
from .models import ManagedLoginBranding, pool_state
from .pool_settings import EMAIL_MFA_KEY


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    backend: CognitoIdpBackend = cognitoidp_backends[account_id][region_name]
    return backend


def _pool_if_any(account_id: str, region_name: str, pool_id: str) -> CognitoIdpUserPool | None:
    """The pool, or None when it went first (a child's delete then has nothing to do)."""
    pool: CognitoIdpUserPool | None = _backend(account_id, region_name).user_pools.get(pool_id)
    return pool


class CfnUserPool(CfnModel, CloudFormationModel):
    """AWS::Cognito::UserPool. Ref = pool id; GetAtt Arn, ProviderName, ProviderURL, UserPoolId."""

    CFN_TYPE = "AWS::Cognito::UserPool"
    NAME_PROPERTY = "UserPoolName"
    ID_PATH = "pool.id"
    ID_ATTRIBUTE = "UserPoolId"
    ATTRIBUTES = frozenset({"Arn", "ProviderName", "ProviderURL"})

    def __init__(self, pool: CognitoIdpUserPool, account_id: str, region_name: str) -> None:
        self.pool = pool
        self.account_id = account_id
        self.region_name = region_name

    def attribute(self, name: str) -> str:
        if name == "Arn":
            return str(self.pool.arn)
        provider_name = f"cognito-idp.{self.region_name}.amazonaws.com/{self.pool.id}"
        return provider_name if name == "ProviderName" else f"https://{provider_name}"

    @staticmethod
    def _config(props: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """CreateUserPool takes the CloudFormation properties minus the name and EnabledMfas;
        the rest (Policies.SignInPolicy, WebAuthnRelyingPartyID, WebAuthnUserVerification,
        IssuerConfiguration, ...) is kept under its own name, where pool_settings reads it."""
        props.pop("UserPoolName", None)
        sign_in_settings.check(props)  # refused: the stack fails with Cognito's message
        enabled_mfas = list(props.pop("EnabledMfas", None) or [])
        if "EMAIL_OTP" in enabled_mfas:
            # SetUserPoolMfaConfig's EmailMfaConfiguration, from the template's own names.
            message = props.get("EmailAuthenticationMessage")
            subject = props.get("EmailAuthenticationSubject")
            props[EMAIL_MFA_KEY] = {
                key: value
                for key, value in (("Message", message), ("Subject", subject))
                if value is not None
            }
        return props, enabled_mfas

    def _apply_mfas(self, enabled_mfas: list[str]) -> None:
        # EnabledMfas is SetUserPoolMfaConfig's job in the API; keep it so MFA reads back.
        if "SOFTWARE_TOKEN_MFA" in enabled_mfas:
            self.pool.token_mfa_config = {"Enabled": True}
        if "SMS_MFA" in enabled_mfas:
            self.pool.sms_mfa_config = {
                "SmsConfiguration": self.pool.extended_config.get("SmsConfiguration", {})
            }

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        config, enabled_mfas = cls._config(props)
        pool = _backend(account_id, region_name).create_user_pool(name, config)
        model = cls(pool, account_id, region_name)
        model._apply_mfas(enabled_mfas)
        return model

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        config, enabled_mfas = self._config(props)
        config.pop("Schema", None)  # schema changes are add-only in AWS; keep moto's parsed one
        _backend(account_id, region_name).update_user_pool(self.pool.id, config)
        self.pool.name = name
        self._apply_mfas(enabled_mfas)
        return self

    @classmethod
    def remove(cls, account_id: str, region_name: str, resource_id: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool(resource_id)


class CfnUserPoolClient(CfnChildModel, CloudFormationModel):
    """AWS::Cognito::UserPoolClient. Ref = client id; GetAtt ClientId, ClientSecret, Name.

    All other properties (ExplicitAuthFlows, OAuth flows/scopes, callback URLs, token
    validity, RefreshTokenRotation, ...) are kept as the client's configuration, exactly as
    CreateUserPoolClient does; the local pool (local.emulator.server.cognito) honours them.
    """

    CFN_TYPE = "AWS::Cognito::UserPoolClient"
    NAME_PROPERTY = "ClientName"
    PARENT_PROPERTY = "UserPoolId"
    ID_PATH = "client.id"
    ID_ATTRIBUTE = "ClientId"
    ATTRIBUTES = frozenset({"ClientSecret", "Name"})

    def __init__(self, client: CognitoIdpUserPoolClient) -> None:
        self.client = client

    @property
    def parent_id(self) -> str:
        return str(self.client.user_pool_id)

    def attribute(self, name: str) -> str | None:
        if name == "ClientSecret":
            return str(self.client.secret) if self.client.generate_secret else None
        client_name = self.client.extended_config.get("ClientName")  # GetAtt Name
        return None if client_name is None else str(client_name)

    @staticmethod
    def _check_rotation(props: dict[str, Any]) -> None:
        """RefreshTokenRotation as Cognito validates it (the local pool then rotates)."""
        rotation = props.get("RefreshTokenRotation")
        if rotation is None:
            return
        feature = rotation.get("Feature") if isinstance(rotation, dict) else None
        if feature not in ("ENABLED", "DISABLED"):
            raise ValueError("RefreshTokenRotation.Feature must be ENABLED or DISABLED")
        grace = rotation.get("RetryGracePeriodSeconds", 0)
        if not str(grace).isdigit() or not 0 <= int(grace) <= 60:
            raise ValueError("RefreshTokenRotation.RetryGracePeriodSeconds must be 0-60")
        props["RefreshTokenRotation"] = {"Feature": feature, "RetryGracePeriodSeconds": int(grace)}

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        cls._check_rotation(props)
        pool_id = props.pop("UserPoolId")
        generate_secret = as_bool(props.pop("GenerateSecret", False))
        props["ClientName"] = name
        client = _backend(account_id, region_name).create_user_pool_client(
            pool_id, generate_secret, props
        )
        return cls(client)

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        self._check_rotation(props)
        pool_id = props.pop("UserPoolId")
        props.pop("GenerateSecret", None)  # replacement-only in AWS; keep the existing secret
        props["ClientName"] = name
        client = self.client
        # UpdateUserPoolClient replaces the whole configuration: drop what the template dropped.
        for key in set(client.extended_config) - set(props):
            if key[:1].isupper() and key not in _CLIENT_DEFAULT_KEYS:
                del client.extended_config[key]
        _backend(account_id, region_name).update_user_pool_client(pool_id, client.id, props)
        return self

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        with contextlib.suppress(ResourceNotFoundError):  # the pool may have gone first
            _backend(account_id, region_name).delete_user_pool_client(parent_id, resource_id)


# Keys moto's client starts with; an update must not remove them.
_CLIENT_DEFAULT_KEYS = frozenset(
    {
        "AllowedOAuthFlowsUserPoolClient",
        "AuthSessionValidity",
        "EnablePropagateAdditionalUserContextData",
        "EnableTokenRevocation",
        "RefreshTokenValidity",
    }
)


class CfnUserPoolDomain(CfnModel, CloudFormationModel):
    """AWS::Cognito::UserPoolDomain. Ref = the domain (prefix); GetAtt CloudFrontDistribution."""

    CFN_TYPE = "AWS::Cognito::UserPoolDomain"
    ID_PATH = "domain.domain"
    ATTRIBUTES = frozenset({"CloudFrontDistribution"})

    def __init__(self, domain: CognitoIdpUserPoolDomain) -> None:
        self.domain = domain

    def attribute(self, name: str) -> str:
        return str(self.domain.to_json(extended=False)["CloudFrontDomain"])

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        backend = _backend(account_id, region_name)
        domain = backend.create_user_pool_domain(
            props["UserPoolId"], props["Domain"], props.get("CustomDomainConfig")
        )
        model = cls(domain)
        model._keep_version(backend, props)
        return model

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        if props["Domain"] != self.domain.domain:
            return self.replace(name, props, account_id, region_name)  # a new prefix
        self.domain.custom_domain_config = props.get("CustomDomainConfig") or {}
        self._keep_version(_backend(account_id, region_name), props)
        return self

    def _keep_version(self, backend: CognitoIdpBackend, props: dict[str, Any]) -> None:
        """ManagedLoginVersion: 1 (classic hosted UI, the default) or 2 (managed login)."""
        version = props.get("ManagedLoginVersion", 1)
        if str(version) not in ("1", "2"):
            raise ValueError(f"ManagedLoginVersion must be 1 or 2, got {version!r}")
        pool = backend.describe_user_pool(self.domain.user_pool_id)
        pool_state(pool).domain_versions[self.domain.domain] = int(version)

    @classmethod
    def remove(cls, account_id: str, region_name: str, resource_id: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool_domain(resource_id)


class CfnUserPoolResourceServer(CfnChildModel, CloudFormationModel):
    """AWS::Cognito::UserPoolResourceServer (custom OAuth scopes). Ref = its identifier."""

    CFN_TYPE = "AWS::Cognito::UserPoolResourceServer"
    PARENT_PROPERTY = "UserPoolId"
    ID_PATH = "server.identifier"

    def __init__(self, server: CognitoResourceServer, account_id: str, region_name: str) -> None:
        self.server = server
        self.account_id = account_id
        self.region_name = region_name

    @property
    def parent_id(self) -> str:
        return str(self.server.user_pool_id)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        server = _backend(account_id, region_name).create_resource_server(
            props["UserPoolId"], props["Identifier"], props["Name"], props.get("Scopes") or []
        )
        return cls(server, account_id, region_name)

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        # moto has no DeleteResourceServer: drop it from its pool directly.
        pool = _pool_if_any(account_id, region_name, parent_id)
        if pool is not None:
            pool.resource_servers.pop(resource_id, None)


class CfnManagedLoginBranding(CfnChildModel, CloudFormationModel):
    """AWS::Cognito::ManagedLoginBranding: one app client's managed login style.
    Ref = GetAtt ManagedLoginBrandingId; kept in the pool's state (one per client)."""

    CFN_TYPE = "AWS::Cognito::ManagedLoginBranding"
    PARENT_PROPERTY = "UserPoolId"
    ID_PATH = "branding.branding_id"
    ID_ATTRIBUTE = "ManagedLoginBrandingId"

    def __init__(self, branding: ManagedLoginBranding, pool_id: str) -> None:
        self.branding = branding
        self.pool_id = pool_id

    @property
    def parent_id(self) -> str:
        return self.pool_id

    @staticmethod
    def _branding(branding_id: str, props: dict[str, Any]) -> ManagedLoginBranding:
        """The branding as Cognito checks it: Cognito's own values exclude settings/assets."""
        use_cognito = as_bool(props.get("UseCognitoProvidedValues", False))
        settings, assets = props.get("Settings"), list(props.get("Assets") or [])
        if use_cognito and (settings or assets):
            raise ValueError(
                "ManagedLoginBranding: UseCognitoProvidedValues excludes Settings and Assets"
            )
        if settings is not None and not isinstance(settings, dict):
            raise ValueError("ManagedLoginBranding: Settings must be a JSON object")
        return ManagedLoginBranding(
            branding_id, str(props.get("ClientId") or ""), use_cognito, settings, assets
        )

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        pool = _backend(account_id, region_name).describe_user_pool(props["UserPoolId"])
        branding = cls._branding(str(uuid.uuid4()), props)
        if branding.client_id not in pool.clients:
            raise ValueError(f"User pool client {branding.client_id} does not exist.")
        state = pool_state(pool)
        if any(b.client_id == branding.client_id for b in state.brandings.values()):
            raise ValueError(
                f"ManagedLoginBrandingExistsException: client {branding.client_id} "
                "already has a managed login branding"
            )
        state.brandings[branding.branding_id] = branding
        return cls(branding, pool.id)

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        if props["UserPoolId"] != self.pool_id or props.get("ClientId") != self.branding.client_id:
            return self.replace(name, props, account_id, region_name)  # replacement in AWS
        pool = _backend(account_id, region_name).describe_user_pool(self.pool_id)
        created = self.branding.created
        self.branding = self._branding(self.branding.branding_id, props)
        self.branding.created = created
        pool_state(pool).brandings[self.branding.branding_id] = self.branding
        return self

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        kept = _pool_if_any(account_id, region_name, parent_id)
        brandings = {} if kept is None else pool_state(kept).brandings
        brandings.pop(resource_id, None)


MODELS: tuple[type[CloudFormationModel], ...] = (
    CfnUserPool,
    CfnUserPoolClient,
    CfnUserPoolDomain,
    CfnUserPoolResourceServer,
    CfnManagedLoginBranding,
)
