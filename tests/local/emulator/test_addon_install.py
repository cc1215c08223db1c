"""install() registers the add-on's CloudFormation types with moto, once."""

from __future__ import annotations

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend

from local.emulator.server import addon

EXPECTED_TYPES = {
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
    "AWS::Cognito::UserPoolResourceServer",
    "AWS::Cognito::ManagedLoginBranding",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::ApiGatewayV2::ApiMapping",
}


def test_install_twice_registers_every_type_and_patches_once() -> None:
    """GIVEN moto imported in this process
    WHEN install() runs twice
    THEN every add-on type maps to the add-on's model and the patched methods are not wrapped
    a second time."""
    addon.install()
    execute = CloudFormationBackend.execute_change_set
    addon.install()

    model_map = parsing.get_model_map()
    assert {t: model_map[t] for t in EXPECTED_TYPES} == {
        m.cloudformation_type(): m for m in addon.added_models()
    }
    assert CloudFormationBackend.execute_change_set is execute
    assert execute.__module__ == "local.emulator.server.cfn_patches"
