"""CloudFormation types for API Gateway v2 (HTTP APIs), created in moto's apigatewayv2 backend.

moto 5.2.5 has the apigatewayv2 APIs but no AWS::ApiGatewayV2::* CloudFormation types. These
models create the real API, stage, routes, integrations and authorizers, so `get_routes`,
`get_integrations` and `get_authorizers` return what the template declared (JwtConfiguration,
IdentitySource, AuthorizationType, Target, IntegrationUri, PayloadFormatVersion, ...).

moto's apigatewayv2 objects keep request dicts in their REST-JSON (camelCase) shape, so the
PascalCase CloudFormation properties are translated before they are stored.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, ClassVar, Generic, Self, TypeVar

from moto.apigatewayv2.exceptions import ApiMappingNotFound, ApiNotFound, DomainNameNotFound
from moto.apigatewayv2.models import (
    Api,
    ApiGatewayV2Backend,
    ApiMapping,
    Authorizer,
    DomainName,
    Integration,
    Route,
    Stage,
    apigatewayv2_backends,
)
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.common_models import CloudFormationModel
from moto.core.common_types import TYPE_RESPONSE

from . import moto_seam
from ._cfn import CfnChildModel, CfnModel, as_bool, camel_keys, pick

ItemT = TypeVar("ItemT")


def _backend(account_id: str, region_name: str) -> ApiGatewayV2Backend:
    backend: ApiGatewayV2Backend = apigatewayv2_backends[account_id][region_name]
    return backend


def _api_or_none(account_id: str, region_name: str, api_id: str) -> Api | None:
    try:
        return _backend(account_id, region_name).get_api(api_id)
    except ApiNotFound:
        return None  # the API went first: its children went with it


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else as_bool(value)


class CfnApi(CfnModel, CloudFormationModel):
    """AWS::ApiGatewayV2::Api. Ref = api id; GetAtt ApiEndpoint, ApiId."""

    CFN_TYPE = "AWS::ApiGatewayV2::Api"
    NAME_PROPERTY = "Name"
    ID_PATH = "api.api_id"
    ID_ATTRIBUTE = "ApiId"
    ATTRIBUTES = frozenset({"ApiEndpoint"})

    def __init__(self, api: Api) -> None:
        self.api = api

    def attribute(self, name: str) -> str:
        return str(self.api.api_endpoint)  # the one name in ATTRIBUTES

    @staticmethod
    def _settings(props: dict[str, Any]) -> dict[str, Any]:
        cors = props.get("CorsConfiguration")
        return {
            "api_key_selection_expression": props.get("ApiKeySelectionExpression"),
            "cors_configuration": camel_keys(cors) if cors else None,
            "description": props.get("Description"),
            "disable_schema_validation": _optional_bool(props.get("DisableSchemaValidation")),
            "disable_execute_api_endpoint": _optional_bool(props.get("DisableExecuteApiEndpoint")),
            "route_selection_expression": props.get("RouteSelectionExpression"),
            "version": props.get("Version"),
        }

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        api = _backend(account_id, region_name).create_api(
            name=name,
            protocol_type=props.get("ProtocolType", "HTTP"),
            tags=props.get("Tags") or {},
            **cls._settings(props),
        )
        if props.get("Body"):
            # OpenAPI body: JSON is valid YAML, which is what moto's importer parses.
            api.import_api(json.dumps(props["Body"]), as_bool(props.get("FailOnWarnings")))
        return cls(api)

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        self.api.update(name=name, **self._settings(props))
        return self

    @classmethod
    def remove(cls, account_id: str, region_name: str, resource_id: str) -> None:
        _backend(account_id, region_name).delete_api(resource_id)


class _ApiChild(CfnChildModel, Generic[ItemT]):
    """A stage, route, integration or authorizer: an item of one of its API's dicts.

    Subclasses say which dict (COLLECTION), which field of the item is its id (ITEM_ID)
    and how moto's backend creates the item from the properties (create_item).
    """

    PARENT_PROPERTY = "ApiId"
    ID_PATH = "item_id"
    COLLECTION: ClassVar[str]  # the Api attribute holding these items, keyed by id
    ITEM_ID: ClassVar[str]

    def __init__(self, api_id: str, item: ItemT) -> None:
        self.api_id = api_id
        self.item = item

    @property
    def item_id(self) -> str:
        return str(getattr(self.item, self.ITEM_ID))

    @property
    def parent_id(self) -> str:
        return self.api_id

    @classmethod
    def create_item(
        cls, backend: ApiGatewayV2Backend, api_id: str, name: str, props: dict[str, Any]
    ) -> ItemT:
        raise NotImplementedError

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        api_id = str(props["ApiId"])
        return cls(api_id, cls.create_item(_backend(account_id, region_name), api_id, name, props))

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        # Rebuild from the full new properties, keeping the id that other resources reference.
        new = self.create(name, props, account_id, region_name)
        items = getattr(_backend(account_id, region_name).get_api(new.api_id), self.COLLECTION)
        old_id = getattr(self.item, self.ITEM_ID)
        items.pop(getattr(new.item, self.ITEM_ID))
        self.delete(account_id, region_name)
        setattr(new.item, self.ITEM_ID, old_id)
        items[old_id] = new.item
        return new

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        api = _api_or_none(account_id, region_name, parent_id)
        if api is not None:
            getattr(api, cls.COLLECTION).pop(resource_id, None)


class CfnStage(_ApiChild[Stage], CloudFormationModel):
    """AWS::ApiGatewayV2::Stage. Ref = stage name."""

    CFN_TYPE = "AWS::ApiGatewayV2::Stage"
    COLLECTION = "stages"
    ITEM_ID = "name"

    @staticmethod
    def _config(props: dict[str, Any]) -> dict[str, Any]:
        """CreateStage's request body, which is what moto's Stage is built from."""
        config = pick(
            props,
            ("StageName", "Description", "ClientCertificateId", "DeploymentId", "Tags"),
        )
        config["stageVariables"] = props.get("StageVariables") or {}
        if props.get("AutoDeploy") is not None:
            config["autoDeploy"] = as_bool(props["AutoDeploy"])
        if props.get("AccessLogSettings"):
            config["accessLogSettings"] = camel_keys(props["AccessLogSettings"])
        if props.get("DefaultRouteSettings"):
            config["defaultRouteSettings"] = camel_keys(props["DefaultRouteSettings"])
        route_settings = props.get("RouteSettings") or {}
        config["routeSettings"] = {k: camel_keys(v) for k, v in route_settings.items()}
        return config

    @classmethod
    def create_item(
        cls, backend: ApiGatewayV2Backend, api_id: str, name: str, props: dict[str, Any]
    ) -> Stage:
        return backend.create_stage(api_id, cls._config(props))

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        # The name is the id: a stage is rebuilt under whatever name the template now gives.
        return self.replace(name, props, account_id, region_name)


def _route_args(props: dict[str, Any]) -> dict[str, Any]:
    request_parameters = props.get("RequestParameters") or {}
    return {
        "api_key_required": as_bool(props.get("ApiKeyRequired", False)),
        "authorization_scopes": props.get("AuthorizationScopes"),
        "authorization_type": props.get("AuthorizationType") or "NONE",
        "authorizer_id": props.get("AuthorizerId"),
        "model_selection_expression": props.get("ModelSelectionExpression"),
        "operation_name": props.get("OperationName"),
        "request_models": props.get("RequestModels"),
        "request_parameters": {k: camel_keys(v) for k, v in request_parameters.items()},
        "route_key": props["RouteKey"],
        "route_response_selection_expression": props.get("RouteResponseSelectionExpression"),
        "target": props.get("Target"),
    }


class CfnRoute(_ApiChild[Route], CloudFormationModel):
    """AWS::ApiGatewayV2::Route. Ref = route id; GetAtt RouteId."""

    CFN_TYPE = "AWS::ApiGatewayV2::Route"
    ID_ATTRIBUTE = "RouteId"
    COLLECTION = "routes"
    ITEM_ID = "route_id"

    @classmethod
    def create_item(
        cls, backend: ApiGatewayV2Backend, api_id: str, name: str, props: dict[str, Any]
    ) -> Route:
        return backend.create_route(api_id, **_route_args(props))


def _response_parameters(value: Any) -> dict[str, dict[str, str]] | None:
    """CloudFormation's {status: {ResponseParameters: [{Destination, Source}]}} -> API shape."""
    if not value:
        return None
    return {
        status: {p["Destination"]: p["Source"] for p in entry.get("ResponseParameters", [])}
        for status, entry in value.items()
    }


def _integration_args(props: dict[str, Any]) -> dict[str, Any]:
    tls = props.get("TlsConfig")
    timeout = props.get("TimeoutInMillis")
    return {
        "connection_id": props.get("ConnectionId"),
        "connection_type": props.get("ConnectionType"),
        "content_handling_strategy": props.get("ContentHandlingStrategy"),
        "credentials_arn": props.get("CredentialsArn"),
        "description": props.get("Description"),
        "integration_method": props.get("IntegrationMethod"),
        "integration_subtype": props.get("IntegrationSubtype"),
        "integration_type": props["IntegrationType"],
        "integration_uri": props.get("IntegrationUri"),
        "passthrough_behavior": props.get("PassthroughBehavior"),
        "payload_format_version": props.get("PayloadFormatVersion"),
        "request_parameters": props.get("RequestParameters"),
        "request_templates": props.get("RequestTemplates"),
        "response_parameters": _response_parameters(props.get("ResponseParameters")),
        "template_selection_expression": props.get("TemplateSelectionExpression"),
        "timeout_in_millis": None if timeout is None else str(timeout),
        "tls_config": camel_keys(tls) if tls else None,
    }


class CfnIntegration(_ApiChild[Integration], CloudFormationModel):
    """AWS::ApiGatewayV2::Integration. Ref = integration id; GetAtt IntegrationId."""

    CFN_TYPE = "AWS::ApiGatewayV2::Integration"
    ID_ATTRIBUTE = "IntegrationId"
    COLLECTION = "integrations"
    ITEM_ID = "id"

    @classmethod
    def create_item(
        cls, backend: ApiGatewayV2Backend, api_id: str, name: str, props: dict[str, Any]
    ) -> Integration:
        return backend.create_integration(api_id, **_integration_args(props))


def _authorizer_args(name: str, props: dict[str, Any]) -> dict[str, Any]:
    jwt = props.get("JwtConfiguration")
    simple = props.get("EnableSimpleResponses")
    return {
        "auth_creds_arn": props.get("AuthorizerCredentialsArn"),
        "auth_payload_format_version": props.get("AuthorizerPayloadFormatVersion"),
        "auth_result_ttl": props.get("AuthorizerResultTtlInSeconds"),
        "authorizer_type": props["AuthorizerType"],
        "authorizer_uri": props.get("AuthorizerUri"),
        "enable_simple_response": None if simple is None else as_bool(simple),
        "identity_source": props.get("IdentitySource"),
        "identity_validation_expr": props.get("IdentityValidationExpression"),
        "jwt_config": camel_keys(jwt) if jwt else None,
        "name": name,
    }


class CfnAuthorizer(_ApiChild[Authorizer], CloudFormationModel):
    """AWS::ApiGatewayV2::Authorizer. Ref = authorizer id; GetAtt AuthorizerId.

    JwtConfiguration {Audience, Issuer} is stored as the API's {audience, issuer}.
    """

    CFN_TYPE = "AWS::ApiGatewayV2::Authorizer"
    NAME_PROPERTY = "Name"
    ID_ATTRIBUTE = "AuthorizerId"
    COLLECTION = "authorizers"
    ITEM_ID = "id"

    @classmethod
    def create_item(
        cls, backend: ApiGatewayV2Backend, api_id: str, name: str, props: dict[str, Any]
    ) -> Authorizer:
        return backend.create_authorizer(api_id, **_authorizer_args(name, props))


# Route 53 zone of API Gateway's regional endpoints (what AWS returns as RegionalHostedZoneId).
_REGIONAL_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "us-west-2": "Z2OJLYMUO9EFXC"}


def _domain_configurations(props: dict[str, Any], region_name: str) -> list[dict[str, Any]]:
    """DomainNameConfigurations as the API returns them, with the regional target AWS assigns
    (nothing serves it locally: the local data plane stays on localhost)."""
    configurations = []
    for entry in props.get("DomainNameConfigurations") or [{}]:
        configuration = camel_keys(entry)
        configuration.setdefault("endpointType", "REGIONAL")
        configuration["domainNameStatus"] = "AVAILABLE"
        configuration["apiGatewayDomainName"] = (
            f"d-{moto_seam.random_string(10, lower_case=True)}"
            f".execute-api.{region_name}.amazonaws.com"
        )
        configuration["hostedZoneId"] = _REGIONAL_ZONES.get(region_name, "ZLOCALREGIONAL")
        configurations.append(configuration)
    return configurations


class CfnDomainName(CfnModel, CloudFormationModel):
    """AWS::ApiGatewayV2::DomainName. Ref = the domain name; GetAtt RegionalDomainName,
    RegionalHostedZoneId, DomainNameArn. The certificate is kept by ARN only (moto has no ACM
    check here, and AWS's is done when the certificate is issued)."""

    CFN_TYPE = "AWS::ApiGatewayV2::DomainName"
    NAME_PROPERTY = "DomainName"
    ID_PATH = "domain.domain_name"
    ATTRIBUTES = frozenset({"RegionalDomainName", "RegionalHostedZoneId", "DomainNameArn"})

    def __init__(self, domain: DomainName) -> None:
        self.domain = domain

    def attribute(self, name: str) -> str:
        if name == "DomainNameArn":
            return str(self.domain.domain_name_arn)
        first = self.domain.domain_name_configurations[0]
        key = "apiGatewayDomainName" if name == "RegionalDomainName" else "hostedZoneId"
        return str(first[key])

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        domain = _backend(account_id, region_name).create_domain_name(
            domain_name=str(props.get("DomainName") or name),
            domain_name_configurations=_domain_configurations(props, region_name),
            mutual_tls_authentication=camel_keys(props.get("MutualTlsAuthentication") or {}),
            tags=props.get("Tags") or {},
        )
        return cls(domain)

    def update(self, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        if props.get("DomainName") not in (None, self.domain.domain_name):
            return self.replace(name, props, account_id, region_name)  # a new name: replacement
        self.domain.domain_name_configurations = _domain_configurations(props, region_name)
        self.domain.tags = props.get("Tags") or {}
        return self

    @classmethod
    def remove(cls, account_id: str, region_name: str, resource_id: str) -> None:
        backend = _backend(account_id, region_name)
        # moto deletes a domain's mappings while iterating over them: drop them first.
        for mapping_id in [
            i for i, m in backend.api_mappings.items() if m.domain_name == resource_id
        ]:
            backend.api_mappings.pop(mapping_id)
        with contextlib.suppress(DomainNameNotFound):  # already gone
            backend.delete_domain_name(resource_id)


class CfnApiMapping(CfnChildModel, CloudFormationModel):
    """AWS::ApiGatewayV2::ApiMapping. Ref = mapping id; GetAtt ApiMappingId. A child of its
    domain name: deleting the domain takes its mappings along."""

    CFN_TYPE = "AWS::ApiGatewayV2::ApiMapping"
    PARENT_PROPERTY = "DomainName"
    ID_PATH = "mapping.api_mapping_id"
    ID_ATTRIBUTE = "ApiMappingId"

    def __init__(self, mapping: ApiMapping) -> None:
        self.mapping = mapping

    @property
    def parent_id(self) -> str:
        return str(self.mapping.domain_name)

    @classmethod
    def create(cls, name: str, props: dict[str, Any], account_id: str, region_name: str) -> Self:
        mapping = _backend(account_id, region_name).create_api_mapping(
            api_id=str(props["ApiId"]),
            api_mapping_key=str(props.get("ApiMappingKey") or ""),
            domain_name=str(props["DomainName"]),
            stage=str(props["Stage"]),
        )
        return cls(mapping)

    @classmethod
    def remove_from(
        cls, account_id: str, region_name: str, parent_id: str, resource_id: str
    ) -> None:
        # Not found: its domain name went first and took it along.
        with contextlib.suppress(ApiMappingNotFound):
            _backend(account_id, region_name).delete_api_mapping(resource_id, parent_id)


MODELS: tuple[type[CloudFormationModel], ...] = (
    CfnApi,
    CfnStage,
    CfnRoute,
    CfnIntegration,
    CfnAuthorizer,
    CfnDomainName,
    CfnApiMapping,
)


def _get_authorizers(self: ApiGatewayV2Response) -> TYPE_RESPONSE:
    """GET /v2/apis/{apiId}/authorizers: moto 5.2.5 has GetAuthorizer but not this list call."""
    api_id = self.path.split("/")[-2]
    api = self.apigatewayv2_backend.get_api(api_id)
    items = [authorizer.to_json() for authorizer in api.authorizers.values()]
    return 200, {}, json.dumps({"items": items})


def apply_patches() -> None:
    """Add GetAuthorizers, which the local data plane and the tests read (idempotent)."""
    if not hasattr(ApiGatewayV2Response, "get_authorizers"):
        ApiGatewayV2Response.get_authorizers = _get_authorizers  # type: ignore[attr-defined]
