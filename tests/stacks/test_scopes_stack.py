"""Scopes in the templates: resource server, pre-token trigger, machine client, route scopes."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from stacks.auth_stack import PRE_TOKEN_HANDLER
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import function_by_handler, only_resource, resources_of_type


def _routes(synth: Synthesized) -> dict[str, Any]:
    routes = resources_of_type(synth.api_json, "AWS::ApiGatewayV2::Route").values()
    return {r["Properties"]["RouteKey"]: r["Properties"].get("AuthorizationScopes") for r in routes}


def _auth(synth: Synthesized) -> dict[str, Any]:
    assert synth.auth_json is not None
    return synth.auth_json


def test_scoped_routes_require_one_scope_each(synthesized: dict[str, Synthesized]) -> None:
    """GIVEN requireScopes=true machineClient=true WHEN synthesized THEN GET needs profile.read,
    POST profile.write and GET /profiles/{sub} profiles.read, all behind the JWT authorizer."""
    assert _routes(synthesized["cognito-scoped"]) == {
        "GET /user/profile": ["profile-api/profile.read"],
        "POST /user/profile": ["profile-api/profile.write"],
        "GET /profiles/{sub}": ["profile-api/profiles.read"],
    }
    for route in resources_of_type(
        synthesized["cognito-scoped"].api_json, "AWS::ApiGatewayV2::Route"
    ):
        props = synthesized["cognito-scoped"].api_json["Resources"][route]["Properties"]
        assert props["AuthorizationType"] == "JWT"


def test_dev_default_routes_take_any_token_and_have_no_admin_route(cognito: Synthesized) -> None:
    """GIVEN the dev defaults WHEN synthesized THEN no route has scopes and /profiles/{sub} and
    the machine client do not exist (the tutorial's ID-or-access-token flow)."""
    assert _routes(cognito) == {"GET /user/profile": None, "POST /user/profile": None}
    assert len(resources_of_type(_auth(cognito), "AWS::Cognito::UserPoolClient")) == 1
    assert "MachineClientId" not in _auth(cognito)["Outputs"]


def test_prod_routes_require_scopes_by_default(cognito_prod: Synthesized) -> None:
    """GIVEN stage=prod WHEN synthesized THEN the user routes need the resource server scopes."""
    assert _routes(cognito_prod) == {
        "GET /user/profile": ["profile-api/profile.read"],
        "POST /user/profile": ["profile-api/profile.write"],
    }


def test_external_issuer_routes_use_the_providers_scope_names(
    synthesized: dict[str, Synthesized],
) -> None:
    """GIVEN okta with readScopes/writeScopes/adminScopes WHEN synthesized THEN those exact names
    are the routes' scopes, including the back-office route."""
    assert _routes(synthesized["okta"]) == {
        "GET /user/profile": ["profile.read"],
        "POST /user/profile": ["profile.write"],
        "GET /profiles/{sub}": ["profiles.read"],
    }


def test_resource_server_defines_the_three_scopes(cognito: Synthesized) -> None:
    """GIVEN any Cognito configuration WHEN synthesized THEN a resource server 'profile-api'
    defines profile.read, profile.write and profiles.read."""
    server = only_resource(_auth(cognito), "AWS::Cognito::UserPoolResourceServer")["Properties"]
    assert server["Identifier"] == "profile-api"
    assert {s["ScopeName"] for s in server["Scopes"]} == {
        "profile.read",
        "profile.write",
        "profiles.read",
    }


def test_pool_uses_essentials_and_a_v2_pre_token_trigger(cognito: Synthesized) -> None:
    """GIVEN AuthStack WHEN synthesized THEN the feature plan is set to Essentials and the pool
    runs the pre-token function with event version 2."""
    pool = only_resource(_auth(cognito), "AWS::Cognito::UserPool")["Properties"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    trigger = function_by_handler(_auth(cognito), PRE_TOKEN_HANDLER)
    functions = resources_of_type(_auth(cognito), "AWS::Lambda::Function")
    (trigger_id,) = [k for k, v in functions.items() if v is trigger]
    assert pool["LambdaConfig"] == {
        "PreTokenGenerationConfig": {
            "LambdaArn": {"Fn::GetAtt": [trigger_id, "Arn"]},
            "LambdaVersion": "V2_0",
        }
    }


def test_trigger_adds_user_scopes_and_may_read_only_its_parameter(cognito: Synthesized) -> None:
    """GIVEN the trigger WHEN synthesized THEN it is told the two user scopes and the SSM
    parameter holding the user client id, and its role may read that one parameter."""
    auth = _auth(cognito)
    env = function_by_handler(auth, PRE_TOKEN_HANDLER)["Properties"]["Environment"]["Variables"]
    assert env["USER_SCOPES"] == "profile-api/profile.read profile-api/profile.write"
    parameter = only_resource(auth, "AWS::SSM::Parameter")["Properties"]
    assert (
        parameter["Name"] == env["USER_CLIENT_ID_PARAMETER"] == "/JwtProfileAuthDev/user-client-id"
    )
    assert parameter["Value"]["Ref"].startswith("UserPoolAppClient")
    role = only_resource(auth, "AWS::IAM::Role")["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    ssm = [s for s in statements if s["Action"] == "ssm:GetParameter"]
    assert len(ssm) == 1
    resource = "".join(p if isinstance(p, str) else "" for p in ssm[0]["Resource"]["Fn::Join"][1])
    assert resource.endswith(":parameter/JwtProfileAuthDev/user-client-id")


def test_machine_client_has_a_secret_and_client_credentials_only(
    synthesized: dict[str, Synthesized],
) -> None:
    """GIVEN machineClient=true WHEN synthesized THEN a second client has a generated secret,
    only the client_credentials grant, only profiles.read, and no user sign-in flow."""
    auth = synthesized["cognito-scoped"].auth
    assert auth is not None
    auth.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": True,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": [
                {"Fn::Join": ["", [{"Ref": Match.any_value()}, "/profiles.read"]]}
            ],
            "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
        },
    )


def test_outputs_name_the_machine_client_and_token_endpoint_never_the_secret(
    synthesized: dict[str, Synthesized],
) -> None:
    """GIVEN machineClient=true WHEN synthesized THEN outputs give the machine client id and the
    token endpoint, and no output reads a client secret."""
    outputs = _auth(synthesized["cognito-scoped"])["Outputs"]
    assert {"MachineClientId", "TokenEndpoint"} <= set(outputs)
    token_parts = outputs["TokenEndpoint"]["Value"]["Fn::Join"][1]
    assert token_parts[-1].endswith("/oauth2/token")
    assert "ClientSecret" not in repr([output["Value"] for output in outputs.values()])


def test_admin_route_function_may_only_read_the_table(synthesized: dict[str, Synthesized]) -> None:
    """GIVEN the back-office route WHEN synthesized THEN its function runs the by-sub handler and
    its role may only GetItem on the table."""
    api = synthesized["cognito-scoped"].api_json
    function = function_by_handler(api, "profile_api.get_profile_by_sub.handler")
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in resources_of_type(api, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                granted = statement["Action"]
                actions.update([granted] if isinstance(granted, str) else granted)
    assert actions == {"dynamodb:GetItem"}


def test_authorizer_accepts_the_machine_clients_tokens(synthesized: dict[str, Synthesized]) -> None:
    """GIVEN machineClient=true WHEN synthesized THEN the JWT authorizer's audience lists the
    user client and the machine client: machine tokens carry their client_id and no aud, so
    without it every machine call would be 401."""
    authorizer = only_resource(
        synthesized["cognito-scoped"].api_json, "AWS::ApiGatewayV2::Authorizer"
    )["Properties"]
    audiences = authorizer["JwtConfiguration"]["Audience"]
    imports = [a["Fn::ImportValue"] for a in audiences]
    assert len(imports) == 2
    assert any("AppClient" in name for name in imports)
    assert any("MachineClient" in name for name in imports)
