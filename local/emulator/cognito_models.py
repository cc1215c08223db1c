"""CloudFormation types for Amazon Cognito, created in moto's own cognito-idp backend.

moto 5.2.5 has the Cognito APIs but its CloudFormation skips every AWS::Cognito::* type
(Ref resolves to None). These models create the real backend objects, so the pool, its
app client (with its ExplicitAuthFlows) and its domain answer the cognito-idp APIs, and
Ref / Fn::GetAtt return what AWS returns.

Each class subclasses CloudFormationModel directly: moto discovers CloudFormation types
through `CloudFormationModel.__subclasses__()` (direct subclasses only).
"""

from __future__ import annotations

import contextlib
from typing import Any

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

from ._cfn import as_bool, properties, unsupported_attribute


def _backend(account_id: str, region_name: str) -> CognitoIdpBackend:
    backend: CognitoIdpBackend = cognitoidp_backends[account_id][region_name]
    return backend


class CfnUserPool(CloudFormationModel):
    """AWS::Cognito::UserPool. Ref = pool id; GetAtt Arn, ProviderName, ProviderURL, UserPoolId."""

    ATTRIBUTES = frozenset({"Arn", "ProviderName", "ProviderURL", "UserPoolId"})

    def __init__(self, pool: CognitoIdpUserPool, account_id: str, region_name: str) -> None:
        self.pool = pool
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "UserPoolName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPool"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return str(self.pool.id)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        provider_name = f"cognito-idp.{self.region_name}.amazonaws.com/{self.pool.id}"
        values = {
            "Arn": str(self.pool.arn),
            "ProviderName": provider_name,
            "ProviderURL": f"https://{provider_name}",
            "UserPoolId": str(self.pool.id),
        }
        if attribute_name not in values:
            raise unsupported_attribute()
        return values[attribute_name]

    @staticmethod
    def _config(props: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """CreateUserPool takes the CloudFormation properties minus the name and EnabledMfas."""
        props.pop("UserPoolName", None)
        enabled_mfas = list(props.pop("EnabledMfas", None) or [])
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
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnUserPool:
        config, enabled_mfas = cls._config(properties(cloudformation_json))
        pool = _backend(account_id, region_name).create_user_pool(resource_name, config)
        model = cls(pool, account_id, region_name)
        model._apply_mfas(enabled_mfas)
        return model

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnUserPool,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnUserPool:
        config, enabled_mfas = cls._config(properties(cloudformation_json))
        config.pop("Schema", None)  # schema changes are add-only in AWS; keep moto's parsed one
        _backend(account_id, region_name).update_user_pool(original_resource.pool.id, config)
        original_resource.pool.name = new_resource_name
        original_resource._apply_mfas(enabled_mfas)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_from_cloudformation_json(self.pool.id, {}, account_id, region_name)

    def is_created(self) -> bool:
        return True


class CfnUserPoolClient(CloudFormationModel):
    """AWS::Cognito::UserPoolClient. Ref = client id; GetAtt ClientId, ClientSecret, Name.

    All other properties (ExplicitAuthFlows, OAuth flows/scopes, callback URLs, token
    validity, ...) are kept as the client's configuration, exactly as CreateUserPoolClient does.
    """

    ATTRIBUTES = frozenset({"ClientId", "ClientSecret", "Name"})

    def __init__(self, client: CognitoIdpUserPoolClient) -> None:
        self.client = client

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ClientName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolClient"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return str(self.client.id)

    def get_cfn_attribute(self, attribute_name: str) -> str | None:
        if attribute_name == "ClientId":
            return str(self.client.id)
        if attribute_name == "ClientSecret":
            return str(self.client.secret) if self.client.generate_secret else None
        if attribute_name == "Name":
            name = self.client.extended_config.get("ClientName")
            return None if name is None else str(name)
        raise unsupported_attribute()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnUserPoolClient:
        props = properties(cloudformation_json)
        pool_id = props.pop("UserPoolId")
        generate_secret = as_bool(props.pop("GenerateSecret", False))
        props["ClientName"] = resource_name
        client = _backend(account_id, region_name).create_user_pool_client(
            pool_id, generate_secret, props
        )
        return cls(client)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnUserPoolClient,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnUserPoolClient:
        props = properties(cloudformation_json)
        pool_id = props.pop("UserPoolId")
        props.pop("GenerateSecret", None)  # replacement-only in AWS; keep the existing secret
        props["ClientName"] = new_resource_name
        client = original_resource.client
        # UpdateUserPoolClient replaces the whole configuration: drop what the template dropped.
        for key in set(client.extended_config) - set(props):
            if key[:1].isupper() and key not in _CLIENT_DEFAULT_KEYS:
                del client.extended_config[key]
        _backend(account_id, region_name).update_user_pool_client(pool_id, client.id, props)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        pool_id = properties(cloudformation_json).get("UserPoolId")
        if pool_id:
            _delete_client(account_id, region_name, str(pool_id), resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _delete_client(account_id, region_name, self.client.user_pool_id, self.client.id)

    def is_created(self) -> bool:
        return True


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


def _delete_client(account_id: str, region_name: str, pool_id: str, client_id: str) -> None:
    with contextlib.suppress(ResourceNotFoundError):  # the pool may have gone first
        _backend(account_id, region_name).delete_user_pool_client(pool_id, client_id)


class CfnUserPoolDomain(CloudFormationModel):
    """AWS::Cognito::UserPoolDomain. Ref = the domain (prefix); GetAtt CloudFrontDistribution."""

    ATTRIBUTES = frozenset({"CloudFrontDistribution"})

    def __init__(self, domain: CognitoIdpUserPoolDomain) -> None:
        self.domain = domain

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolDomain"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return str(self.domain.domain)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "CloudFrontDistribution":
            return str(self.domain.to_json(extended=False)["CloudFrontDomain"])
        raise unsupported_attribute()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnUserPoolDomain:
        props = properties(cloudformation_json)
        domain = _backend(account_id, region_name).create_user_pool_domain(
            props["UserPoolId"], props["Domain"], props.get("CustomDomainConfig")
        )
        return cls(domain)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnUserPoolDomain,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnUserPoolDomain:
        props = properties(cloudformation_json)
        if props["Domain"] == original_resource.domain.domain:
            original_resource.domain.custom_domain_config = props.get("CustomDomainConfig") or {}
            return original_resource
        original_resource.delete(account_id, region_name)  # a new prefix is a replacement
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            _backend(account_id, region_name).delete_user_pool_domain(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_from_cloudformation_json(self.domain.domain, {}, account_id, region_name)

    def is_created(self) -> bool:
        return True


class CfnUserPoolResourceServer(CloudFormationModel):
    """AWS::Cognito::UserPoolResourceServer (custom OAuth scopes). Ref = its identifier."""

    def __init__(self, server: CognitoResourceServer, account_id: str, region_name: str) -> None:
        self.server = server
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Cognito::UserPoolResourceServer"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @property
    def physical_resource_id(self) -> str:
        return str(self.server.identifier)

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnUserPoolResourceServer:
        props = properties(cloudformation_json)
        server = _backend(account_id, region_name).create_resource_server(
            props["UserPoolId"], props["Identifier"], props["Name"], props.get("Scopes") or []
        )
        return cls(server, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnUserPoolResourceServer,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnUserPoolResourceServer:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        pool_id = properties(cloudformation_json).get("UserPoolId")
        pool = _backend(account_id, region_name).user_pools.get(str(pool_id))
        if pool is not None:
            pool.resource_servers.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        # moto has no DeleteResourceServer: drop it from its pool directly.
        pool = _backend(account_id, region_name).user_pools.get(self.server.user_pool_id)
        if pool is not None:
            pool.resource_servers.pop(self.server.identifier, None)

    def is_created(self) -> bool:
        return True


MODELS: tuple[type[CloudFormationModel], ...] = (
    CfnUserPool,
    CfnUserPoolClient,
    CfnUserPoolDomain,
    CfnUserPoolResourceServer,
)
