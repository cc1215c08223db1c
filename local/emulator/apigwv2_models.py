"""CloudFormation types for API Gateway v2 (HTTP APIs), created in moto's apigatewayv2 backend.

moto 5.2.5 has the apigatewayv2 APIs but no AWS::ApiGatewayV2::* CloudFormation types. These
models create the real API, stage, routes, integrations and authorizers, so `get_routes`,
`get_integrations` and `get_authorizers` return what the template declared (JwtConfiguration,
IdentitySource, AuthorizationType, Target, IntegrationUri, PayloadFormatVersion, ...).

moto's apigatewayv2 objects keep request dicts in their REST-JSON (camelCase) shape, so the
PascalCase CloudFormation properties are translated before they are stored.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigatewayv2.exceptions import ApiNotFound
from moto.apigatewayv2.models import (
    Api,
    ApiGatewayV2Backend,
    Authorizer,
    Integration,
    Route,
    Stage,
    apigatewayv2_backends,
)
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.common_models import CloudFormationModel
from moto.core.common_types import TYPE_RESPONSE

from ._cfn import as_bool, camel_keys, pick, properties, unsupported_attribute


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


class CfnApi(CloudFormationModel):
    """AWS::ApiGatewayV2::Api. Ref = api id; GetAtt ApiEndpoint, ApiId."""

    ATTRIBUTES = frozenset({"ApiEndpoint", "ApiId"})

    def __init__(self, api: Api) -> None:
        self.api = api

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return str(self.api.api_id)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "ApiEndpoint":
            return str(self.api.api_endpoint)
        if attribute_name == "ApiId":
            return str(self.api.api_id)
        raise unsupported_attribute()

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
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnApi:
        props = properties(cloudformation_json)
        api = _backend(account_id, region_name).create_api(
            name=resource_name,
            protocol_type=props.get("ProtocolType", "HTTP"),
            tags=props.get("Tags") or {},
            **cls._settings(props),
        )
        if props.get("Body"):
            # OpenAPI body: JSON is valid YAML, which is what moto's importer parses.
            api.import_api(json.dumps(props["Body"]), as_bool(props.get("FailOnWarnings")))
        return cls(api)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnApi,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnApi:
        props = properties(cloudformation_json)
        original_resource.api.update(name=new_resource_name, **cls._settings(props))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_api(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_api(self.api.api_id)

    def is_created(self) -> bool:
        return True


class CfnStage(CloudFormationModel):
    """AWS::ApiGatewayV2::Stage. Ref = stage name."""

    def __init__(self, api_id: str, stage: Stage) -> None:
        self.api_id = api_id
        self.stage = stage

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @property
    def physical_resource_id(self) -> str:
        return str(self.stage.name)

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
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnStage:
        props = properties(cloudformation_json)
        api_id = str(props["ApiId"])
        stage = _backend(account_id, region_name).create_stage(api_id, cls._config(props))
        return cls(api_id, stage)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnStage,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnStage:
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
        api = _api_or_none(account_id, region_name, str(properties(cloudformation_json)["ApiId"]))
        if api is not None:
            api.delete_stage(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _api_or_none(account_id, region_name, self.api_id)
        if api is not None:
            api.delete_stage(self.stage.name)

    def is_created(self) -> bool:
        return True


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


class CfnRoute(CloudFormationModel):
    """AWS::ApiGatewayV2::Route. Ref = route id; GetAtt RouteId."""

    def __init__(self, api_id: str, route: Route) -> None:
        self.api_id = api_id
        self.route = route

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Route"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "RouteId"

    @property
    def physical_resource_id(self) -> str:
        return str(self.route.route_id)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "RouteId":
            return str(self.route.route_id)
        raise unsupported_attribute()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnRoute:
        props = properties(cloudformation_json)
        api_id = str(props["ApiId"])
        route = _backend(account_id, region_name).create_route(api_id, **_route_args(props))
        return cls(api_id, route)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnRoute,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnRoute:
        # Rebuild from the full new properties, keeping the id that other resources reference.
        new = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        api = _backend(account_id, region_name).get_api(new.api_id)
        old_id = original_resource.route.route_id
        api.routes.pop(new.route.route_id)
        original_resource.delete(account_id, region_name)
        new.route.route_id = old_id
        api.routes[old_id] = new.route
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api = _api_or_none(account_id, region_name, str(properties(cloudformation_json)["ApiId"]))
        if api is not None:
            api.routes.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _api_or_none(account_id, region_name, self.api_id)
        if api is not None:
            api.routes.pop(self.route.route_id, None)

    def is_created(self) -> bool:
        return True


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


class CfnIntegration(CloudFormationModel):
    """AWS::ApiGatewayV2::Integration. Ref = integration id; GetAtt IntegrationId."""

    def __init__(self, api_id: str, integration: Integration) -> None:
        self.api_id = api_id
        self.integration = integration

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Integration"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "IntegrationId"

    @property
    def physical_resource_id(self) -> str:
        return str(self.integration.id)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "IntegrationId":
            return str(self.integration.id)
        raise unsupported_attribute()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnIntegration:
        props = properties(cloudformation_json)
        api_id = str(props["ApiId"])
        integration = _backend(account_id, region_name).create_integration(
            api_id, **_integration_args(props)
        )
        return cls(api_id, integration)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnIntegration,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnIntegration:
        # Rebuild from the full new properties, keeping the id routes point at.
        new = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        api = _backend(account_id, region_name).get_api(new.api_id)
        old_id = original_resource.integration.id
        api.integrations.pop(new.integration.id)
        original_resource.delete(account_id, region_name)
        new.integration.id = old_id
        api.integrations[old_id] = new.integration
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api = _api_or_none(account_id, region_name, str(properties(cloudformation_json)["ApiId"]))
        if api is not None:
            api.integrations.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _api_or_none(account_id, region_name, self.api_id)
        if api is not None:
            api.integrations.pop(self.integration.id, None)

    def is_created(self) -> bool:
        return True


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


class CfnAuthorizer(CloudFormationModel):
    """AWS::ApiGatewayV2::Authorizer. Ref = authorizer id; GetAtt AuthorizerId.

    JwtConfiguration {Audience, Issuer} is stored as the API's {audience, issuer}.
    """

    def __init__(self, api_id: str, authorizer: Authorizer) -> None:
        self.api_id = api_id
        self.authorizer = authorizer

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ApiGatewayV2::Authorizer"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AuthorizerId"

    @property
    def physical_resource_id(self) -> str:
        return str(self.authorizer.id)

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "AuthorizerId":
            return str(self.authorizer.id)
        raise unsupported_attribute()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CfnAuthorizer:
        props = properties(cloudformation_json)
        api_id = str(props["ApiId"])
        authorizer = _backend(account_id, region_name).create_authorizer(
            api_id, **_authorizer_args(resource_name, props)
        )
        return cls(api_id, authorizer)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CfnAuthorizer,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CfnAuthorizer:
        # Rebuild from the full new properties, keeping the id routes point at.
        new = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        api = _backend(account_id, region_name).get_api(new.api_id)
        old_id = original_resource.authorizer.id
        api.authorizers.pop(new.authorizer.id)
        original_resource.delete(account_id, region_name)
        new.authorizer.id = old_id
        api.authorizers[old_id] = new.authorizer
        return new

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        api = _api_or_none(account_id, region_name, str(properties(cloudformation_json)["ApiId"]))
        if api is not None:
            api.authorizers.pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        api = _api_or_none(account_id, region_name, self.api_id)
        if api is not None:
            api.authorizers.pop(self.authorizer.id, None)

    def is_created(self) -> bool:
        return True


MODELS: tuple[type[CloudFormationModel], ...] = (
    CfnApi,
    CfnStage,
    CfnRoute,
    CfnIntegration,
    CfnAuthorizer,
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
